// Plays a recorded devnet back as if it were live: the state at `from`, then every recorded
// change at its moment, on a clock that runs `speed` times real time from `from`. The relay
// in replay mode hands the changes to its registry, so dashboards get them over the same feed
// and judge them by the same clock (the replayed one: times on the page are the incident's).
import { setTimeout as wait } from 'node:timers/promises'
import { logger } from '@libp2p/logger'
import type { ReplayChange } from './record/reader.ts'
import type { NodeAt } from './record/types.ts'

const log = logger('devnet:relay:replay')

export interface ReplaySource {
  stateAt: (at: number) => Promise<NodeAt[]>
  changes: (from: number, to: number, signal?: AbortSignal) => AsyncIterable<ReplayChange[]>
}

export interface ReplayTarget {
  /** every node as it was at `at` (the replay's start) */
  begin: (nodes: NodeAt[], at: number) => void
  change: (change: ReplayChange) => void
}

export class InvalidReplayError extends Error {
  static name = 'InvalidReplayError'
  constructor (detail: string) {
    super(`invalid replay: ${detail}`)
    this.name = 'InvalidReplayError'
  }
}

export interface ReplayInit {
  source: ReplaySource
  target: ReplayTarget
  from: number
  to: number
  /** times real time; default 1 */
  speed?: number
  /** the real clock and a wait on it; tests pass fake ones */
  wallNow?: () => number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

export class Replay {
  readonly from: number
  readonly to: number
  readonly speed: number
  readonly #source: ReplaySource
  readonly #target: ReplayTarget
  readonly #wallNow: () => number
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>
  readonly #abort = new AbortController()
  #wallStart = 0
  #done = false
  /** changes played so far */
  played = 0

  constructor (init: ReplayInit) {
    const speed = init.speed ?? 1
    if (!Number.isFinite(init.from) || !Number.isFinite(init.to) || init.to <= init.from) throw new InvalidReplayError('--to must be after --from')
    if (!(speed > 0) || !Number.isFinite(speed)) throw new InvalidReplayError('--speed must be a positive number')
    this.from = init.from
    this.to = init.to
    this.speed = speed
    this.#source = init.source
    this.#target = init.target
    this.#wallNow = init.wallNow ?? Date.now
    this.#sleep = init.sleep ?? (async (ms, signal) => { await wait(ms, undefined, { signal }) })
  }

  /** The replayed clock: the recorded moment being played now (stops at `to`). */
  readonly now = (): number => {
    if (this.#wallStart === 0) return this.from
    return Math.min(this.to, this.from + (this.#wallNow() - this.#wallStart) * this.speed)
  }

  get done (): boolean {
    return this.#done
  }

  /** Plays from `from` to `to`; resolves at the end, or when stopped. */
  async run (): Promise<void> {
    const signal = this.#abort.signal
    try {
      this.#target.begin(await this.#source.stateAt(this.from), this.from)
      this.#wallStart = this.#wallNow()
      for await (const chunk of this.#source.changes(this.from, this.to, signal)) {
        for (const change of chunk) {
          const due = this.#wallStart + (change.t - this.from) / this.speed
          const ahead = due - this.#wallNow()
          if (ahead > 0) await this.#sleep(ahead, signal)
          this.#target.change(change)
          this.played++
        }
      }
      // the clock runs on to `to` even where nothing happened
      const rest = this.#wallStart + (this.to - this.from) / this.speed - this.#wallNow()
      if (rest > 0) await this.#sleep(rest, signal)
      log('replay reached %s after %d changes', new Date(this.to).toISOString(), this.played)
    } catch (err) {
      if (!signal.aborted) throw err
    } finally {
      this.#done = true
    }
  }

  stop (): void {
    this.#abort.abort()
  }
}
