// Asking whether a peer's host is still there, without a protocol of our own: open a stream
// for the libp2p ping protocol and close it at once. Any answer, "not supported" included,
// means the host is there; a stream that is not even refused within the timeout means it is
// not. Without this, a host that vanished without closing (power cut, cable pulled, a laptop
// shut) keeps its connection until TCP gives up on it, about 15 minutes on Linux defaults.
import { clockTimeout, repeat, systemClock } from '../p2p/clock.ts'
import { MAX_QUIET_PROBES, QUIET_PROBE_AFTER_MS, QUIET_PROBE_PROTOCOL, QUIET_PROBE_SWEEP_MS, QUIET_PROBE_TIMEOUT_MS } from './constants.ts'
import type { Clock } from '../p2p/clock.ts'
import type { Connection } from '@libp2p/interface'

export class UnresponsiveError extends Error {
  static name = 'UnresponsiveError'
  constructor (silentMs: number, timeoutMs: number) {
    super(`silent for ${Math.round(silentMs / 1000)} s and did not answer a probe within ${timeoutMs / 1000} s`)
    this.name = 'UnresponsiveError'
  }
}

/** 'closed': the connection ended while the probe was out, which answers the question too. */
export type ProbeOutcome = 'answered' | 'unanswered' | 'closed'

/** 'cancelled' when `cancel` aborted first (the prober is stopping): no answer either way.
 *  The timeout runs on `clock`. */
export async function probeHost (connection: Connection, timeoutMs: number, cancel?: AbortSignal, clock: Clock = systemClock): Promise<ProbeOutcome | 'cancelled'> {
  const { signal: timeout, clear } = clockTimeout(clock, timeoutMs)
  const signal = cancel == null ? timeout : AbortSignal.any([timeout, cancel])
  try {
    const probe = await connection.newStream(QUIET_PROBE_PROTOCOL, { signal })
    probe.abort(new Error('probe answered'))
    return 'answered'
  } catch {
    if (cancel?.aborted === true) return 'cancelled'
    if (connection.status !== 'open') return 'closed'
    // anything but the timeout is a reply from a host that is there: a refusal, a reset, a
    // full stream table
    return timeout.aborted ? 'unanswered' : 'answered'
  } finally {
    clear()
  }
}

/** What QuietProbes keeps per target: the target's own object carries it. */
export interface ProbeTarget {
  readonly connection: Connection
  /** when the host was last known to be there; QuietProbes moves it on an answer */
  heardAt: number
  probing: boolean
}

/** Whom to probe and what to do with an outcome: the owner's (the heartbeat receiver, the feed). */
export interface QuietProbesComponents<T extends ProbeTarget> {
  targets: () => Iterable<T>
  /** an answer (heardAt has moved on) or none within the timeout, with how long it had been
   *  silent; not called when the connection closed meanwhile, nor after stop() */
  settled: (target: T, outcome: 'answered' | 'unanswered', silentMs: number) => void
}

export interface QuietProbesInit {
  /** silence before a target is probed; default QUIET_PROBE_AFTER_MS */
  afterMs?: number
  /** how long its host has to answer; default QUIET_PROBE_TIMEOUT_MS */
  timeoutMs?: number
  /** what time it is, and the sweep and probe timers; default the real clock */
  clock?: Clock
}

/**
 * Every QUIET_PROBE_SWEEP_MS (or afterMs, if sooner), probes each target not heard from for
 * afterMs, at most MAX_QUIET_PROBES at a time; the owner decides what an outcome means.
 * stop() ends the sweep and the probes in flight.
 */
export class QuietProbes<T extends ProbeTarget> {
  readonly afterMs: number
  readonly timeoutMs: number
  readonly #components: QuietProbesComponents<T>
  readonly #clock: Clock
  #inFlight = 0
  #stopSweeps?: () => void
  #stopping = new AbortController()

  constructor (components: QuietProbesComponents<T>, init: QuietProbesInit = {}) {
    this.#components = components
    this.afterMs = init.afterMs ?? QUIET_PROBE_AFTER_MS
    this.timeoutMs = init.timeoutMs ?? QUIET_PROBE_TIMEOUT_MS
    this.#clock = init.clock ?? systemClock
  }

  start (): void {
    if (this.#stopSweeps != null) return
    this.#stopping = new AbortController()
    this.#stopSweeps = repeat(this.#clock, Math.min(QUIET_PROBE_SWEEP_MS, this.afterMs), () => { this.#sweep() })
  }

  stop (): void {
    this.#stopSweeps?.()
    this.#stopSweeps = undefined
    this.#stopping.abort()
  }

  #sweep (): void {
    const now = this.#clock.now()
    for (const target of this.#components.targets()) {
      if (this.#inFlight >= MAX_QUIET_PROBES) return
      if (target.probing || now - target.heardAt < this.afterMs) continue
      void this.#probe(target, now)
    }
  }

  async #probe (target: T, now: number): Promise<void> {
    target.probing = true
    this.#inFlight++
    try {
      const outcome = await probeHost(target.connection, this.timeoutMs, this.#stopping.signal, this.#clock)
      if (outcome === 'closed' || outcome === 'cancelled') return
      const silentMs = now - target.heardAt
      if (outcome === 'answered') target.heardAt = this.#clock.now()
      this.#components.settled(target, outcome, silentMs)
    } finally {
      target.probing = false
      this.#inFlight--
    }
  }
}
