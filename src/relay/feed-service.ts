// Serves FEED_PROTOCOL to dashboards: hello, a snapshot of every node, then one message per
// change. Each change is encoded once; changes are gathered for FEED_BATCH_MS and the batch is
// joined once, so every subscriber that keeps up gets the same bytes in one write (one muxer
// frame, one encryption) instead of one per change.
// A subscriber whose stream pushes back (send() returns false) stops receiving messages and
// instead collects the ids of nodes that changed; on drain it gets each one's latest full
// state once. Its cost is therefore bounded by the number of known nodes whatever it does, and
// one that does not drain within FEED_DRAIN_TIMEOUT_MS is closed.
// Other services publish keyed messages (the fork monitor's panel): the latest of each key
// goes in every snapshot, and a subscriber that is behind gets each key's latest on drain,
// as it gets nodes'.
// Dashboards send nothing, so a viewer whose host vanished without closing would keep its
// slot until TCP gave up (~15 min) on a quiet devnet, where too little is sent to fill its
// buffers: every QUIET_PROBE_AFTER_MS its host is probed as a silent node's is, and one that
// does not answer is disconnected.
import { Buffer } from 'node:buffer'
import { logger } from '@libp2p/logger'
import { repeat, systemClock } from '../p2p/clock.ts'
import { concatBytes, encodeFeedMessage, FEED_PING_INTERVAL_MS, FEED_PROTOCOL, FEED_VERSION } from '../protocol/index.ts'
import { FEED_BATCH_MAX_BYTES, FEED_BATCH_MS, FEED_DRAIN_TIMEOUT_MS, MAX_FEED_STREAMS_PER_CONNECTION, MAX_FEED_SUBSCRIBERS } from './constants.ts'
import { QuietProbes, UnresponsiveError } from './quiet-probe.ts'
import type { RelayMetrics } from './metrics.ts'
import type { KnownNode, NodeRegistry, RegistryChange } from './registry.ts'
import type { ProtocolRegistrar } from './relay-node.ts'
import type { Clock, ClockTimer } from '../p2p/clock.ts'
import type { Connection, Stream, StreamCloseEvent } from '@libp2p/interface'

const log = logger('devnet:relay:feed')
const utf8 = new TextEncoder()

export class SlowSubscriberError extends Error {
  static name = 'SlowSubscriberError'
  constructor (ms: number) {
    super(`feed subscriber did not drain within ${ms} ms`)
    this.name = 'SlowSubscriberError'
  }
}

export class TooManySubscribersError extends Error {
  static name = 'TooManySubscribersError'
  constructor (max: number) {
    super(`the relay already has ${max} feed subscribers`)
    this.name = 'TooManySubscribersError'
  }
}

export class ViewerNotAllowedError extends Error {
  static name = 'ViewerNotAllowedError'
  constructor () {
    super('this peer is not on the relay\'s viewer allowlist')
    this.name = 'ViewerNotAllowedError'
  }
}

export interface FeedServiceComponents {
  registry: NodeRegistry
  metrics: RelayMetrics
  /** where the feed registers its protocol handler (the relay's libp2p node) */
  registrar: ProtocolRegistrar
  /** sent in every hello */
  relayPeerId: string
}

export interface FeedServiceInit {
  /** when set, only these peer IDs may subscribe */
  allowedViewers?: ReadonlySet<string>
  maxSubscribers?: number
  drainTimeoutMs?: number
  pingIntervalMs?: number
  /** how long a viewer goes between probes of its host, and how long it has to answer */
  probe?: { afterMs: number, timeoutMs: number }
  /** what time it is, and the batch, ping, drain and probe timers; default the real clock */
  clock?: Clock
}

/** The feed as a relay service: serves FEED_PROTOCOL once started. */
export function feedService (init: FeedServiceInit = {}): (components: FeedServiceComponents) => FeedService {
  return components => new FeedService(components, init)
}

class Subscriber {
  readonly stream: Stream
  readonly connection: Connection
  readonly remote: string
  /** 'catching-up' while the snapshot or a coalesced flush is being written */
  mode: 'catching-up' | 'live' = 'catching-up'
  /** nodes that changed while this subscriber was not live; flushed as full states */
  readonly dirty = new Set<number>()
  /** published keys that changed while it was not live; flushed as their latest */
  readonly dirtyKeys = new Set<string>()
  closed = false
  /** when its host was last known to be there: subscribed, or answered a probe */
  heardAt: number
  probing = false

  constructor (stream: Stream, connection: Connection, now: number) {
    this.stream = stream
    this.connection = connection
    this.remote = connection.remotePeer.toString()
    this.heardAt = now
  }
}

export class FeedService {
  readonly #registry: NodeRegistry
  readonly #metrics: RelayMetrics
  readonly #registrar: ProtocolRegistrar
  readonly #relayPeerId: string
  readonly #allowedViewers?: ReadonlySet<string>
  readonly #maxSubscribers: number
  readonly #drainTimeoutMs: number
  readonly #pingIntervalMs: number
  readonly #viewerProbes: QuietProbes<Subscriber>
  readonly #clock: Clock
  readonly #now: () => number
  readonly #subscribers = new Set<Subscriber>()
  /** each node's latest full state, encoded once, for coalesced flushes */
  readonly #stateBytes = new Map<number, Uint8Array>()
  /** changes since the last batch went out: their bytes, and the nodes they concern */
  /** the batch's bytes: lines are written (hb) or copied (the rest) into it as they come, so
   *  a heartbeat costs no buffer of its own; a lone line larger than it is held as it is */
  readonly #batchBuffer = Buffer.alloc(FEED_BATCH_MAX_BYTES)
  #batchBytes = 0
  #batchOversized: Uint8Array | undefined
  /** the nodes the batch's lines concern, and a spare list for the next batch while this one is
   *  sent (typed and reused: no arrays per batch) */
  #batchNodes = new NumberList()
  #spareNodes: NumberList | undefined = new NumberList()
  #batchKeys: string[] = []
  /** the latest message of each published key, encoded */
  readonly #published = new Map<string, Uint8Array>()
  /** when each heartbeat in the batch was accepted (performance.now()), for the latency histogram */
  #batchBeatsAt = new NumberList()
  #spareBeatsAt: NumberList | undefined = new NumberList()
  #batchTimer?: ClockTimer
  readonly #heartbeats = new HeartbeatLines()
  #unsubscribe?: () => void
  #stopPings?: () => void

  constructor (components: FeedServiceComponents, init: FeedServiceInit = {}) {
    this.#registry = components.registry
    this.#metrics = components.metrics
    this.#registrar = components.registrar
    this.#relayPeerId = components.relayPeerId
    if (init.allowedViewers != null) this.#allowedViewers = init.allowedViewers
    this.#maxSubscribers = init.maxSubscribers ?? MAX_FEED_SUBSCRIBERS
    this.#drainTimeoutMs = init.drainTimeoutMs ?? FEED_DRAIN_TIMEOUT_MS
    this.#pingIntervalMs = init.pingIntervalMs ?? FEED_PING_INTERVAL_MS
    this.#clock = init.clock ?? systemClock
    this.#now = this.#clock.now
    this.#viewerProbes = new QuietProbes({
      targets: () => this.#subscribers,
      settled: (subscriber, outcome, silentMs) => {
        if (subscriber.closed) return
        this.#metrics.viewerProbes.inc({ result: outcome })
        if (outcome === 'answered') return
        const error = new UnresponsiveError(silentMs, this.#viewerProbes.timeoutMs)
        this.#metrics.feedSubscribersClosed.inc({ reason: 'unresponsive' })
        log.error('disconnecting feed subscriber %s: %s', subscriber.remote, error.message)
        subscriber.connection.abort(error)
        this.#drop(subscriber)
      }
    }, { ...init.probe, clock: this.#clock })
    this.#metrics.gauge('devnet_feed_subscribers', 'Dashboards subscribed to the feed', () => this.subscriberCount)
    this.#metrics.gauge('devnet_feed_buffered_bytes', 'Bytes queued for feed subscribers and not yet taken by the muxer', () => this.bufferedBytes())
    this.#metrics.gauge('devnet_feed_dirty_nodes', 'Nodes waiting to be sent as latest state to subscribers that are behind', () => this.dirtyNodes())
  }

  get subscriberCount (): number {
    return this.#subscribers.size
  }

  /** Bytes queued in subscribers' streams, not yet taken by the muxer. */
  bufferedBytes (): number {
    let total = 0
    for (const subscriber of this.#subscribers) total += subscriber.stream.writeBufferLength
    return total
  }

  /** Nodes waiting, across subscribers that are behind, to be sent as latest state. */
  dirtyNodes (): number {
    let total = 0
    for (const subscriber of this.#subscribers) total += subscriber.dirty.size
    return total
  }

  /** Published keys waiting, across subscribers that are behind, to be sent as their latest. */
  dirtyKeys (): number {
    let total = 0
    for (const subscriber of this.#subscribers) total += subscriber.dirtyKeys.size
    return total
  }

  /** Follows the registry's changes, pings and probes subscribers, and serves the feed. */
  async start (): Promise<void> {
    this.#unsubscribe ??= this.#registry.onChange(change => { this.#onChange(change) })
    this.#stopPings?.()
    this.#stopPings = repeat(this.#clock, this.#pingIntervalMs, () => {
      this.#broadcast(undefined, encodeFeedMessage({ t: 'ping', serverTime: this.#now() }))
    })
    this.#viewerProbes.start()
    await this.#registrar.handle(FEED_PROTOCOL, (stream, connection) => this.handleStream(stream, connection), {
      maxInboundStreams: MAX_FEED_STREAMS_PER_CONNECTION
    })
  }

  /** Closes every subscriber and undoes every timer and listener start() set. */
  async stop (): Promise<void> {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    this.#stopPings?.()
    this.#stopPings = undefined
    this.#viewerProbes.stop()
    if (this.#batchTimer != null) this.#clock.clearTimeout(this.#batchTimer)
    this.#batchTimer = undefined
    this.#batchBytes = 0
    this.#batchOversized = undefined
    this.#batchNodes.length = 0
    this.#batchKeys = []
    this.#batchBeatsAt.length = 0
    for (const subscriber of this.#subscribers) this.#drop(subscriber)
    await this.#registrar.unhandle(FEED_PROTOCOL)
  }

  async handleStream (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer.toString()
    if (this.#allowedViewers != null && !this.#allowedViewers.has(remote)) {
      this.#metrics.feedSubscribersRefused.inc({ reason: 'not_allowed' })
      log.error('refused feed subscriber %s: not on the viewer allowlist', remote)
      stream.abort(new ViewerNotAllowedError())
      return
    }
    if (this.#subscribers.size >= this.#maxSubscribers) {
      this.#metrics.feedSubscribersRefused.inc({ reason: 'too_many_subscribers' })
      log.error('refused feed subscriber %s: already %d subscribers', remote, this.#subscribers.size)
      stream.abort(new TooManySubscribersError(this.#maxSubscribers))
      return
    }
    const subscriber = new Subscriber(stream, connection, this.#now())
    this.#subscribers.add(subscriber)
    // dashboards send nothing; whatever arrives is read and dropped so it cannot pile up
    stream.addEventListener('message', () => {})
    stream.addEventListener('close', () => { this.#drop(subscriber) })
    log('feed subscriber %s via %a', remote, connection.remoteAddr)
    try {
      await this.#sendSnapshot(subscriber)
      await this.#flush(subscriber)
    } catch (err) {
      this.#fail(subscriber, err as Error)
    }
  }

  /**
   * Sends a message about no one node (the fork monitor's), already encoded once, to every
   * subscriber; the latest of each key is kept for snapshots and for subscribers that are
   * behind, so it is never lost, only superseded.
   */
  publish (key: string, bytes: Uint8Array): void {
    this.#published.set(key, bytes)
    if (this.#subscribers.size === 0) return
    this.#broadcast(undefined, bytes, undefined, key)
  }

  #onChange (change: RegistryChange): void {
    const { node } = change
    this.#stateBytes.delete(node.i)
    // nobody to tell: a dashboard that subscribes later gets the snapshot
    if (this.#subscribers.size === 0) return
    switch (change.kind) {
      // both come from a heartbeat line, in the same call that accepted it
      case 'node':
        this.#broadcast(node.i, this.#fullState(node), performance.now())
        break
      case 'beat': {
        // a beat is only emitted for a node already heard (its first is a 'node' change)
        const { record } = node
        this.#broadcastLine(node.i, this.#heartbeats.line(node.i, record.height, record.head, record.lastHeartbeatAt ?? this.#now()), performance.now())
        break
      }
      case 'connected':
        this.#broadcast(node.i, encodeFeedMessage({ t: 'conn', i: node.i, at: this.#now() }))
        break
      case 'disconnected':
        this.#broadcast(node.i, encodeFeedMessage({ t: 'disc', i: node.i, at: this.#now() }))
        break
      case 'forgotten':
        this.#broadcast(node.i, encodeFeedMessage({ t: 'forget', i: node.i }))
        break
    }
  }

  #fullState (node: KnownNode): Uint8Array {
    let bytes = this.#stateBytes.get(node.i)
    if (bytes == null) {
      bytes = encodeFeedMessage({ t: 'node', i: node.i, node: node.record })
      this.#stateBytes.set(node.i, bytes)
    }
    return bytes
  }

  /** Adds one encoded change to the batch. `i` is undefined for messages about no node
   *  (pings), which a subscriber that is behind simply skips; `beatAt` is when the heartbeat
   *  it carries was accepted (performance.now()), for a change that carries one. */
  #broadcast (i: number | undefined, bytes: Uint8Array, beatAt?: number, key?: string): void {
    // a batch is at most FEED_BATCH_MAX_BYTES: one that this change would take past it goes first
    if (this.#batchBytes > 0 && this.#batchBytes + bytes.length > FEED_BATCH_MAX_BYTES) this.#sendBatch()
    if (bytes.length > FEED_BATCH_MAX_BYTES) this.#batchOversized = bytes
    else this.#batchBuffer.set(bytes, this.#batchBytes)
    this.#batchBytes += bytes.length
    this.#batched(i, beatAt, key)
  }

  /** A line as text (with its newline), written into the batch as UTF-8 where it fits
   *  (Buffer#write: no view or result object per line, as TextEncoder#encodeInto makes). */
  #broadcastLine (i: number, line: string, beatAt: number): void {
    // at most 3 bytes per UTF-16 unit: the exact length is only counted when that may not fit
    const bytes = line.length * 3 <= FEED_BATCH_MAX_BYTES - this.#batchBytes ? -1 : Buffer.byteLength(line, 'utf8')
    // a line larger than a whole batch (a head near the line cap) goes as bytes of its own
    if (bytes > FEED_BATCH_MAX_BYTES) {
      this.#broadcast(i, utf8.encode(line), beatAt)
      return
    }
    // it would take the batch past its bound: the batch goes first, as #broadcast does
    if (bytes > FEED_BATCH_MAX_BYTES - this.#batchBytes) this.#sendBatch()
    this.#batchBytes += this.#batchBuffer.write(line, this.#batchBytes, 'utf8')
    this.#batched(i, beatAt, undefined)
  }

  /** Notes what the line just added concerns, and sends the batch when full or arms its timer. */
  #batched (i: number | undefined, beatAt: number | undefined, key: string | undefined): void {
    if (i !== undefined) this.#batchNodes.push(i)
    if (key !== undefined) this.#batchKeys.push(key)
    if (beatAt !== undefined) this.#batchBeatsAt.push(beatAt)
    if (this.#batchBytes >= FEED_BATCH_MAX_BYTES) {
      this.#sendBatch()
    } else if (this.#batchTimer == null) {
      this.#batchTimer = this.#clock.setTimeout(() => { this.#sendBatch() }, FEED_BATCH_MS)
    }
  }

  /** Sends the batch, joined once, to every live subscriber; one that is catching up records
   *  the batch's nodes as dirty instead. */
  #sendBatch (): void {
    if (this.#batchTimer != null) this.#clock.clearTimeout(this.#batchTimer)
    this.#batchTimer = undefined
    if (this.#batchBytes === 0) return
    // a copy: the streams hold what they were given until it is written, the buffer is reused
    const bytes = this.#batchOversized ?? copyOf(this.#batchBuffer, this.#batchBytes)
    const nodes = this.#batchNodes
    const keys = this.#batchKeys
    const beatsAt = this.#batchBeatsAt
    this.#batchOversized = undefined
    this.#batchBytes = 0
    // the spares, unless a send under way has them (a batch sent from within a send)
    this.#batchNodes = this.#spareNodes ?? new NumberList()
    this.#spareNodes = undefined
    this.#batchKeys = []
    this.#batchBeatsAt = this.#spareBeatsAt ?? new NumberList()
    this.#spareBeatsAt = undefined
    for (const subscriber of this.#subscribers) {
      if (subscriber.mode === 'live') {
        if (!this.#send(subscriber, bytes)) {
          subscriber.mode = 'catching-up'
          this.#flush(subscriber).catch(err => { this.#fail(subscriber, err as Error) })
        }
      } else {
        for (let k = 0; k < nodes.length; k++) {
          const i = nodes.values[k] as number
          if (subscriber.dirty.has(i)) this.#metrics.feedEventsCoalesced.inc()
          else subscriber.dirty.add(i)
        }
        for (const key of keys) subscriber.dirtyKeys.add(key)
      }
    }
    this.#observeLatency(beatsAt)
    nodes.length = 0
    beatsAt.length = 0
    this.#spareNodes = nodes
    this.#spareBeatsAt = beatsAt
  }

  /** Each heartbeat in a batch just handed to the streams: how long since it was accepted. */
  #observeLatency (beatsAt: NumberList): void {
    if (beatsAt.length === 0) return
    const sentAt = performance.now()
    const histogram = this.#metrics.heartbeatFeedLatency
    for (let k = 0; k < beatsAt.length; k++) histogram.observe((sentAt - (beatsAt.values[k] as number)) / 1000)
  }

  /** stream.send, false when the stream pushes back (the bytes are still queued). */
  #send (subscriber: Subscriber, bytes: Uint8Array): boolean {
    if (subscriber.closed) return true
    try {
      return subscriber.stream.send(bytes)
    } catch (err) {
      this.#fail(subscriber, err as Error)
      return true
    }
  }

  /**
   * Waits until everything queued for this subscriber has gone to the muxer, for at most the
   * drain timeout. Neither `stream.onDrain()` nor the 'drain' event can tell that: @libp2p/utils
   * 7.4 keeps the first resolved onDrain promise, so every later call resolves at once, and
   * yamux fires 'drain' on any window update while bytes are still queued. Going live on either
   * let a reader that grants a little window now and then (one reading a byte a second) gain one
   * more batch in its queue per update, without bound and without ever timing out. The write
   * buffer emptying ('idle') is the signal that holds.
   */
  async #drain (subscriber: Subscriber): Promise<void> {
    const { stream } = subscriber
    if (stream.writeBufferLength === 0) return
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: Error): void => {
        this.#clock.clearTimeout(timer)
        stream.removeEventListener('idle', onIdle)
        stream.removeEventListener('close', onClose)
        if (err == null) resolve()
        else reject(err)
      }
      const onIdle = (): void => { if (stream.writeBufferLength === 0) settle() }
      const onClose = (event: StreamCloseEvent): void => { settle(event.error ?? new Error('feed stream closed')) }
      const timer = this.#clock.setTimeout(() => {
        this.#metrics.feedSubscribersClosed.inc({ reason: 'slow' })
        settle(new SlowSubscriberError(this.#drainTimeoutMs))
      }, this.#drainTimeoutMs)
      stream.addEventListener('idle', onIdle)
      stream.addEventListener('close', onClose)
    })
  }

  /**
   * The lines a new subscriber starts with (hello, snapshot, every node with its history,
   * synced), joined: what /api/snapshot serves, so a page can draw every node while its
   * libp2p dial is still under way. Bounded by the registry's size, like the snapshot itself.
   */
  snapshotBytes (): Uint8Array {
    const nodes = [...this.#registry.nodes()]
    const lines = [...this.#snapshotHead(nodes.length)]
    for (const node of nodes) lines.push(snapshotEntry(node))
    lines.push(...this.#published.values())
    lines.push(SYNCED_LINE)
    return concatBytes(lines, lines.reduce((total, line) => total + line.length, 0))
  }

  #snapshotHead (count: number): [hello: Uint8Array, snapshot: Uint8Array] {
    const now = this.#now()
    return [
      encodeFeedMessage({ t: 'hello', version: FEED_VERSION, relayPeerId: this.#relayPeerId, serverTime: now }),
      encodeFeedMessage({ t: 'snapshot', serverTime: now, count })
    ]
  }

  async #sendSnapshot (subscriber: Subscriber): Promise<void> {
    const nodes = [...this.#registry.nodes()]
    const out = new Chunker(bytes => this.#send(subscriber, bytes))
    for (const line of this.#snapshotHead(nodes.length)) out.add(line)
    for (const node of nodes) {
      if (subscriber.closed) return
      // a node forgotten while we waited for a drain is not sent
      if (this.#registry.getByIndex(node.i) !== node) continue
      subscriber.dirty.delete(node.i)
      if (!out.add(snapshotEntry(node))) await this.#drain(subscriber)
    }
    // after the nodes, so what they say of nodes' ids can be read; the latest of each
    for (const [key, bytes] of this.#published) {
      subscriber.dirtyKeys.delete(key)
      if (!out.add(bytes)) await this.#drain(subscriber)
    }
    out.add(SYNCED_LINE)
    if (!out.flush()) await this.#drain(subscriber)
  }

  /** Writes the latest state of every dirty node, waiting for drains, then goes live. */
  async #flush (subscriber: Subscriber): Promise<void> {
    await this.#drain(subscriber)
    const out = new Chunker(bytes => this.#send(subscriber, bytes))
    while (subscriber.dirty.size > 0 || subscriber.dirtyKeys.size > 0) {
      if (subscriber.closed) return
      let pushedBack = false
      for (const i of subscriber.dirty) {
        subscriber.dirty.delete(i)
        const node = this.#registry.getByIndex(i)
        if (!out.add(node != null ? this.#fullState(node) : encodeFeedMessage({ t: 'forget', i }))) {
          pushedBack = true
          break
        }
      }
      // nodes first: a published message names nodes by their ids
      if (!pushedBack && subscriber.dirty.size === 0) {
        for (const key of subscriber.dirtyKeys) {
          subscriber.dirtyKeys.delete(key)
          const bytes = this.#published.get(key)
          if (bytes != null && !out.add(bytes)) break
        }
      }
      out.flush()
      await this.#drain(subscriber)
    }
    subscriber.mode = 'live'
  }

  #fail (subscriber: Subscriber, err: Error): void {
    if (subscriber.closed) return
    log('closing feed subscriber %s: %s', subscriber.remote, err.message)
    subscriber.stream.abort(err)
    this.#drop(subscriber)
  }

  #drop (subscriber: Subscriber): void {
    if (subscriber.closed) return
    subscriber.closed = true
    subscriber.dirty.clear()
    subscriber.dirtyKeys.clear()
    this.#subscribers.delete(subscriber)
    if (subscriber.stream.status === 'open') subscriber.stream.abort(new Error('relay stopping'))
  }
}

const SYNCED_LINE = encodeFeedMessage({ t: 'synced' })

/** A list of numbers kept for reuse: a Float64Array that grows by doubling, and its length. */
class NumberList {
  values = new Float64Array(256)
  length = 0

  push (value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2)
      grown.set(this.values)
      this.values = grown
    }
    this.values[this.length++] = value
  }
}

/** The first `length` bytes, copied into a Uint8Array of their own (Buffer#slice would share). */
function copyOf (buffer: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length)
  out.set(buffer.subarray(0, length))
  return out
}

/**
 * The feed's `hb` line, the message the relay sends most (every heartbeat that moved a node),
 * written out instead of through JSON.stringify of an object: as UTF-8, the same bytes as
 * encodeFeedMessage({ t: 'hb', i, height, head, at }) (its numbers are integers and times,
 * which a template writes as JSON does), without an object and a generic serialisation per
 * heartbeat. The head, the only string, is JSON-quoted once per distinct head in a row: after
 * a block, node after node reports the same one (the registry interns heads).
 */
export class HeartbeatLines {
  #head = ''
  #headJson = '""'

  /** The line as text, newline included (the feed writes it into its batch as UTF-8). */
  line (i: number, height: number, head: string, at: number): string {
    if (head !== this.#head) {
      this.#head = head
      this.#headJson = JSON.stringify(head)
    }
    return `{"t":"hb","i":${i},"height":${height},"head":${this.#headJson},"at":${at}}\n`
  }
}

/** A node as a snapshot carries it: its full state and its height history. */
function snapshotEntry (node: KnownNode): Uint8Array {
  return encodeFeedMessage({ t: 'node', i: node.i, node: node.record, history: node.history.points() })
}

/**
 * Joins feed lines into writes of up to FEED_BATCH_MAX_BYTES, as live batches are: a snapshot
 * of 1,000 nodes is a few dozen noise frames and WebSocket messages, not a thousand.
 */
class Chunker {
  readonly #write: (bytes: Uint8Array) => boolean
  #parts: Uint8Array[] = []
  #bytes = 0

  constructor (write: (bytes: Uint8Array) => boolean) {
    this.#write = write
  }

  /** Queues a line; false when a full chunk went out and the stream pushed back. A chunk is
   *  at most FEED_BATCH_MAX_BYTES: one that this line would take past it goes first. */
  add (line: Uint8Array): boolean {
    const full = this.#bytes > 0 && this.#bytes + line.length > FEED_BATCH_MAX_BYTES
    const written = full ? this.flush() : true
    this.#parts.push(line)
    this.#bytes += line.length
    return full || this.#bytes < FEED_BATCH_MAX_BYTES ? written : this.flush()
  }

  /** Writes what is queued; false when the stream pushed back. */
  flush (): boolean {
    if (this.#parts.length === 0) return true
    const bytes = this.#parts.length === 1 ? this.#parts[0] ?? new Uint8Array() : concatBytes(this.#parts, this.#bytes)
    this.#parts = []
    this.#bytes = 0
    return this.#write(bytes)
  }
}
