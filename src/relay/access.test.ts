// Access control and per-peer limits against real libp2p peers.
import assert from 'node:assert/strict'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { encodeHeartbeatLine } from '../protocol/index.ts'
import { TokenBucket, PenaltyBox } from './access.ts'
import { ManualClock } from '../testing/clock.ts'
import { createPeer, openHeartbeatStream } from '../testing/peers.ts'
import { FeedClient } from '../testing/feed-client.ts'
import { getJson, getMetric } from '../testing/http.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { Libp2p } from '@libp2p/interface'

const enc = new TextEncoder()
const line = (height: number, nickname = 'n'): Uint8Array => enc.encode(encodeHeartbeatLine({ head: `{ h${height} }`, height, nickname, minerAddress: null, genesisCid: null }))
const rejected = async (url: string, reason: string): Promise<number> => await getMetric(url, `devnet_heartbeats_rejected_total{reason="${reason}"}`)
const listed = async (url: string, peer: Libp2p): Promise<NodeRecord | undefined> =>
  (await getJson<NodeRecord[]>(`${url}/api/nodes`)).find(n => n.peerId === peer.peerId.toString())

describe('TokenBucket and PenaltyBox', () => {
  it('allows a burst, then the rate', () => {
    const bucket = new TokenBucket(2, 4, 0)
    assert.deepEqual(Array.from({ length: 6 }, () => bucket.take(0)), [true, true, true, true, false, false])
    assert.equal(bucket.take(499), false)
    assert.equal(bucket.take(500), true)
  })

  it('refuses a banned peer until its time, then forgets it', () => {
    const box = new PenaltyBox()
    box.ban('p', 100, 0)
    assert.equal(box.isBanned('p', 99), true)
    assert.equal(box.isBanned('p', 100), false)
    assert.equal(box.size, 0)
  })
})

describe('access control', () => {
  it('lets only allowlisted nodes beat (flag or file in the data dir) and counts the rest', async () => {
    const [listedPeer, filePeer, stranger] = await Promise.all([createPeer(), createPeer(), createPeer()])
    const dataDir = await mkdtemp(join(tmpdir(), 'devnet-allow-'))
    await writeFile(join(dataDir, 'allowed-nodes.txt'), `# devnet nodes\n${filePeer.peerId.toString()}  # from the file\n\n`)
    const relay = await startTestRelay({ dataDir, allowNodes: [listedPeer.peerId.toString()] })
    try {
      assert.equal(relay.allowlists.nodes, 2)
      const target = relay.nodeAddrs[0] ?? ''
      for (const peer of [listedPeer, filePeer]) (await openHeartbeatStream(peer, target)).send(line(3, 'friend'))
      const strange = await openHeartbeatStream(stranger, target)
      // the relay may reset the stream before this line is even written
      try { strange.send(line(3, 'stranger')) } catch {}
      await waitFor('both listed nodes', async () => (await listed(relay.httpUrl, listedPeer)) != null && (await listed(relay.httpUrl, filePeer)) != null)
      await waitFor('the stranger\'s stream to be reset', () => strange.status !== 'open')
      assert.equal(await rejected(relay.httpUrl, 'not_allowed'), 1)
      assert.equal(await listed(relay.httpUrl, stranger), undefined)
    } finally {
      await Promise.all([listedPeer, filePeer, stranger].map(async p => { await p.stop() }))
      await relay.destroy()
    }
  })

  it('lets only allowlisted viewers subscribe, and caps how many', async () => {
    const [viewer, other, stranger] = await Promise.all([createPeer(), createPeer(), createPeer()])
    const relay = await startTestRelay({ allowViewers: [viewer.peerId.toString(), other.peerId.toString()], maxViewers: 1 })
    try {
      const ws = relay.browserAddrs[0] ?? ''
      const ok = await FeedClient.open(viewer, ws)
      await waitFor('the allowed viewer\'s snapshot', () => ok.synced)
      const refused = await FeedClient.open(stranger, ws)
      await refused.done
      assert.equal(refused.messages.length, 0, 'the stranger gets nothing')
      assert.notEqual(refused.stream.status, 'open')
      assert.equal(await getMetric(relay.httpUrl, 'devnet_feed_subscribers_refused_total{reason="not_allowed"}'), 1)
      const second = await FeedClient.open(other, ws)
      await second.done
      assert.equal(second.messages.length, 0, 'a viewer past the cap is refused')
      assert.equal(await getMetric(relay.httpUrl, 'devnet_feed_subscribers_refused_total{reason="too_many_subscribers"}'), 1)
      assert.equal(ok.stream.status, 'open')
    } finally {
      await Promise.all([viewer, other, stranger].map(async p => { await p.stop() }))
      await relay.destroy()
    }
  })
})

describe('per-peer limits', () => {
  it('drops and counts heartbeats past the per-peer rate, and takes them again as the bucket refills', async () => {
    // time stands still unless the test moves it: the bucket refills only when it says so
    const clock = new ManualClock(Date.now())
    const relay = await startTestRelay({ maxBeatsPerSecond: 5, clock })
    const peer = await createPeer()
    try {
      const stream = await openHeartbeatStream(peer, relay.nodeAddrs[0] ?? '')
      const burst = new Uint8Array(Array.from({ length: 30 }, (_, k) => [...line(k + 1)]).flat())
      stream.send(burst)
      await waitFor('all 30 lines to be handled', async () =>
        await getMetric(relay.httpUrl, 'devnet_heartbeats_accepted_total') + await rejected(relay.httpUrl, 'rate_limited') === 30)
      // the bucket holds a burst of twice the rate
      assert.equal(await getMetric(relay.httpUrl, 'devnet_heartbeats_accepted_total'), 10)
      assert.equal(await rejected(relay.httpUrl, 'rate_limited'), 20)
      assert.equal(stream.status, 'open', 'a fast sender is slowed, not cut off')
      // a second later it has refilled by the rate: five more are taken, the sixth is not
      clock.advance(1_000)
      stream.send(new Uint8Array(Array.from({ length: 6 }, (_, k) => [...line(k + 31)]).flat()))
      await waitFor('the 6 lines to be handled', async () =>
        await getMetric(relay.httpUrl, 'devnet_heartbeats_accepted_total') + await rejected(relay.httpUrl, 'rate_limited') === 36)
      assert.equal(await getMetric(relay.httpUrl, 'devnet_heartbeats_accepted_total'), 15)
    } finally {
      await peer.stop()
      await relay.destroy()
    }
  })

  it('cuts off a peer that keeps sending bad lines, refuses it for the cool-off, leaves others alone', async () => {
    // a high rate limit, so every bad line is parsed and counted against the budget; time
    // moves only when the test says, so the cool-off lasts until it does
    const clock = new ManualClock(Date.now())
    const relay = await startTestRelay({ coolOffMs: 60_000, maxBeatsPerSecond: 1_000, clock })
    const [bad, good] = await Promise.all([createPeer(), createPeer()])
    try {
      const target = relay.nodeAddrs[0] ?? ''
      const goodStream = await openHeartbeatStream(good, target)
      goodStream.send(line(1, 'good'))
      const badStream = await openHeartbeatStream(bad, target)
      for (let k = 0; k < 25; k++) badStream.send(enc.encode('not a heartbeat\n'))
      await waitFor('the bad peer to be cut off', async () => await getMetric(relay.httpUrl, 'devnet_peers_cut_off_total') === 1)
      await waitFor('the bad peer to see its connection closed', () => bad.getConnections().length === 0)
      await assert.rejects(openHeartbeatStream(bad, target), 'a cut-off peer cannot reconnect during the cool-off')
      assert.ok(await getMetric(relay.httpUrl, 'devnet_connections_refused_total{reason="cooling_off"}') >= 1)
      goodStream.send(line(2, 'good'))
      await waitFor('the good node to keep beating', async () => (await listed(relay.httpUrl, good))?.height === 2)
      // a moment before the cool-off ends it is still refused; after it, let in again
      clock.advance(59_999)
      await assert.rejects(openHeartbeatStream(bad, target), 'still cooling off')
      clock.advance(1)
      const back = await openHeartbeatStream(bad, target)
      back.send(line(7, 'reformed'))
      await waitFor('the reformed peer to be listed', async () => (await listed(relay.httpUrl, bad))?.height === 7)
    } finally {
      await Promise.all([bad, good].map(async p => { await p.stop() }))
      await relay.destroy()
    }
  })
})
