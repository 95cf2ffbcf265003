// Watches one node through its API: connects, reads what the node says about itself and its
// head, subscribes where the node offers it (or polls), and keeps asking for the head every
// beat period while subscribed, so a node that hangs without closing anything is noticed in
// time. Any failure ends the session: the node is down until a new session gets a head, with
// reconnects from 1 s doubling to 30 s. A node's trouble never reaches another node's watch.
import { logger } from '@libp2p/logger'
import { DEFAULT_POLL_INTERVAL_MS, DEFAULT_WATCH_BEAT_PERIOD_MS, FAILURE_LOG_INTERVAL_MS, RECONNECT_MAX_MS, RECONNECT_MIN_MS } from './constants.ts'
import { BadResponseError } from './errors.ts'
import { NO_FACTS } from './facts.ts'
import { redactUrl } from './node-file.ts'
import type { HeadObservation, NodeFacts } from './facts.ts'
import type { WatchedNodeSpec } from './node-file.ts'

const debug = logger('devnet:watch:node')

/** What a session's driver may do. */
export interface DriverContext {
  readonly spec: WatchedNodeSpec
  /** the token from the node's tokenEnv, if any: for headers only, never for a message */
  readonly token: string | undefined
  /** aborted when the session ends */
  readonly signal: AbortSignal
  /** each request's time bound */
  readonly timeoutMs: number
  /** a head the node pushed (subscription): applied at once */
  head: (observation: HeadObservation) => void
  /** facts learned, merged into what is known */
  facts: (facts: Partial<NodeFacts>) => void
  /** the subscription broke or the node said nonsense: ends the session with this reason */
  fail: (err: Error) => void
  /** the node turned out to have no subscription after all (found after start): poll it */
  polling: () => void
}

/** One kind of API (filecoin, beacon, execution). A driver serves one session. */
export interface KindDriver {
  /** Connects, reads the node's facts, and subscribes if the node offers it (pushing heads
   *  through ctx.head). Resolves true when subscribed, false when the node must be polled.
   *  The session then polls once for the head before it shows the node up. */
  start: (ctx: DriverContext) => Promise<boolean>
  /** The node's head now (and any facts worth refreshing, through ctx.facts). */
  poll: (ctx: DriverContext) => Promise<HeadObservation>
  /** Closes sockets and streams; called once when the session ends. */
  close: () => void
}

export type DriverFactory = (spec: WatchedNodeSpec) => KindDriver

/** Where the watcher's lines for a person go; default @libp2p/logger devnet:watch. */
export interface WatchLog {
  info: (message: string) => void
  warn: (message: string) => void
}

const baseLog = logger('devnet:watch')
export const defaultWatchLog: WatchLog = {
  info: message => { baseLog(message) },
  // @libp2p/logger has no warn level; the CLI shows the error channel by default
  warn: message => { baseLog.error(message) }
}

export interface NodeWatchState {
  /** a session has a head and is answering */
  up: boolean
  head: string
  height: number
  /** the head's parent, where the API gave it (ParentHead) */
  parent: string | undefined
  facts: NodeFacts
  /** why the node is down, when it is */
  error: Error | undefined
}

export type NodeWatchChange = 'up' | 'down' | 'head' | 'facts'

export interface NodeWatchInit {
  spec: WatchedNodeSpec
  token: string | undefined
  createDriver: DriverFactory
  onChange: (change: NodeWatchChange, state: Readonly<NodeWatchState>) => void
  /** the heartbeat's BeatPeriod: a subscribed node is asked for its head this often */
  beatPeriodMs?: number
  /** a node without subscriptions is polled this often */
  pollIntervalMs?: number
  /** each request's bound; default half the beat period (at least 1 s, at most 10 s), so a
   *  hung node shows offline within two beat periods */
  requestTimeoutMs?: number
  log?: WatchLog
  /** default 1 s; tests shorten it */
  reconnectMinMs?: number
  reconnectMaxMs?: number
}

/** Resolves after ms, or at once when the signal aborts. */
export async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => {
    const timer = setTimeout(done, ms)
    function done (): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

export class NodeWatch {
  readonly spec: WatchedNodeSpec
  readonly #token: string | undefined
  readonly #createDriver: DriverFactory
  readonly #onChange: NodeWatchInit['onChange']
  readonly #beatPeriodMs: number
  readonly #pollIntervalMs: number
  readonly #timeoutMs: number
  readonly #log: WatchLog
  readonly #reconnectMinMs: number
  readonly #reconnectMaxMs: number
  readonly #stopper = new AbortController()
  readonly #state: NodeWatchState = { up: false, head: '{ }', height: 0, parent: undefined, facts: { ...NO_FACTS }, error: undefined }
  #running: Promise<void> | undefined
  /** heads pushed by the subscription, so a poll sent before one does not undo it */
  #pushed = 0
  /** failures since the last line about them, and when that line was written */
  #unlogged = 0
  #loggedAt = -Infinity
  #failureLogged = false
  #sessions = 0

  constructor (init: NodeWatchInit) {
    this.spec = init.spec
    this.#token = init.token
    this.#createDriver = init.createDriver
    this.#onChange = init.onChange
    this.#beatPeriodMs = init.beatPeriodMs ?? DEFAULT_WATCH_BEAT_PERIOD_MS
    this.#pollIntervalMs = init.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
    this.#timeoutMs = init.requestTimeoutMs ?? Math.min(10_000, Math.max(1_000, Math.floor(this.#beatPeriodMs / 2)))
    this.#log = init.log ?? defaultWatchLog
    this.#reconnectMinMs = init.reconnectMinMs ?? RECONNECT_MIN_MS
    this.#reconnectMaxMs = init.reconnectMaxMs ?? RECONNECT_MAX_MS
  }

  get state (): Readonly<NodeWatchState> {
    return this.#state
  }

  /** Sessions started so far (tests use it to see reconnects). */
  get sessions (): number {
    return this.#sessions
  }

  start (): void {
    this.#running ??= this.#loop()
  }

  async stop (): Promise<void> {
    this.#stopper.abort()
    await this.#running
  }

  async #loop (): Promise<void> {
    let delay = this.#reconnectMinMs
    while (!this.#stopper.signal.aborted) {
      const wasUp = await this.#session()
      if (this.#stopper.signal.aborted) return
      // a session that got as far as a head earns a quick retry; failures back off
      delay = wasUp ? this.#reconnectMinMs : Math.min(this.#reconnectMaxMs, delay * 2)
      const jitter = 0.8 + Math.random() * 0.4
      await sleep(Math.round((wasUp ? this.#reconnectMinMs : delay) * jitter), this.#stopper.signal)
    }
  }

  /** One session; resolves whether it got the node up. */
  async #session (): Promise<boolean> {
    this.#sessions++
    const session = new AbortController()
    const stop = (): void => { session.abort(new Error('stopped')) }
    this.#stopper.signal.addEventListener('abort', stop, { once: true })
    let failure: Error | undefined
    let gotUp = false
    let subscribed = false
    // cuts a wait short when the driver switches to polling
    let nudge = new AbortController()
    const ctx: DriverContext = {
      spec: this.spec,
      token: this.#token,
      signal: session.signal,
      timeoutMs: this.#timeoutMs,
      head: observation => {
        if (session.signal.aborted) return
        this.#pushed++
        this.#setHead(observation)
      },
      facts: facts => {
        if (!session.signal.aborted) this.#setFacts(facts)
      },
      fail: err => {
        failure ??= err
        session.abort(err)
      },
      polling: () => {
        subscribed = false
        nudge.abort()
      }
    }
    const driver = this.#createDriver(this.spec)
    try {
      subscribed = await driver.start(ctx)
      const pushed = this.#pushed
      const first = await driver.poll(ctx)
      if (this.#pushed === pushed) this.#setHead(first)
      if (session.signal.aborted) throw failure ?? session.signal.reason
      gotUp = true
      this.#markUp(subscribed)
      while (true) {
        await sleep(subscribed ? this.#beatPeriodMs : this.#pollIntervalMs, AbortSignal.any([session.signal, nudge.signal]))
        if (nudge.signal.aborted) nudge = new AbortController()
        if (session.signal.aborted) break
        const pushedBefore = this.#pushed
        const observation = await driver.poll(ctx)
        if (session.signal.aborted) break
        // a head pushed while the poll was out is newer than the poll's answer
        if (!subscribed || this.#pushed === pushedBefore) this.#setHead(observation)
      }
    } catch (err) {
      failure ??= err instanceof Error ? err : new BadResponseError(this.spec.name, String(err))
    } finally {
      this.#stopper.signal.removeEventListener('abort', stop)
      session.abort(failure ?? new Error('session over'))
      try { driver.close() } catch {}
    }
    if (this.#stopper.signal.aborted) {
      this.#markDown(undefined)
    } else {
      this.#markDown(failure ?? session.signal.reason as Error)
    }
    return gotUp
  }

  #setHead (observation: HeadObservation): void {
    const state = this.#state
    if (state.head === observation.head && state.height === observation.height) {
      // the same head, its parent learned now (a push without it, then a poll with it): news
      // for the relay too, which links heads by it
      if (observation.parent === undefined || observation.parent === state.parent) return
      state.parent = observation.parent
      if (state.up) this.#onChange('head', state)
      return
    }
    state.head = observation.head
    state.height = observation.height
    state.parent = observation.parent
    debug('%s: head %s at %d', this.spec.name, observation.head, observation.height)
    if (state.up) this.#onChange('head', state)
  }

  #setFacts (facts: Partial<NodeFacts>): void {
    let changed = false
    const known = this.#state.facts as unknown as Record<string, unknown>
    for (const [key, value] of Object.entries(facts)) {
      if (value !== undefined && known[key] !== value) {
        known[key] = value
        changed = true
      }
    }
    if (changed && this.#state.up) this.#onChange('facts', this.#state)
  }

  #markUp (subscribed: boolean): void {
    this.#state.up = true
    this.#state.error = undefined
    if (this.#failureLogged) {
      this.#log.info(`${this.spec.name}: its API answers again (${this.spec.kind}, ${redactUrl(this.spec.url)}; ${subscribed ? 'subscribed' : 'polling'})`)
      this.#failureLogged = false
    }
    debug('%s: up (%s), head %s at %d', this.spec.name, subscribed ? 'subscribed' : 'polling', this.#state.head, this.#state.height)
    this.#onChange('up', this.#state)
  }

  #markDown (failure: Error | undefined): void {
    const wasUp = this.#state.up
    this.#state.up = false
    this.#state.error = failure == null ? undefined : this.#scrub(failure)
    if (failure != null) this.#logFailure(failure)
    if (wasUp || failure != null) this.#onChange('down', this.#state)
  }

  /** At most one line per node per minute, with the count of failures in between. */
  #logFailure (failure: Error): void {
    const now = Date.now()
    if (now - this.#loggedAt < FAILURE_LOG_INTERVAL_MS) {
      this.#unlogged++
      return
    }
    const more = this.#unlogged > 0 ? ` (${this.#unlogged} more failures since the last line)` : ''
    this.#unlogged = 0
    this.#loggedAt = now
    this.#failureLogged = true
    this.#log.warn(`${this.spec.name}: ${failure.name}: ${this.#scrub(failure).message}${more}; shown offline, retrying`)
  }

  /** The error without the token, should a node have echoed it back (in an error message). */
  #scrub (err: Error): Error {
    const token = this.#token
    if (token == null || token.length < 4 || !err.message.includes(token)) return err
    const clean = new Error(err.message.split(token).join('[token]'))
    clean.name = err.name
    return clean
  }
}
