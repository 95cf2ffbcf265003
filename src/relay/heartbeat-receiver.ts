// Takes fil/heartbeat/1.0.0 streams: one JSON object per line, Go-encoded, never answered.
// A stream silent for QUIET_PROBE_AFTER_MS has its host probed (a stream opened to it); one
// that does not answer is disconnected, so a host that vanished shows offline within a minute.
// Rules (also in docs/operations.md): a bad line (not UTF-8, not JSON, a field of the wrong type or
// out of range) is dropped and counted, and the stream goes on, since the next beat heals the
// node; a line over the cap resets the stream, since its framing is lost; a second concurrent
// heartbeat stream on one connection is reset; a newer stream from the same peer on another
// connection replaces the older one (a node that redialled before its old connection died).
import { logger } from '@libp2p/logger'
import { systemClock } from '../p2p/clock.ts'
import { forEachLine } from '../p2p/lines.ts'
import { TokenBucket } from './access.ts'
import {
  BAD_LINE_BUDGET, BAD_LINE_REFILL_PER_SECOND, COOL_OFF_MS, MAX_BEATS_PER_SECOND, MAX_HEARTBEAT_STREAMS_PER_CONNECTION
} from './constants.ts'
import { QuietProbes, UnresponsiveError } from './quiet-probe.ts'
import {
  decodeHeartbeatLine, decodeUtf8, HEARTBEAT_PROTOCOL, InvalidHeartbeatError, LineTooLongError, MAX_HEARTBEAT_LINE_BYTES
} from '../protocol/index.ts'
import type { Clock } from '../p2p/clock.ts'
import type { PenaltyBox } from './access.ts'
import type { RelayMetrics } from './metrics.ts'
import type { NodeRegistry } from './registry.ts'
import type { ProtocolRegistrar } from './relay-node.ts'
import type { Connection, Stream } from '@libp2p/interface'
import type { RejectReason } from '../protocol/index.ts'

const log = logger('devnet:relay:heartbeat')

// A peer sending garbage must not flood the log: one line per peer per window, with a count
const REJECT_LOG_WINDOW_MS = 10_000
// peers tracked for that; past it the table starts over (only log lines are lost)
const MAX_REJECT_LOG_PEERS = 10_000

export class DuplicateStreamError extends Error {
  static name = 'DuplicateStreamError'
  constructor () {
    super('this connection already has an open heartbeat stream')
    this.name = 'DuplicateStreamError'
  }
}

export class ReplacedStreamError extends Error {
  static name = 'ReplacedStreamError'
  constructor () {
    super('replaced by a newer heartbeat stream from the same peer')
    this.name = 'ReplacedStreamError'
  }
}

export class NotAllowedError extends Error {
  static name = 'NotAllowedError'
  constructor () {
    super('this peer is not on the relay\'s allowlist')
    this.name = 'NotAllowedError'
  }
}

export class CoolingOffError extends Error {
  static name = 'CoolingOffError'
  constructor (untilMs: number) {
    super(`too many bad heartbeat lines; refused until ${new Date(untilMs).toISOString()}`)
    this.name = 'CoolingOffError'
  }
}

export interface HeartbeatReceiverComponents {
  registry: NodeRegistry
  metrics: RelayMetrics
  /** shared with the connection gater, which refuses banned peers' new connections */
  penaltyBox: PenaltyBox
  /** where the receiver registers its protocol handler (the relay's libp2p node) */
  registrar: ProtocolRegistrar
}

export interface HeartbeatReceiverInit {
  maxLineBytes?: number
  /** when set, only these peer IDs may send heartbeats */
  allowedNodes?: ReadonlySet<string>
  /** per-peer heartbeat rate; lines past it are dropped (burst: twice this) */
  maxBeatsPerSecond?: number
  /** bad lines a peer may send before it is cut off (refilled slowly) */
  badLineBudget?: number
  /** how long a cut-off peer is refused */
  coolOffMs?: number
  /** silence before a host is probed, and how long it has to answer */
  quietProbe?: { afterMs: number, timeoutMs: number }
  /** what time it is (rate limits, bad-line budgets, cool-offs), and the probes' timers;
   *  default the real clock */
  clock?: Clock
}

/** The heartbeat receiver as a relay service: takes fil/heartbeat/1.0.0 streams once started. */
export function heartbeatReceiver (init: HeartbeatReceiverInit = {}): (components: HeartbeatReceiverComponents) => HeartbeatReceiver {
  return components => new HeartbeatReceiver(components, init)
}

/** What the receiver tracks for one open stream. */
interface StreamState {
  readonly peerId: string
  readonly stream: Stream
  readonly connection: Connection
  readonly rate: TokenBucket
  readonly badLines: TokenBucket
  /** the last line, good or bad, or the last answered probe: the host was there */
  heardAt: number
  probing: boolean
}

export class HeartbeatReceiver {
  readonly #registry: NodeRegistry
  readonly #metrics: RelayMetrics
  readonly #registrar: ProtocolRegistrar
  readonly #maxLineBytes: number
  readonly #allowedNodes?: ReadonlySet<string>
  readonly #maxBeatsPerSecond: number
  readonly #badLineBudget: number
  readonly #coolOffMs: number
  readonly #penaltyBox: PenaltyBox
  readonly #clock: Clock
  readonly #now: () => number
  /** the open heartbeat stream of each connection, by connection id */
  readonly #byConnection = new Map<string, Stream>()
  /** the stream whose beats count for each peer: the newest */
  readonly #byPeer = new Map<string, Stream>()
  /** per peer: when its last rejection was logged, and how many since went unlogged */
  readonly #rejectLog = new Map<string, { at: number, unlogged: number }>()
  /** every open stream's state, for the quiet probe's sweep */
  readonly #open = new Set<StreamState>()
  readonly #quietProbes: QuietProbes<StreamState>

  constructor (components: HeartbeatReceiverComponents, init: HeartbeatReceiverInit = {}) {
    this.#registry = components.registry
    this.#metrics = components.metrics
    this.#registrar = components.registrar
    this.#penaltyBox = components.penaltyBox
    this.#maxLineBytes = init.maxLineBytes ?? MAX_HEARTBEAT_LINE_BYTES
    if (init.allowedNodes != null) this.#allowedNodes = init.allowedNodes
    this.#maxBeatsPerSecond = init.maxBeatsPerSecond ?? MAX_BEATS_PER_SECOND
    this.#badLineBudget = init.badLineBudget ?? BAD_LINE_BUDGET
    this.#coolOffMs = init.coolOffMs ?? COOL_OFF_MS
    this.#clock = init.clock ?? systemClock
    this.#now = this.#clock.now
    // any answer, "not supported" included, shows the host is there; none within the timeout,
    // and the connection is closed, which takes the node offline
    this.#quietProbes = new QuietProbes({
      targets: () => this.#open,
      settled: (state, outcome, silentMs) => {
        if (!this.#open.has(state)) return
        this.#metrics.quietProbes.inc({ result: outcome })
        if (outcome === 'answered') return
        const error = new UnresponsiveError(silentMs, this.#quietProbes.timeoutMs)
        log.error('disconnecting %s: %s', state.peerId, error.message)
        state.connection.abort(error)
      }
    }, { ...init.quietProbe, clock: this.#clock })
    this.#metrics.gauge('devnet_heartbeat_streams', 'Open heartbeat streams', () => this.streamCount)
    this.#metrics.gauge('devnet_peers_cooling_off', 'Peers refused for now after too many bad lines', () => this.#penaltyBox.size)
  }

  /** Takes heartbeat streams and starts the sweep that probes silent hosts. */
  async start (): Promise<void> {
    this.#quietProbes.start()
    await this.#registrar.handle(HEARTBEAT_PROTOCOL, (stream, connection) => this.handleStream(stream, connection), {
      maxInboundStreams: MAX_HEARTBEAT_STREAMS_PER_CONNECTION
    })
  }

  /** Takes no more streams and probes no more hosts; open streams end with the node. */
  async stop (): Promise<void> {
    this.#quietProbes.stop()
    await this.#registrar.unhandle(HEARTBEAT_PROTOCOL)
  }

  /** Open heartbeat streams now. */
  get streamCount (): number {
    return this.#byConnection.size
  }

  /** Counts a rejection under its reason and logs it, at most once per peer per window. */
  reject (peerId: string, reason: RejectReason, detail: string): void {
    this.#metrics.heartbeatsRejected.inc({ reason })
    const now = this.#now()
    const entry = this.#rejectLog.get(peerId)
    if (entry != null && now - entry.at < REJECT_LOG_WINDOW_MS) {
      entry.unlogged++
      return
    }
    if (this.#rejectLog.size >= MAX_REJECT_LOG_PEERS) this.#rejectLog.clear()
    const more = entry != null && entry.unlogged > 0 ? ` (and ${entry.unlogged} more rejections in the last ${REJECT_LOG_WINDOW_MS / 1000} s)` : ''
    this.#rejectLog.set(peerId, { at: now, unlogged: 0 })
    log.error('rejected heartbeat input from %s: %s: %s%s', peerId, reason, detail, more)
  }

  async handleStream (stream: Stream, connection: Connection): Promise<void> {
    const peerId = connection.remotePeer.toString()
    if (!this.#admit(peerId, stream, connection)) return
    const state = this.#take(peerId, stream, connection)
    try {
      await this.#read(state)
    } finally {
      this.#release(state)
    }
  }

  /** Whether this stream may beat: a listed peer, not cooling off, the connection's first. */
  #admit (peerId: string, stream: Stream, connection: Connection): boolean {
    if (this.#allowedNodes != null && !this.#allowedNodes.has(peerId)) {
      this.reject(peerId, 'not_allowed', 'not on the node allowlist')
      stream.abort(new NotAllowedError())
      return false
    }
    if (this.#penaltyBox.isBanned(peerId, this.#now())) {
      this.reject(peerId, 'cooling_off', 'still cooling off after too many bad lines')
      connection.abort(new CoolingOffError(this.#now() + this.#coolOffMs))
      return false
    }
    if (this.#byConnection.has(connection.id)) {
      this.reject(peerId, 'duplicate_stream', 'a second heartbeat stream on one connection')
      stream.abort(new DuplicateStreamError())
      return false
    }
    return true
  }

  /** Makes this the peer's heartbeat stream (closing an older one) and the node connected. */
  #take (peerId: string, stream: Stream, connection: Connection): StreamState {
    this.#byConnection.set(connection.id, stream)
    const previous = this.#byPeer.get(peerId)
    this.#byPeer.set(peerId, stream)
    if (previous != null) {
      log('%s opened a newer heartbeat stream; closing the older one', peerId)
      previous.abort(new ReplacedStreamError())
    }
    this.#registry.setConnected(peerId, true)
    log('heartbeat stream from %s via %a', peerId, connection.remoteAddr)
    const now = this.#now()
    const state: StreamState = {
      peerId,
      stream,
      connection,
      rate: new TokenBucket(this.#maxBeatsPerSecond, this.#maxBeatsPerSecond * 2, now),
      badLines: new TokenBucket(BAD_LINE_REFILL_PER_SECOND, this.#badLineBudget, now),
      heardAt: now,
      probing: false
    }
    this.#open.add(state)
    return state
  }

  /** Reads lines until the stream ends; a line past the cap resets it. */
  async #read (state: StreamState): Promise<void> {
    const { peerId, stream } = state
    try {
      await forEachLine(stream, this.#maxLineBytes, line => { this.#onLine(state, line) })
      // the sender closed its end cleanly; close ours
      await stream.close().catch(() => {})
    } catch (err) {
      if (err instanceof LineTooLongError) {
        this.reject(peerId, 'line_too_long', err.message)
        stream.abort(err)
      } else if (!(err instanceof ReplacedStreamError) && !(err instanceof CoolingOffError)) {
        log('heartbeat stream from %s ended: %s', peerId, (err as Error).message)
      }
    }
  }

  /** The stream ended: forget it, and the node is offline unless a newer stream replaced it. */
  #release (state: StreamState): void {
    const { peerId, stream, connection } = state
    this.#open.delete(state)
    this.#byConnection.delete(connection.id)
    if (this.#byPeer.get(peerId) === stream) {
      this.#byPeer.delete(peerId)
      this.#registry.setConnected(peerId, false)
    }
  }

  #onLine (state: StreamState, bytes: Uint8Array): void {
    const { peerId, stream } = state
    // a replaced or cut-off stream's late lines must not change any state
    if (this.#byPeer.get(peerId) !== stream || stream.status !== 'open') return
    const now = this.#now()
    state.heardAt = now
    if (!state.rate.take(now)) {
      this.reject(peerId, 'rate_limited', `more than ${this.#maxBeatsPerSecond} heartbeats a second`)
      return
    }
    let text: string
    try {
      text = decodeUtf8(bytes)
    } catch {
      this.#badLine(state, 'invalid_utf8', 'the line is not valid UTF-8', now)
      return
    }
    try {
      this.#registry.heartbeat(peerId, decodeHeartbeatLine(text), now)
      this.#metrics.heartbeatsAccepted.inc()
    } catch (err) {
      if (!(err instanceof InvalidHeartbeatError)) throw err
      this.#badLine(state, err.reason, err.message, now)
    }
  }

  /** Counts a bad line; a peer that has used up its budget is cut off for the cool-off. */
  #badLine (state: StreamState, reason: RejectReason, detail: string, now: number): void {
    this.reject(state.peerId, reason, detail)
    if (state.badLines.take(now)) return
    const until = now + this.#coolOffMs
    this.#penaltyBox.ban(state.peerId, until, now)
    this.#metrics.peersCutOff.inc()
    log.error('%s sent too many bad heartbeat lines; disconnected and refused for %d s', state.peerId, this.#coolOffMs / 1000)
    state.connection.abort(new CoolingOffError(until))
  }
}
