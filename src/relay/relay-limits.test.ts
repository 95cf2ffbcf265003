// Bounds that only show under load: a feed subscriber that never reads, and a burst of
// hundreds of nodes from one host (re)connecting at once.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
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
  // dirty mark per node (≤ 100). Forwarding every event instead would queue ~7 MB here. The
  // relay's RSS is printed and must grow by less than 48 MiB over the run.
  it('keeps memory bounded for a subscriber that never reads while 100 nodes beat', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'devnet-mem-'))
    // these nodes beat 20 times a second, past the default per-peer rate
    const relay = await spawnRelayProcess(['--data-dir', dataDir, '--max-beats-per-second', '1000'])
    const peers = await Promise.all(Array.from({ length: 100 }, async () => createPeer()))
    const watcher = await createPeer()
    try {
      const tcp = relay.nodeAddrs.find(a => !a.includes('/ws')) ?? assert.fail('no TCP address')
      const ws = relay.browserAddrs[0] ?? assert.fail('no WebSocket address')
      const streams = await connectAll(peers, tcp)
      const stuck = await FeedClient.open(watcher, ws, false)
      const reader = await FeedClient.open(await createPeer(), ws)

      let height = 1
      const beatAll = (): void => { height++; streams.forEach((s, k) => { s.send(line(height, `node${k}`)) }) }
      for (let k = 0; k < 20; k++) beatAll()
      await waitFor('the reader to see all 100 nodes', () => reader.nodes.size === 100 && [...reader.nodes.values()].every(n => n.height === height))
      const rssStart = await getMetric(relay.httpUrl, 'process_resident_memory_bytes')

      let maxBuffered = 0
      let maxDirty = 0
      // 100 nodes every 50 ms: 2,000 heartbeats/s, ~0.6 MB/s that the stuck subscriber cannot take
      const until = Date.now() + 12_000
      while (Date.now() < until) {
        beatAll()
        await new Promise(resolve => setTimeout(resolve, 50)) // pacing the load, not synchronisation
        const [buffered, dirty] = await Promise.all([
          getMetric(relay.httpUrl, 'devnet_feed_buffered_bytes'),
          getMetric(relay.httpUrl, 'devnet_feed_dirty_nodes')
        ])
        maxBuffered = Math.max(maxBuffered, buffered)
        maxDirty = Math.max(maxDirty, dirty)
      }
      const finalHeight = height
      await waitFor('the reading subscriber to catch up with every node', () => [...reader.nodes.values()].every(n => n.height === finalHeight), 30_000)
      const rssEnd = await getMetric(relay.httpUrl, 'process_resident_memory_bytes')
      const coalesced = await getMetric(relay.httpUrl, 'devnet_feed_events_coalesced_total')
      const accepted = await getMetric(relay.httpUrl, 'devnet_heartbeats_accepted_total')

      console.log(`# ${accepted} heartbeats; stuck subscriber: max queued ${maxBuffered} B, max dirty ${maxDirty} nodes, ${coalesced} events coalesced; relay RSS ${(rssStart / 2 ** 20).toFixed(1)} → ${(rssEnd / 2 ** 20).toFixed(1)} MiB`)
      assert.ok(coalesced > 10_000, `the stuck subscriber fell behind and was coalesced (${coalesced})`)
      assert.equal(stuck.stream.status, 'open', 'within the drain timeout the stuck subscriber is kept')
      assert.ok(maxDirty <= 100, `dirty marks are bounded by the nodes (${maxDirty})`)
      // the muxer window is 256 KiB to 2 MiB; one message past it is all the relay queues
      assert.ok(maxBuffered <= 64 * 1024, `queued bytes stay bounded (${maxBuffered})`)
      assert.ok(rssEnd - rssStart < 48 * 2 ** 20, `relay RSS grew ${((rssEnd - rssStart) / 2 ** 20).toFixed(1)} MiB`)
    } finally {
      await Promise.all([...peers, watcher].map(async p => { await p.stop() }))
      await relay.kill()
      await rm(dataDir, { recursive: true, force: true })
    }
  })

  it('closes a subscriber that does not drain within the bound, and counts it', async () => {
    const relay = await startTestRelay({ feedDrainTimeoutMs: 1_000, maxBeatsPerSecond: 100_000 })
    const sender = await createPeer()
    const watcher = await createPeer()
    try {
      const stuck = await FeedClient.open(watcher, relay.browserAddrs[0] ?? '', false)
      const stream = await openHeartbeatStream(sender, relay.nodeAddrs[0] ?? '')
      let height = 0
      await waitFor('the relay to close the stuck subscriber', async () => {
        for (let k = 0; k < 200; k++) stream.send(line(++height, 'flood'))
        return await getMetric(relay.httpUrl, 'devnet_feed_subscribers_closed_total{reason="slow"}') === 1
      }, 30_000)
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
