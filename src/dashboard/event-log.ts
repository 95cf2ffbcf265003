// The devnet's events for the page's event list: live, the relay's /api/events polled every
// few seconds for what is new; in time travel, the window before the moment. A small store of
// its own (the feed does not carry events), read with useSyncExternalStore.
import { laterLogger } from './later-logger.ts'
import { fetchEvents, HistoryUnavailableError } from './history-api.ts'
import type { DevnetEvent, EventsAnswer } from '../protocol/history.ts'

const log = laterLogger('devnet:dashboard:events')

// How often a live page asks for new events: an event list a few seconds behind is fine on a
// wall, and one small request every few seconds costs the relay nothing
export const EVENT_POLL_MS = 5_000
// Events kept and shown, newest first: more than a wall's panel holds
export const MAX_SHOWN_EVENTS = 200

export interface EventLogView {
  /** newest first */
  readonly events: readonly DevnetEvent[]
  /** the relay answered (false: no record there, or not asked yet) */
  readonly available: boolean
  /** why the relay's events are not shown, when they are not */
  readonly problem: string | null
}

export interface EventLogInit {
  /** the relay's HTTP root; null: the page was not served by the relay (no events to ask for) */
  base: string | null
  fetchEvents?: (base: string, query: { from: number, to: number, after?: number }) => Promise<EventsAnswer>
  setInterval?: (callback: () => void, ms: number) => unknown
  clearInterval?: (handle: unknown) => void
}

export class EventLog {
  readonly #base: string | null
  readonly #fetch: (base: string, query: { from: number, to: number, after?: number }) => Promise<EventsAnswer>
  readonly #setInterval: (callback: () => void, ms: number) => unknown
  readonly #clearInterval: (handle: unknown) => void
  readonly #listeners = new Set<() => void>()
  #view: EventLogView = { events: [], available: false, problem: null }
  #timer: unknown
  #after: number | undefined
  #generation = 0

  constructor (init: EventLogInit) {
    this.#base = init.base
    this.#fetch = init.fetchEvents ?? (async (base, query) => await fetchEvents(base, query))
    this.#setInterval = init.setInterval ?? ((callback, ms) => setInterval(callback, ms))
    this.#clearInterval = init.clearInterval ?? (handle => { clearInterval(handle as ReturnType<typeof setInterval>) })
    if (init.base === null) this.#view = { events: [], available: false, problem: 'events come from the relay that serves the page' }
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  readonly getSnapshot = (): EventLogView => this.#view

  #set (view: EventLogView): void {
    this.#view = view
    for (const listener of [...this.#listeners]) listener()
  }

  /** Live: the window before `now()` (relay clock), then what is new every EVENT_POLL_MS. */
  live (now: () => number, windowMs: number): void {
    this.stop()
    const generation = ++this.#generation
    this.#after = undefined
    const poll = async (): Promise<void> => {
      if (this.#base === null) return
      const to = now()
      try {
        // a burst larger than one page is caught up over the next polls
        const answer = await this.#fetch(this.#base, { from: to - windowMs, to, ...(this.#after != null ? { after: this.#after } : {}) })
        if (generation !== this.#generation) return
        this.#add(answer.events, this.#after == null)
      } catch (err) {
        if (generation !== this.#generation) return
        this.#failed(err)
      }
    }
    void poll()
    this.#timer = this.#setInterval(() => { void poll() }, EVENT_POLL_MS)
  }

  /** Time travel: the events of the window before `at`, once. */
  async moment (at: number, windowMs: number): Promise<void> {
    this.stop()
    const generation = ++this.#generation
    if (this.#base === null) return
    try {
      const answer = await this.#fetch(this.#base, { from: at - windowMs, to: at })
      if (generation === this.#generation) {
        this.#view = { events: [], available: true, problem: null }
        this.#add(answer.events, true)
      }
    } catch (err) {
      if (generation === this.#generation) this.#failed(err)
    }
  }

  stop (): void {
    if (this.#timer !== undefined) this.#clearInterval(this.#timer)
    this.#timer = undefined
  }

  #add (events: readonly DevnetEvent[], replace: boolean): void {
    const last = events.at(-1)
    if (last !== undefined) this.#after = Math.max(this.#after ?? 0, last.id)
    const newestFirst = [...events].reverse()
    // by time: a fork is written when it is called, dated when its heads first differed
    const kept = (replace ? newestFirst : [...newestFirst, ...this.#view.events])
      .sort((a, b) => b.at - a.at || b.id - a.id)
      .slice(0, MAX_SHOWN_EVENTS)
    this.#set({ events: kept, available: true, problem: null })
  }

  #failed (err: unknown): void {
    log('no events from the relay - %e', err)
    const problem = err instanceof HistoryUnavailableError
      ? (err.status === 403 ? 'this relay keeps its history to the feed' : err.status === 404 ? 'this relay keeps no history' : err.message)
      : 'the relay did not answer for events'
    if (this.#view.problem !== problem || this.#view.available) this.#set({ events: this.#view.events, available: false, problem })
  }
}
