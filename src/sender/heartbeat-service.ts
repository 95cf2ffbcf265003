// go-filecoin's metrics.HeartbeatService (metrics/heartbeat.go, 2019) for any js-libp2p node:
// Start loops on ReconnectPeriod, Connect dials the BeatTarget and opens one stream on
// fil/heartbeat/1.0.0, Run writes one json.Encoder line per BeatPeriod until a write fails,
// then closes the connection. Behaviour, log levels and messages follow the Go code.
import { logger } from '@libp2p/logger'
import { encodeHeartbeatLine, HEARTBEAT_PROTOCOL } from '../protocol/index.ts'
import { parseTarget } from '../p2p/addresses.ts'
import { systemClock } from './clock.ts'
import { formatGoDuration, parsePeriod } from './go-duration.ts'
import { Ticker } from './ticker.ts'
import type { Clock } from './clock.ts'
import type { Heartbeat, HeartbeatExtra } from '../protocol/index.ts'
import type { AbortOptions, Connection, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

// go-filecoin's config defaults (config/config.go newDefaultHeartbeatConfig)
export const DEFAULT_BEAT_PERIOD = '3s'
export const DEFAULT_RECONNECT_PERIOD = '10s'
// go-filecoin node.setupHeartbeatServices: the FIL_HEARTBEAT_ALERTS service beats every 10s
export const ALERT_PERIOD = '10s'
export const ALERT_TARGET_ENV = 'FIL_HEARTBEAT_ALERTS'
// connectionFailureErrorLogPeriodMinutes: while unreachable, an ERROR line at most this often
export const CONNECTION_FAILURE_ERROR_LOG_PERIOD_MS = 10 * 60 * 1000
// Go's conn.Close() is immediate; a graceful libp2p close that takes longer is cut short
const CONNECTION_CLOSE_TIMEOUT_MS = 2_000

export class NotConnectedError extends Error {
  static name = 'NotConnectedError'

  constructor () {
    super('the heartbeat service has no stream; call connect() first')
    this.name = 'NotConnectedError'
  }
}

export class HeartbeatStreamClosedError extends Error {
  static name = 'HeartbeatStreamClosedError'

  constructor (status: string) {
    super(`the heartbeat stream closed (${status})`)
    this.name = 'HeartbeatStreamClosedError'
  }
}

/** The part of a libp2p node the service uses (a Libp2p instance is one). */
export interface HeartbeatHost {
  dial: (target: Multiaddr, options?: AbortOptions) => Promise<Connection>
}

/** Where the service's log lines go. The default writes through @libp2p/logger. */
export interface HeartbeatLogSink {
  debug: (message: string) => void
  info: (message: string) => void
  warn: (message: string) => void
  error: (message: string) => void
}

export interface HeartbeatServiceComponents {
  host: HeartbeatHost
  /** default: the system clock */
  clock?: Clock
  /** default: @libp2p/logger `devnet:sender:heartbeat` (DEBUG=devnet:sender:*) */
  log?: HeartbeatLogSink
}

/** go-filecoin's HeartbeatConfig. Periods are Go duration strings ("3s") or milliseconds. */
export interface HeartbeatConfig {
  /** a multiaddr ending in /p2p/<peer id> */
  beatTarget: string
  /** default "3s" */
  beatPeriod?: string | number
  /** default "10s" */
  reconnectPeriod?: string | number
  nickname?: string
}

/** The node's heaviest tipset as go-filecoin reports it: key string `{ cid … }` and height. */
export interface TipsetInfo {
  head: string
  height: number
  /** Not in go-filecoin: the head's parent, spelt as head is, where the sender knows it; sent
   *  as ParentHead (read with the head, so the two never come from different moments) */
  parent?: string
}

/** Returns the head; may throw (then the beat carries `{ }` and height 0, logged as Go does). */
export type HeadGetter = () => TipsetInfo
/** null means no miner: sent as go-filecoin's zero address */
export type MinerAddressGetter = () => string | null
/** the genesis block's CID, or null */
export type GenesisGetter = () => string | null
/** Not in go-filecoin: the optional fields after Go's five (a watcher's), or undefined */
export type ExtraGetter = () => HeartbeatExtra | undefined

export interface HeartbeatServiceSettings {
  minerAddressGetter: MinerAddressGetter
  genesisGetter: GenesisGetter
  extraGetter?: ExtraGetter
}
/** go-filecoin's HeartbeatServiceOption */
export type HeartbeatServiceOption = (settings: HeartbeatServiceSettings) => void

/** go-filecoin's WithMinerAddressGetter */
export function withMinerAddressGetter (getter: MinerAddressGetter): HeartbeatServiceOption {
  return settings => { settings.minerAddressGetter = getter }
}

/** Sets the GenesisCID getter (go-filecoin sent GenesisCID from Aug 2019) */
export function withGenesisGetter (getter: GenesisGetter): HeartbeatServiceOption {
  return settings => { settings.genesisGetter = getter }
}

/** Not in go-filecoin: adds the optional fields after Go's five to each beat (the watcher's
 *  client, version, node peer ID, syncing, finalized height). Without it the bytes are Go's. */
export function withExtraGetter (getter: ExtraGetter): HeartbeatServiceOption {
  return settings => { settings.extraGetter = getter }
}

const baseLog = logger('devnet:sender:heartbeat')
/** @libp2p/logger has no warn level: warnings go to the error channel, marked as such. */
export const defaultHeartbeatLog: HeartbeatLogSink = {
  debug: message => { baseLog.trace(message) },
  info: message => { baseLog(message) },
  warn: message => { baseLog.error(`warning: ${message}`) },
  error: message => { baseLog.error(message) }
}

const encoder = new TextEncoder()

function errorOf (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/**
 * go-filecoin's HeartbeatService. Construct it like NewHeartbeatService(host, config,
 * headGetter, ...options); start(signal) runs it until the signal aborts.
 */
export class HeartbeatService {
  readonly beatTarget: string
  readonly nickname: string
  readonly beatPeriodMs: number
  readonly reconnectPeriodMs: number
  readonly headGetter: HeadGetter
  readonly minerAddressGetter: MinerAddressGetter
  readonly genesisGetter: GenesisGetter
  readonly extraGetter: ExtraGetter | undefined
  readonly #host: HeartbeatHost
  readonly #clock: Clock
  readonly #log: HeartbeatLogSink
  #stream: Stream | undefined
  #connection: Connection | undefined
  #beatsSent = 0
  /** the running run()'s ticker, for beatNow() */
  #runTicker: Ticker | undefined

  /** Throws InvalidDurationError for a bad or non-positive period. */
  constructor (components: HeartbeatServiceComponents, config: HeartbeatConfig, headGetter: HeadGetter, ...options: HeartbeatServiceOption[]) {
    this.#host = components.host
    this.#clock = components.clock ?? systemClock
    this.#log = components.log ?? defaultHeartbeatLog
    this.beatTarget = config.beatTarget
    this.nickname = config.nickname ?? ''
    // Go parses these in Start and Run and gives up there; refusing them here says so sooner
    this.beatPeriodMs = parsePeriod(config.beatPeriod ?? DEFAULT_BEAT_PERIOD, 'BeatPeriod')
    this.reconnectPeriodMs = parsePeriod(config.reconnectPeriod ?? DEFAULT_RECONNECT_PERIOD, 'ReconnectPeriod')
    this.headGetter = headGetter
    const settings: HeartbeatServiceSettings = { minerAddressGetter: () => null, genesisGetter: () => null }
    for (const option of options) option(settings)
    this.minerAddressGetter = settings.minerAddressGetter
    this.genesisGetter = settings.genesisGetter
    this.extraGetter = settings.extraGetter
  }

  /** The open heartbeat stream, if connected. */
  get stream (): Stream | undefined {
    return this.#stream
  }

  /** Heartbeat lines written since construction. */
  get beatsSent (): number {
    return this.#beatsSent
  }

  /**
   * Not in go-filecoin, which beats only on its ticker: asks the running run() to write a
   * beat now, for an embedder that learns of a new head between ticks (the watcher). The
   * BeatPeriod ticks go on on their own phase; asks that come while a beat is being written
   * are folded into one. Returns false when no run() is under way (nothing is sent).
   */
  beatNow (): boolean {
    if (this.#runTicker == null) return false
    this.#runTicker.trigger()
    return true
  }

  /** Builds a heartbeat from the getters (go-filecoin's Beat). */
  beat (): Heartbeat {
    let head = '{ }'
    let height = 0
    let parent: string | undefined
    try {
      ({ head, height, parent } = this.headGetter())
    } catch (err) {
      this.#log.warn(`heartbeat service failed to get chain height: ${errorOf(err).message}`)
    }
    const hb: Heartbeat = {
      head,
      height,
      nickname: this.nickname,
      minerAddress: this.minerAddressGetter(),
      genesisCid: this.genesisGetter()
    }
    const extra = this.extraGetter?.()
    if (parent !== undefined) hb.extra = { ...extra, parentHead: parent }
    else if (extra !== undefined) hb.extra = extra
    return hb
  }

  /**
   * Dials the BeatTarget and opens the heartbeat stream (go-filecoin's Connect). Throws
   * InvalidTargetError when the target does not end in /p2p/<peer id>, or the dial's error.
   */
  async connect (options: AbortOptions = {}): Promise<void> {
    this.#log.debug(`Heartbeat service attempting to connect, targetAddress: ${this.beatTarget}`)
    const { peerId, multiaddr } = parseTarget(this.beatTarget)
    // Go's SetStream drops the old stream without closing it; a relay takes one heartbeat
    // stream per peer, so one left open by an aborted run is closed first
    await this.closeStream()
    const connection = await this.#host.dial(multiaddr, options)
    let stream: Stream
    try {
      stream = await connection.newStream(HEARTBEAT_PROTOCOL, options)
    } catch (err) {
      this.#log.debug(`failed to open stream, peerID: ${peerId.toString()}, targetAddr: ${multiaddr.toString()} ${errorOf(err).message}`)
      throw err
    }
    this.#log.info(`successfully to open stream, peerID: ${peerId.toString()}, targetAddr: ${multiaddr.toString()}`)
    this.#stream = stream
    this.#connection = connection
  }

  /**
   * Writes one heartbeat per BeatPeriod (go-filecoin's Run). Resolves null when the signal
   * aborts (the stream stays open, as in Go); on a write error or a stream that closed, closes
   * the connection and resolves the error. A stream under backpressure is waited on, not
   * buffered for: ticks that pass meanwhile are dropped, as Go's blocked encoder drops them.
   */
  async run (signal: AbortSignal): Promise<Error | null> {
    const stream = this.#stream
    const connection = this.#connection
    if (stream == null || connection == null) return new NotConnectedError()
    if (signal.aborted) return null
    // the relay never writes, so a closed stream means the connection or the relay is gone
    const closed = new AbortController()
    const onClose = (): void => { closed.abort(new HeartbeatStreamClosedError(stream.status)) }
    stream.addEventListener('close', onClose)
    if (stream.status !== 'open') onClose()
    const both = AbortSignal.any([signal, closed.signal])
    const ticker = new Ticker(this.#clock, this.beatPeriodMs)
    this.#runTicker = ticker
    let failure: Error | undefined
    try {
      while (await ticker.wait(both)) {
        const line = encoder.encode(encodeHeartbeatLine(this.beat()))
        try {
          if (!stream.send(line)) await stream.onDrain({ signal: both })
          this.#beatsSent++
        } catch (err) {
          if (signal.aborted) return null
          failure = errorOf(err)
          break
        }
      }
      if (signal.aborted) return null
      failure ??= errorOf(closed.signal.reason)
    } finally {
      ticker.stop()
      if (this.#runTicker === ticker) this.#runTicker = undefined
      stream.removeEventListener('close', onClose)
    }
    this.#stream = undefined
    this.#connection = undefined
    await this.#closeConnection(connection, failure)
    return failure
  }

  /**
   * Runs the service until the signal aborts (go-filecoin's Start): on every ReconnectPeriod
   * tick, connect; when connected, run. A failure to connect is logged as a warning the first
   * time, at debug level after that, and as an error once every 10 minutes while it lasts.
   */
  async start (signal: AbortSignal): Promise<void> {
    this.#log.debug('starting heartbeat service')
    const ticker = new Ticker(this.#clock, this.reconnectPeriodMs)
    // when the first failure since the last successful connect happened
    let failedAt: number | undefined
    // when the last ERROR line was written (or the first failure, before any)
    let erroredAt = 0
    try {
      while (await ticker.wait(signal)) {
        try {
          await this.connect({ signal })
        } catch (err) {
          if (signal.aborted) break
          const now = this.#clock.now()
          let log = this.#log.debug
          if (failedAt == null) {
            failedAt = now
            erroredAt = now
            log = this.#log.warn
          } else if (now - erroredAt > CONNECTION_FAILURE_ERROR_LOG_PERIOD_MS) {
            log = this.#log.error
            erroredAt = now
          }
          log(`Heartbeat service failed to connect for ${formatGoDuration(now - failedAt)}: ${errorOf(err).message}`)
          continue
        }
        failedAt = undefined
        const err = await this.run(signal)
        if (err != null) {
          this.#log.warn(`disconnecting from aggregator, failed to send heartbeat: ${err.message}`)
        }
      }
    } finally {
      ticker.stop()
    }
  }

  /**
   * Closes the heartbeat stream left open by an aborted run (Go leaves it to the host's
   * shutdown; an embedder that keeps the node running may want it gone).
   */
  async closeStream (): Promise<void> {
    const stream = this.#stream
    this.#stream = undefined
    this.#connection = undefined
    if (stream == null) return
    try {
      await stream.close({ signal: AbortSignal.timeout(CONNECTION_CLOSE_TIMEOUT_MS) })
    } catch (err) {
      stream.abort(errorOf(err))
    }
  }

  async #closeConnection (connection: Connection, reason: Error): Promise<void> {
    try {
      await connection.close({ signal: AbortSignal.timeout(CONNECTION_CLOSE_TIMEOUT_MS) })
    } catch {
      connection.abort(reason)
    }
  }
}

/**
 * The second service go-filecoin starts when FIL_HEARTBEAT_ALERTS names a target: same node,
 * nickname and getters, both periods 10s.
 */
export function createAlertHeartbeatService (
  components: HeartbeatServiceComponents,
  alertTarget: string,
  nickname: string,
  headGetter: HeadGetter,
  ...options: HeartbeatServiceOption[]
): HeartbeatService {
  return new HeartbeatService(components, {
    beatTarget: alertTarget,
    beatPeriod: ALERT_PERIOD,
    reconnectPeriod: ALERT_PERIOD,
    nickname
  }, headGetter, ...options)
}

/** The alert target from the environment, as go-filecoin reads it, or undefined. */
export function alertTargetFromEnv (env: Record<string, string | undefined>): string | undefined {
  const target = env[ALERT_TARGET_ENV]
  return target != null && target.length > 0 ? target : undefined
}
