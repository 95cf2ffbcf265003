// The feed's backpressure against a stream that behaves as libp2p 3's yamux streams do for a
// reader granting window a little at a time: send() returns false and keeps the bytes queued,
// 'drain' fires on every small window update while bytes are still queued, and onDrain()
// resolves at once once it has resolved before (@libp2p/utils 7.4). Only the write buffer
// emptying ('idle') means the subscriber has caught up.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeFeedLine, encodeFeedMessage } from '../protocol/index.ts'
import { FEED_BATCH_MAX_BYTES } from './constants.ts'
import { FeedService } from './feed-service.ts'
import { RelayMetrics } from './metrics.ts'
import { NodeRegistry } from './registry.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { Connection, Stream } from '@libp2p/interface'

class SlowStream extends EventTarget {
  status = 'open'
  writeStatus = 'writable'
  writeBufferLength = 0
  writableNeedsDrain = false
  sends = 0
  readonly sent: Uint8Array[] = []

  /** the window is used up: everything queues */
  send (bytes: Uint8Array): boolean {
    this.sends++
    this.sent.push(bytes)
    this.writeBufferLength += bytes.byteLength
    this.writableNeedsDrain = true
    return false
  }

  /** as @libp2p/utils 7.4 behaves after its first drain: resolved, whatever the state */
  async onDrain (): Promise<void> {}

  /** a small window update: some bytes leave, most stay queued */
  trickle (): void {
    this.writeBufferLength = Math.max(1, this.writeBufferLength - 10)
    this.writableNeedsDrain = false
    this.dispatchEvent(new Event('drain'))
  }

  /** the reader caught up: the queue empties */
  empty (): void {
    this.writeBufferLength = 0
    this.writableNeedsDrain = false
    this.dispatchEvent(new Event('drain'))
    this.dispatchEvent(new Event('idle'))
  }

  abort (): void {
    this.status = 'aborted'
    this.dispatchEvent(new Event('close'))
  }
}

/** A reader that keeps up: every write is taken at once, and its size is kept. */
class RecordingStream extends EventTarget {
  status = 'open'
  writeStatus = 'writable'
  writeBufferLength = 0
  writableNeedsDrain = false
  readonly writes: number[] = []
  send (bytes: Uint8Array): boolean { this.writes.push(bytes.byteLength); return true }
  async onDrain (): Promise<void> {}
  abort (): void { this.status = 'aborted'; this.dispatchEvent(new Event('close')) }
}

// the feed registers its protocol with the relay's libp2p node; these tests hand it streams directly
const registrar = { handle: async () => {}, unhandle: async () => {} }
const connection = { remotePeer: { toString: () => 'slow-viewer' }, remoteAddr: '/ip4/127.0.0.1/tcp/1' } as unknown as Connection
const beat = (height: number): { head: string, height: number, nickname: string, minerAddress: null, genesisCid: null } =>
  ({ head: `{ bafy${height} }`, height, nickname: 'n', minerAddress: null, genesisCid: null })

describe('feed backpressure', () => {
  it('holds a reader that trickles behind until its queue empties, then sends latest state', async () => {
    const registry = new NodeRegistry()
    const metrics = new RelayMetrics()
    const feed = new FeedService({ registry, metrics, registrar, relayPeerId: 'relay' }, { drainTimeoutMs: 60_000 })
    feed.start()
    try {
      const stream = new SlowStream()
      void feed.handleStream(stream as unknown as Stream, connection)
      const queued = stream.writeBufferLength // hello, snapshot, synced
      const sendsBefore = stream.sends

      // 20 batches of changes to 5 nodes, each followed by a window update that leaves most queued
      for (let round = 1; round <= 20; round++) {
        for (let n = 0; n < 5; n++) registry.heartbeat(`node${n}`, beat(round), Date.now())
        await waitFor('the batch to go out', () => feed.dirtyNodes() === 5 || stream.sends > sendsBefore + round)
        stream.trickle()
      }
      assert.equal(stream.sends, sendsBefore, 'nothing more was queued while the reader was behind')
      assert.ok(stream.writeBufferLength <= queued, `the queue did not grow (${stream.writeBufferLength} B)`)
      assert.equal(feed.dirtyNodes(), 5, 'one dirty mark per node')

      // the reader catches up: each of the five nodes' latest state goes out, once
      const latest = (): number[] => stream.sent.slice(sendsBefore)
        .flatMap(bytes => new TextDecoder().decode(bytes).split('\n').filter(line => line !== ''))
        .map(line => decodeFeedLine(line))
        .flatMap(message => message.t === 'node' && message.node.height === 20 ? [message.i] : [])
      await waitFor('the latest state of each node', () => {
        if (stream.writeBufferLength > 0) stream.empty()
        return feed.dirtyNodes() === 0 && latest().length === 5
      })
      assert.equal(new Set(latest()).size, 5)
    } finally {
      feed.stop()
    }
  })

  it('closes a reader whose queue does not empty within the drain timeout, though drain events keep coming', async () => {
    const registry = new NodeRegistry()
    const metrics = new RelayMetrics()
    const feed = new FeedService({ registry, metrics, registrar, relayPeerId: 'relay' }, { drainTimeoutMs: 300 })
    feed.start()
    try {
      const stream = new SlowStream()
      void feed.handleStream(stream as unknown as Stream, connection)
      const timer = setInterval(() => { registry.heartbeat('node', beat(Date.now()), Date.now()); stream.trickle() }, 20)
      try {
        await waitFor('the relay to close the reader', () => stream.status === 'aborted', 5_000)
      } finally {
        clearInterval(timer)
      }
      assert.match(await metrics.render(), /devnet_feed_subscribers_closed_total\{reason="slow"\} 1/)
      assert.equal(feed.subscriberCount, 0)
    } finally {
      feed.stop()
    }
  })

  it('writes the snapshot and live batches in chunks of at most FEED_BATCH_MAX_BYTES', async () => {
    const registry = new NodeRegistry()
    const feed = new FeedService({ registry, metrics: new RelayMetrics(), registrar, relayPeerId: 'relay' })
    feed.start()
    try {
      // 2,000 nodes with 20 points of history each: a snapshot of several chunks
      for (let round = 1; round <= 20; round++) {
        for (let n = 0; n < 2_000; n++) registry.heartbeat(`node${n}`, beat(round), Date.now())
      }
      const stream = new RecordingStream()
      void feed.handleStream(stream as unknown as Stream, connection)
      await waitFor('the snapshot', () => stream.writes.length > 4 && stream.writes.reduce((a, b) => a + b) > 4 * FEED_BATCH_MAX_BYTES)
      const snapshotWrites = stream.writes.length
      // 2,000 changes in one tick: far more than one batch
      for (let n = 0; n < 2_000; n++) registry.heartbeat(`node${n}`, beat(21), Date.now())
      await waitFor('the live batches', () => stream.writes.length > snapshotWrites + 2)
      const over = stream.writes.filter(size => size > FEED_BATCH_MAX_BYTES)
      assert.deepEqual(over, [], `writes over ${FEED_BATCH_MAX_BYTES} B`)
    } finally {
      feed.stop()
    }
  })

  it('sends a published message live, in every snapshot, and only its latest to a reader that was behind', async () => {
    const registry = new NodeRegistry()
    const feed = new FeedService({ registry, metrics: new RelayMetrics(), registrar, relayPeerId: 'relay' }, { drainTimeoutMs: 60_000 })
    feed.start()
    const panel = (at: number): Uint8Array => encodeFeedMessage({ t: 'forks', at, networks: [] })
    const decode = (chunks: Uint8Array[]): ReturnType<typeof decodeFeedLine>[] => chunks
      .flatMap(bytes => new TextDecoder().decode(bytes).split('\n').filter(line => line !== ''))
      .map(line => decodeFeedLine(line))
    try {
      registry.heartbeat('node0', beat(1), Date.now())
      feed.publish('forks', panel(1))
      const stream = new SlowStream()
      void feed.handleStream(stream as unknown as Stream, connection)
      const opening = decode(stream.sent).map(m => m.t === 'forks' ? `forks@${m.at}` : m.t)
      assert.deepEqual(opening, ['hello', 'snapshot', 'node', 'forks@1', 'synced'], 'after the nodes, before synced')
      // behind: three panels come, only the last goes out when it catches up
      const before = stream.sent.length
      for (const at of [2, 3, 4]) feed.publish('forks', panel(at))
      await waitFor('the batch to mark the panel for the reader that is behind', () => feed.dirtyKeys() === 1)
      assert.equal(stream.sent.length, before, 'nothing sent while behind')
      await waitFor('the latest panel', () => {
        if (stream.writeBufferLength > 0) stream.empty()
        return decode(stream.sent.slice(before)).some(m => m.t === 'forks')
      })
      assert.deepEqual(decode(stream.sent.slice(before)).flatMap(m => m.t === 'forks' ? [m.at] : []), [4], 'its latest, once')
      // a reader that keeps up gets each one as it comes
      const live = new RecordingStream()
      const got: Uint8Array[] = []
      live.send = (bytes: Uint8Array): boolean => { got.push(bytes); return true }
      void feed.handleStream(live as unknown as Stream, connection)
      await waitFor('the live reader synced', () => decode(got).some(m => m.t === 'synced'))
      feed.publish('forks', panel(5))
      await waitFor('the live panel', () => decode(got).some(m => m.t === 'forks' && m.at === 5))
    } finally {
      feed.stop()
    }
  })
})
