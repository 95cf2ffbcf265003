// Feed subscribers that misbehave while 500 nodes beat: one that never reads, one that reads
// one byte a second, and a string of them that hang up in the middle of the snapshot. The relay
// holds a bounded queue and one mark per node for each of them, drops every one that hung up,
// and a normal subscriber gets every beat as it comes. (What a normal subscriber waits for, and
// what the relay's memory does meanwhile, is measured by the benchmark: `npm run bench`, row
// "slow subscribers".)
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FeedClient } from '../testing/feed-client.ts'
import { GoodSwarm } from '../testing/good-swarm.ts'
import { getMetric } from '../testing/http.ts'
import { MisbehavingSubscribers } from '../testing/misbehaving-subscribers.ts'
import { createPeer } from '../testing/peers.ts'
import { startRelayProcess } from '../testing/relay-process.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { Libp2p } from '@libp2p/interface'

const NODES = 500

describe('slow and broken feed subscribers', () => {
  // Stated bound: for each subscriber that is behind (the stuck one, the slow one, a quitter in
  // the middle of its snapshot: three at most), the relay holds its stream's queue (one batch
  // past the muxer window: ≤ 64 KiB plus one message, so ≤ 3 × 68 KiB in all, asserted through
  // devnet_feed_buffered_bytes) and one dirty mark per node (≤ 3 × 500). A subscriber hanging
  // up in the middle of its snapshot leaves nothing behind.
  it('keeps queues and marks bounded, drops hung-up subscribers, and gives a normal subscriber every beat while 500 nodes beat', { timeout: 240_000 }, async () => {
    // rounds go as fast as the normal subscriber takes them, past the default per-peer rate
    const relay = await startRelayProcess(['--max-beats-per-second', '1000'])
    let reader: Libp2p | undefined
    let misbehaving: MisbehavingSubscribers | undefined
    // full-length tipset keys (~250 B a beat on the feed: ~125 KB a round), so the stuck
    // subscriber's yamux window (256 KiB to 2 MiB) fills within a few rounds
    let startedSwarm: GoodSwarm | undefined
    try {
      const swarm = startedSwarm = await GoodSwarm.start(NODES, relay.tcp)
      reader = await createPeer()
      const normal = await FeedClient.open(reader, relay.ws)
      // every heartbeat the normal subscriber is sent one by one (not folded into a node's
      // latest state, as for a subscriber that is behind), by height
      const beatsAt = new Map<number, number>()
      normal.onMessage = message => { if (message.t === 'hb') beatsAt.set(message.height, (beatsAt.get(message.height) ?? 0) + 1) }
      const roundSeen = (height: number): boolean => [...normal.nodes.values()].every(n => n.height === height)
      await waitFor('the reader to see all 500 nodes', () => normal.synced && normal.nodes.size === NODES && roundSeen(swarm.height), 60_000)

      const bad = misbehaving = await MisbehavingSubscribers.open(relay)
      const firstHostileRound = swarm.height + 1
      // a round of beats, then a quitter, round after round: at least ten hang-ups, and until
      // the subscribers that are behind are being coalesced
      for (let round = 0; bad.hangUps < 10 || bad.coalesced < NODES; round++) {
        assert.ok(round < 200, `after 200 rounds: ${bad.hangUps} hang-ups, ${bad.coalesced} coalesced, quitter dials failed: ${bad.dialFailures.join(', ')}`)
        swarm.beat()
        await bad.hangUp()
        // the normal subscriber is not held up by any of it: each round reaches it in full
        await waitFor(`the normal subscriber to get round ${swarm.height}`, () => roundSeen(swarm.height), 30_000)
      }

      // the hung-up subscribers are gone; the normal and stuck ones remain, and the slow one
      // unless the relay has already shed it (its queue did not empty within the drain timeout)
      const subscribers = await waitFor('the relay to drop every hung-up subscriber', async () => {
        const n = await getMetric(relay.httpUrl, 'devnet_feed_subscribers')
        return n <= 3 ? n : undefined
      })
      assert.ok(subscribers >= 2, 'the normal and the stuck subscriber are still served')
      assert.equal(bad.stuck.stream.status, 'open', 'the stuck subscriber is kept within the drain timeout')
      assert.ok(bad.midSnapshot >= bad.hangUps / 2, `subscribers hung up mid-snapshot (${bad.midSnapshot} of ${bad.hangUps})`)
      assert.ok(bad.coalesced >= NODES, 'the subscribers that are behind were coalesced')
      assert.ok(bad.maxBufferedBytes <= 3 * 68 * 1024, `queued bytes stay bounded (${bad.maxBufferedBytes})`)
      assert.ok(bad.maxDirty <= 3 * NODES, `dirty marks are bounded by the nodes (${bad.maxDirty})`)
      for (let height = firstHostileRound; height <= swarm.height; height++) {
        assert.equal(beatsAt.get(height), NODES, `the normal subscriber got every beat of round ${height} as a beat`)
      }

      swarm.beat()
      await swarm.expectLatest(relay.httpUrl, normal, 60_000)
    } finally {
      await startedSwarm?.stop()
      await reader?.stop()
      await misbehaving?.close()
      await relay.stop()
    }
  })
})
