// The feed service on real libp2p streams: it registers its protocol with a listener node, as
// with the relay's own, and dashboards dial it over TCP (noise, yamux). A dashboard that does
// not read is one whose stream is paused: yamux then grants no more window, as for a reader
// that stopped, and the feed's send() comes to return false with the bytes still queued. Its
// timers (batches, pings, the drain timeout) run on a manual clock where a test needs to say
// when time passes.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { encodeFeedMessage } from '../protocol/index.ts'
import { FEED_BATCH_MAX_BYTES, FEED_DRAIN_TIMEOUT_MS } from './constants.ts'
import { FeedService, HeartbeatLines } from './feed-service.ts'
import { RelayMetrics } from './metrics.ts'
import { NodeRegistry } from './registry.ts'
import { ManualClock } from '../testing/clock.ts'
import { FeedClient } from '../testing/feed-client.ts'
import { createListener, createPeer } from '../testing/peers.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { ProtocolRegistrar } from './relay-node.ts'
import type { FeedServiceInit } from './feed-service.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

const beat = (height: number): { head: string, height: number, nickname: string, minerAddress: null, genesisCid: null } =>
  ({ head: `{ bafy2bzacea${height} }`, height, nickname: 'n', minerAddress: null, genesisCid: null })

/** A registry of `nodes` nodes with `rounds` heights of history each. */
function registryOf (nodes: number, rounds: number): NodeRegistry {
  const registry = new NodeRegistry()
  for (let round = 1; round <= rounds; round++) {
    for (let n = 0; n < nodes; n++) registry.heartbeat(`node${n}`, beat(round), round * 1000)
  }
  return registry
}

describe('feed backpressure on real streams', () => {
  let listener: Libp2p
  let viewer: Libp2p
  /** a dashboard whose yamux grants at most 256 KiB of window (its initial size) at a time */
  let narrowViewer: Libp2p
  const feeds: FeedService[] = []

  before(async () => {
    listener = await createListener()
    viewer = await createPeer()
    narrowViewer = await createLibp2p({
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: 256 * 1024 } })],
      connectionMonitor: { enabled: false }
    })
  })
  after(async () => {
    await narrowViewer.stop()
    await viewer.stop()
    await listener.stop()
  })

  /** A started feed on the listener; `onStream` sees each stream before the feed does. */
  async function startFeed (registry: NodeRegistry, init: FeedServiceInit = {}, onStream: (stream: Stream) => void = () => {}): Promise<{ feed: FeedService, metrics: RelayMetrics }> {
    // the listener itself, each stream passing `onStream` on its way to the feed's handler
    const registrar: ProtocolRegistrar = {
      handle: async (protocol, handler, options) => {
        await listener.handle(protocol, (stream, connection) => { onStream(stream); return handler(stream, connection) }, options)
      },
      unhandle: async protocol => { await listener.unhandle(protocol) }
    }
    const metrics = new RelayMetrics()
    const feed = new FeedService({ registry, metrics, registrar, relayPeerId: 'relay' }, init)
    await feed.start()
    feeds.push(feed)
    return { feed, metrics }
  }

  const address = (): string => listener.getMultiaddrs()[0]?.toString() ?? assert.fail('no address')

  async function stopFeeds (): Promise<void> {
    for (const feed of feeds.splice(0)) await feed.stop()
  }

  it('holds a reader that is behind to one mark per node and nothing more queued, then sends each node\'s latest state once', async () => {
    // a snapshot of several MiB: far more than the window a reader grants before it reads
    const registry = registryOf(10_000, 30)
    const { feed } = await startFeed(registry)
    const reader = await FeedClient.open(narrowViewer, address(), false)
    try {
      await waitFor('the snapshot to be pushed back', () => feed.bufferedBytes() > 0)
      // the reader reads a little now and then: each time it grants 256 KiB more window, and
      // the feed writes on, but it stays far behind
      reader.resume()
      reader.stream.pause()
      let maxBuffered = 0
      for (let round = 31; round <= 40; round++) {
        for (let n = 0; n < 5; n++) registry.heartbeat(`node${n}`, beat(round), round * 1000)
        await waitFor(`round ${round}'s changes to become marks`, () => feed.dirtyNodes() === 5)
        maxBuffered = Math.max(maxBuffered, feed.bufferedBytes())
        const read = reader.messages.length
        reader.stream.resume()
        await waitFor('the reader to read a little', () => reader.messages.length > read)
        reader.stream.pause()
      }
      assert.equal(feed.dirtyNodes(), 5, 'one mark per changed node, however often it changed')
      // one chunk past the window is all the feed queues for a reader that is behind
      assert.ok(maxBuffered <= 2 * FEED_BATCH_MAX_BYTES, `queued ${maxBuffered} B`)
      assert.ok(!reader.synced, 'the reader is still in the snapshot')
      assert.ok(!reader.messages.some(m => m.t === 'hb'), 'no change went out one by one while the reader was behind')

      // the reader reads on: the snapshot, then each changed node's latest state, once
      reader.stream.resume()
      await waitFor('the reader to catch up', () => reader.synced && feed.dirtyNodes() === 0 && reader.byPeer('node4')?.height === 40, 60_000)
      const latest = reader.messages.flatMap(m => m.t === 'node' && m.node.height === 40 ? [m.node.peerId] : [])
      assert.deepEqual(latest.sort(), ['node0', 'node1', 'node2', 'node3', 'node4'])
      assert.equal(reader.nodes.size, 10_000)
      assert.equal(reader.byPeer('node9999')?.height, 30)

      // and it is live: the next change goes out as a change
      registry.heartbeat('node7', beat(41), 41_000)
      await waitFor('the next change as a heartbeat', () => reader.messages.at(-1)?.t === 'hb' && reader.byPeer('node7')?.height === 41)
    } finally {
      reader.stream.abort(new Error('test over'))
      await stopFeeds()
    }
  })

  it('closes a reader whose queue does not empty within the drain timeout, and counts it', async () => {
    const clock = new ManualClock(Date.now())
    const { feed, metrics } = await startFeed(registryOf(10_000, 30), { clock })
    const reader = await FeedClient.open(narrowViewer, address(), false)
    try {
      await waitFor('the snapshot to be pushed back', () => feed.bufferedBytes() > 0)
      // a moment before the timeout it is kept, at the timeout it is closed and counted
      clock.advance(FEED_DRAIN_TIMEOUT_MS - 1)
      assert.equal(feed.subscriberCount, 1)
      assert.doesNotMatch(await metrics.render(), /devnet_feed_subscribers_closed_total\{reason="slow"\}/)
      clock.advance(1)
      await waitFor('the reader to be dropped', () => feed.subscriberCount === 0)
      assert.match(await metrics.render(), /devnet_feed_subscribers_closed_total\{reason="slow"\} 1/)
      await waitFor('the reader to see its stream reset', () => reader.stream.status !== 'open')
    } finally {
      reader.stream.abort(new Error('test over'))
      await stopFeeds()
    }
  })

  it('writes the snapshot and live batches in chunks of at most FEED_BATCH_MAX_BYTES', async () => {
    // 2,000 nodes with 20 points of history each: a snapshot of several chunks
    const registry = registryOf(2_000, 20)
    const writes: number[] = []
    // the real stream the feed writes to, with every write's size noted on its way in
    const { feed } = await startFeed(registry, {}, stream => {
      const send = stream.send.bind(stream)
      stream.send = bytes => { writes.push(bytes.byteLength); return send(bytes) }
    })
    const reader = await FeedClient.open(viewer, address())
    try {
      await waitFor('the snapshot', () => reader.synced)
      assert.ok(writes.length > 4 && writes.reduce((a, b) => a + b) > 4 * FEED_BATCH_MAX_BYTES, 'the snapshot took several writes')
      const snapshotWrites = writes.length
      // 2,000 changes in one tick: far more than one batch
      for (let n = 0; n < 2_000; n++) registry.heartbeat(`node${n}`, beat(21), 21_000)
      await waitFor('every change to reach the reader', () => [...reader.nodes.values()].every(node => node.height === 21))
      assert.ok(writes.length > snapshotWrites + 2, 'the changes took several writes')
      assert.deepEqual(writes.filter(size => size > FEED_BATCH_MAX_BYTES), [], `writes over ${FEED_BATCH_MAX_BYTES} B`)
      assert.equal(feed.subscriberCount, 1)
    } finally {
      reader.stream.abort(new Error('test over'))
      await stopFeeds()
    }
  })

  it('sends a line larger than a batch whole, in order between the lines around it', async () => {
    const registry = registryOf(3, 1)
    // what the feed hands the stream, as it leaves (a reader would refuse a head this long)
    const sent: Uint8Array[] = []
    await startFeed(registry, {}, stream => {
      const send = stream.send.bind(stream)
      stream.send = bytes => { sent.push(bytes.slice()); return send(bytes) }
    })
    const reader = await FeedClient.open(viewer, address())
    try {
      await waitFor('the snapshot', () => reader.synced)
      // the registry takes any head; one this long makes an hb line past a whole batch
      const big = `{ bafy${'b'.repeat(FEED_BATCH_MAX_BYTES)} }`
      registry.heartbeat('node0', beat(2), 2_000)
      registry.heartbeat('node1', { ...beat(2), head: big }, 2_000)
      registry.heartbeat('node2', beat(2), 2_000)
      const beats = (): Array<{ i: number, head: string }> => Buffer.concat(sent).toString('utf8').split('\n')
        .filter(line => line.startsWith('{"t":"hb"')).map(line => JSON.parse(line) as { i: number, head: string })
      await waitFor('the three beats sent', () => beats().length === 3)
      assert.deepEqual(beats().map(m => m.i), [0, 1, 2])
      assert.equal(beats()[1]?.head, big)
      assert.ok(sent.some(bytes => bytes.length > FEED_BATCH_MAX_BYTES), 'the long line went as a write of its own')
    } finally {
      reader.stream.abort(new Error('test over'))
      await stopFeeds()
    }
  })

  it('sends a published message live, in every snapshot, and only its latest to a reader that was behind', async () => {
    // a snapshot of several MiB, so a reader that does not read is behind from the start
    const registry = registryOf(10_000, 30)
    const { feed } = await startFeed(registry)
    const panel = (at: number): Uint8Array => encodeFeedMessage({ t: 'forks', at, networks: [] })
    const forksAt = (client: FeedClient): number[] => client.messages.flatMap(m => m.t === 'forks' ? [m.at] : [])
    feed.publish('forks', panel(1))
    const behind = await FeedClient.open(narrowViewer, address(), false)
    let live: FeedClient | undefined
    try {
      await waitFor('the snapshot to be pushed back', () => feed.bufferedBytes() > 0)
      // behind: three panels come, and only a mark is kept for them
      for (const at of [2, 3, 4]) feed.publish('forks', panel(at))
      await waitFor('the batch to mark the panel for the reader that is behind', () => feed.dirtyKeys() === 1)
      // it reads on: of the four panels, only the latest, once
      behind.resume()
      await waitFor('the reader to catch up', () => behind.synced && feed.dirtyKeys() === 0 && forksAt(behind).includes(4), 60_000)
      assert.deepEqual(forksAt(behind), [4], 'only the latest panel, once')
      // a new reader gets the latest in its snapshot, after the nodes and before synced, and
      // then, keeping up, each one as it comes
      live = await FeedClient.open(viewer, address())
      await waitFor('the live reader synced', () => live?.synced === true, 60_000)
      assert.deepEqual(live.messages.map(m => m.t).filter(t => t !== 'node').slice(0, 4), ['hello', 'snapshot', 'forks', 'synced'], 'the panel after the nodes, before synced')
      feed.publish('forks', panel(5))
      await waitFor('the live panel', () => live !== undefined && forksAt(live).includes(5))
      assert.deepEqual(forksAt(live), [4, 5])
    } finally {
      behind.stream.abort(new Error('test over'))
      live?.stream.abort(new Error('test over'))
      await stopFeeds()
    }
  })
})

describe('the feed\'s hb line', () => {
  it('is the bytes encodeFeedMessage makes of the same message, head after head', () => {
    const lines = new HeartbeatLines()
    const heads = [
      '{ bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4 }',
      '{ bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4 }',
      '{ }',
      'a "quoted" \\ head <b>&</b>\n\u2028 é 😀',
      '',
      '{ zdpuAnother }'
    ]
    heads.forEach((head, k) => {
      for (const [height, at] of [[0, 1_764_000_000_000], [2 ** 53 - 1, 1_764_000_000_123.5], [k, 0]] as const) {
        assert.deepEqual(new TextEncoder().encode(lines.line(k, height, head, at)), encodeFeedMessage({ t: 'hb', i: k, height, head, at }))
      }
    })
  })
})
