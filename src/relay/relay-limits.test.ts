// Bounds that only show under load: a feed subscriber that never reads, one that does not
// drain in time, and a burst of hundreds of nodes from one host (re)connecting at once.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { FEED_BATCH_MS, FEED_DRAIN_TIMEOUT_MS } from './constants.ts'
import { ManualClock } from '../testing/clock.ts'
import { heartbeatLine } from '../testing/good-swarm.ts'
import { createPeer, openHeartbeatStream } from '../testing/peers.ts'
import { FeedClient } from '../testing/feed-client.ts'
import { getJson, getMetric } from '../testing/http.ts'
import { spawnRelayProcess } from '../testing/relay-process.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

// heartbeats with a three-block tipset key, as long as a real one, so an unbounded queue
// would show quickly
const line = heartbeatLine

async function connectAll (peers: Libp2p[], target: string): Promise<Stream[]> {
  return Promise.all(peers.map(async peer => openHeartbeatStream(peer, target)))
}

describe('relay limits', () => {
  // Stated bound: while a paused subscriber is behind, what the relay holds for it is its
  // stream's queue (at most one message past the muxer's window: ≤ 64 KiB asserted) plus one
  // dirty mark per node (≤ 100). Forwarding every event instead would queue ~7 MB here. (What
  // the relay's memory does meanwhile is measured by the benchmark: `npm run bench`, row
  // "slow subscribers".)
  it('holds one mark per node for a subscriber that never reads while 100 nodes beat, and gives it every node\'s latest state once it reads', async () => {
    // these nodes beat as fast as the reading subscriber takes their beats, past the default
    // per-peer rate; the drain timeout is out of the way, so the stuck subscriber is kept
    const relay = await startTestRelay({ maxBeatsPerSecond: 100_000, feedDrainTimeoutMs: 3_600_000 })
    const peers = await Promise.all(Array.from({ length: 100 }, async () => createPeer()))
    const watcher = await createPeer()
    const readerPeer = await createPeer()
    try {
      const tcp = relay.nodeAddrs.find(a => !a.includes('/ws')) ?? assert.fail('no TCP address')
      const ws = relay.browserAddrs[0] ?? assert.fail('no WebSocket address')
      const streams = await connectAll(peers, tcp)
      const stuck = await FeedClient.open(watcher, ws, false)
      const reader = await FeedClient.open(readerPeer, ws)

      let height = 1
      const atHeight = (client: FeedClient): boolean => client.nodes.size === 100 && [...client.nodes.values()].every(n => n.height === height)
      let maxBuffered = 0
      let maxDirty = 0
      let coalesced = 0
      // round after round, each once the reading subscriber has the last: until the stuck one
      // has been behind for ten rounds of every node (its muxer window, up to 2 MiB, fills first)
      for (let round = 0; coalesced < 1_000; round++) {
        assert.ok(round < 2_000, `the stuck subscriber never fell behind (${coalesced} coalesced)`)
        height++
        streams.forEach((s, k) => { s.send(line(height, `node${k}`)) })
        await waitFor(`the reader to see all 100 nodes at ${height}`, () => atHeight(reader), 30_000)
        const [buffered, dirty] = await Promise.all([
          getMetric(relay.httpUrl, 'devnet_feed_buffered_bytes'),
          getMetric(relay.httpUrl, 'devnet_feed_dirty_nodes')
        ])
        maxBuffered = Math.max(maxBuffered, buffered)
        maxDirty = Math.max(maxDirty, dirty)
        coalesced = await getMetric(relay.httpUrl, 'devnet_feed_events_coalesced_total')
      }

      assert.equal(stuck.stream.status, 'open', 'within the drain timeout the stuck subscriber is kept')
      assert.equal(maxDirty, 100, 'dirty marks are bounded by the nodes, one each')
      // the muxer window is 256 KiB to 2 MiB; one message past it is all the relay queues
      assert.ok(maxBuffered <= 64 * 1024, `queued bytes stay bounded (${maxBuffered})`)
      assert.ok(atHeight(reader), 'the reading subscriber was never held back')

      // the stuck subscriber reads at last: what it was sent before it fell behind, then each
      // node's latest state, once
      stuck.resume()
      await waitFor('the stuck subscriber to catch up with every node', () => atHeight(stuck), 30_000)
      assert.equal(await getMetric(relay.httpUrl, 'devnet_feed_dirty_nodes'), 0)
      assert.equal(await getMetric(relay.httpUrl, 'devnet_feed_subscribers'), 2)
    } finally {
      await Promise.all([...peers, watcher, readerPeer].map(async p => { await p.stop() }))
      await relay.destroy()
    }
  })

  it('closes a subscriber that does not drain within the bound, and counts it', async () => {
    // the relay's time moves only when the test moves it: batches go out when it does, and the
    // drain timeout (30 s) runs out exactly when it says
    const clock = new ManualClock(Date.now())
    const relay = await startTestRelay({ maxBeatsPerSecond: 100_000, clock })
    const sender = await createPeer()
    const watcher = await createPeer()
    try {
      const stuck = await FeedClient.open(watcher, relay.browserAddrs[0] ?? '', false)
      const stream = await openHeartbeatStream(sender, relay.nodeAddrs[0] ?? '')
      let height = 0
      await waitFor('the stuck subscriber\'s stream to push back', async () => {
        const accepted = await getMetric(relay.httpUrl, 'devnet_heartbeats_accepted_total')
        for (let k = 0; k < 200; k++) stream.send(line(++height, 'flood'))
        await waitFor('the lines to be taken', async () => await getMetric(relay.httpUrl, 'devnet_heartbeats_accepted_total') === accepted + 200)
        clock.advance(FEED_BATCH_MS)
        return await getMetric(relay.httpUrl, 'devnet_feed_buffered_bytes') > 0
      }, 30_000)
      clock.advance(FEED_DRAIN_TIMEOUT_MS - 1)
      assert.equal(await getMetric(relay.httpUrl, 'devnet_feed_subscribers_closed_total{reason="slow"}'), 0, 'kept until the bound')
      assert.equal(stuck.stream.status, 'open')
      clock.advance(1)
      assert.equal(await getMetric(relay.httpUrl, 'devnet_feed_subscribers_closed_total{reason="slow"}'), 1)
      await waitFor('the subscriber stream to be reset', () => stuck.stream.status !== 'open')
      assert.equal(await getMetric(relay.httpUrl, 'devnet_feed_subscribers'), 0)
    } finally {
      await sender.stop()
      await watcher.stop()
      await relay.destroy()
    }
  })

  it('admits 500 nodes from one host connecting at once, and again after a relay restart', { timeout: 240_000 }, async () => {
    // the relay in its own process, as in a devnet: the 500 nodes' handshakes run here
    const dataDir = await mkdtemp(join(tmpdir(), 'devnet-burst-'))
    let relay = await spawnRelayProcess(['--data-dir', dataDir])
    const peers = await Promise.all(Array.from({ length: 500 }, async () => createPeer()))
    try {
      const target = relay.nodeAddrs.find(a => !a.includes('/ws')) ?? assert.fail('no TCP address')
      const streams = await connectAll(peers, target)
      streams.forEach((s, k) => { s.send(line(1, `burst${k}`)) })
      await waitFor('500 connected nodes', async () => await getMetric(relay.httpUrl, 'devnet_nodes_connected') === 500, 60_000)

      const port = (addr: string): string => /\/tcp\/(\d+)/.exec(addr)?.[1] ?? assert.fail(`no port in ${addr}`)
      const ports = ['--tcp-port', port(target), '--ws-port', port(relay.browserAddrs[0] ?? ''), '--http-port', new URL(relay.httpUrl).port]
      await relay.kill()
      await waitFor('every node to see its connection close', () => peers.every(p => p.getConnections().length === 0), 30_000)

      relay = await spawnRelayProcess(['--data-dir', dataDir, ...ports])
      assert.equal(await getMetric(relay.httpUrl, 'devnet_nodes_connected'), 0)
      assert.equal(await getMetric(relay.httpUrl, 'devnet_nodes_known'), 500)
      const again = await connectAll(peers, target)
      again.forEach((s, k) => { s.send(line(2, `burst${k}`)) })
      await waitFor('all 500 back online', async () => await getMetric(relay.httpUrl, 'devnet_nodes_connected') === 500, 60_000)
      const nodes = await getJson<NodeRecord[]>(`${relay.httpUrl}/api/nodes`)
      assert.equal(nodes.length, 500)
      assert.ok(nodes.every(n => n.height === 2 && n.connected))
    } finally {
      await Promise.all(peers.map(async p => { await p.stop() }))
      await relay.kill()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
