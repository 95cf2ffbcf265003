// Feed subscribers that misbehave, for the test that asserts what the relay does about them
// (src/relay/feed-slow-subscribers.test.ts) and the benchmark that measures it
// (bench/relay-abuse.ts, row "slow subscribers"): one that never reads, one that reads a byte a
// second (through a throttling proxy: TCP flow control, not a stand-in stream), and a quitter
// that takes the first chunk of its snapshot and hangs up, by resetting its stream or by
// dropping its whole connection, in turn. What the relay holds meanwhile is read from its
// /metrics after each hang-up.
import { multiaddr } from '@multiformats/multiaddr'
import { FEED_PROTOCOL } from '../protocol/index.ts'
import { FeedClient } from './feed-client.ts'
import { getMetric } from './http.ts'
import { createPeer } from './peers.ts'
import { slowProxy } from './slow-proxy.ts'
import type { SlowProxy } from './slow-proxy.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

/** The relay as the subscribers dial it. */
export interface FeedRelay {
  peerId: string
  /** its TCP multiaddr (the slow subscriber's proxy goes in front of it) */
  tcp: string
  /** its WebSocket multiaddr, with /p2p */
  ws: string
  httpUrl: string
}

/** The text of a stream's first chunk; '' if the stream closes first, or nothing comes in `ms`. */
export async function firstChunk (stream: Stream, ms = 30_000): Promise<string> {
  return await new Promise<string>(resolve => {
    const timer = setTimeout(() => { resolve('') }, ms)
    stream.addEventListener('message', event => { clearTimeout(timer); resolve(new TextDecoder().decode(event.data.subarray())) }, { once: true })
    stream.addEventListener('close', () => { clearTimeout(timer); resolve('') }, { once: true })
  })
}

export class MisbehavingSubscribers {
  readonly stuck: FeedClient
  readonly #relay: FeedRelay
  readonly #peers: Libp2p[]
  readonly #proxy: SlowProxy
  readonly #quitter: Libp2p
  hangUps = 0
  /** hang-ups whose first chunk did not hold the whole snapshot */
  midSnapshot = 0
  /** the quitter's dials that failed (not what is tested: a loaded relay may turn one away) */
  readonly dialFailures: string[] = []
  maxBufferedBytes = 0
  maxDirty = 0
  coalesced = 0

  private constructor (relay: FeedRelay, peers: Libp2p[], proxy: SlowProxy, stuck: FeedClient, quitter: Libp2p) {
    this.#relay = relay
    this.#peers = peers
    this.#proxy = proxy
    this.stuck = stuck
    this.#quitter = quitter
  }

  /** Subscribes the one that never reads and the one that reads a byte a second. */
  static async open (relay: FeedRelay): Promise<MisbehavingSubscribers> {
    const peers: Libp2p[] = []
    const peer = async (): Promise<Libp2p> => { const p = await createPeer(); peers.push(p); return p }
    const proxy = await slowProxy(Number(/\/tcp\/(\d+)/.exec(relay.tcp)?.[1]))
    try {
      const stuck = await FeedClient.open(await peer(), relay.ws, false)
      const slow = await (await peer()).dialProtocol(multiaddr(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${relay.peerId}`), FEED_PROTOCOL)
      proxy.throttle()
      void (async () => { for await (const chunk of slow) void chunk })().catch(() => {})
      return new MisbehavingSubscribers(relay, peers, proxy, stuck, await peer())
    } catch (err) {
      await Promise.all(peers.map(async p => { await p.stop() }))
      await proxy.close()
      throw err
    }
  }

  /** One quitter: subscribes, takes the first chunk of its snapshot and hangs up; then reads
   *  what the relay holds. */
  async hangUp (): Promise<void> {
    let stream: Stream | undefined
    try {
      stream = await this.#quitter.dialProtocol(multiaddr(this.#relay.ws), FEED_PROTOCOL, { signal: AbortSignal.timeout(30_000) })
    } catch (err) {
      this.dialFailures.push((err as Error).name)
    }
    if (stream != null) {
      // the snapshot of hundreds of nodes with history is more than one write: a first chunk
      // without the snapshot's end ("synced") means the hang-up comes in the middle of it
      const first = await firstChunk(stream)
      if (first !== '' && !first.includes('"t":"synced"')) this.midSnapshot++
      if (this.hangUps % 2 === 0) stream.abort(new Error('hanging up mid-snapshot'))
      else for (const connection of this.#quitter.getConnections()) connection.abort(new Error('dropping mid-snapshot'))
      this.hangUps++
    }
    const [buffered, dirty, coalesced] = await Promise.all(['devnet_feed_buffered_bytes', 'devnet_feed_dirty_nodes', 'devnet_feed_events_coalesced_total']
      .map(async name => await getMetric(this.#relay.httpUrl, name)))
    this.maxBufferedBytes = Math.max(this.maxBufferedBytes, buffered ?? 0)
    this.maxDirty = Math.max(this.maxDirty, dirty ?? 0)
    this.coalesced = coalesced ?? 0
  }

  async close (): Promise<void> {
    await Promise.all(this.#peers.map(async p => { await p.stop() }))
    await this.#proxy.close()
  }
}
