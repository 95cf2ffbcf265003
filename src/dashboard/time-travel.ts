// ?at=: the page shows a moment from the relay's record instead of the feed, frozen, and can
// step through time (keys, the slider). Each moment is fetched (every node then, the chart's
// window before it, the events) and shown whole; a step taken while one loads wins over it.
import { laterLogger } from './later-logger.ts'
import { momentState } from '../store/moment.ts'
import { propagationByPeer } from '../store/feed-state.ts'
import { HISTORY_CAPACITY } from '../store/constants.ts'
import { WINDOW_POINTS } from './history-api.ts'
import { fetchBranches, fetchHistory, fetchState } from './history-api.ts'
import type { BranchesAnswer } from '../protocol/forks.ts'
import type { DashboardStore } from '../store/store.ts'
import type { EventLog } from './event-log.ts'

const log = laterLogger('devnet:dashboard:time-travel')

export interface TimeTravelInit {
  store: DashboardStore
  events: EventLog
  /** the relay's HTTP root; null when the page was not served by the relay */
  base: string | null
  windowMs: number
  /** the page clock */
  now?: () => number
  /** the URL follows the moment shown, so a bookmark or a reload comes back to it */
  setUrlAt?: (at: number) => void
}

export class TimeTravel {
  readonly #init: TimeTravelInit
  #at = 0
  #generation = 0
  /** the fork panel asked for the moment shown: a step aborts it (the relay stops rebuilding) */
  #branches: AbortController | null = null

  constructor (init: TimeTravelInit) {
    this.#init = init
  }

  get at (): number {
    return this.#at
  }

  /** A step through time: back (negative) or forward, never past now. */
  async step (deltaMs: number): Promise<void> {
    const now = (this.#init.now ?? Date.now)()
    await this.show(Math.min(now, this.#at + deltaMs))
  }

  async show (at: number): Promise<void> {
    const { store, events, base, windowMs } = this.#init
    this.#at = at
    const generation = ++this.#generation
    this.#init.setUrlAt?.(at)
    store.setConnection({ state: 'frozen', at, loading: true, error: null })
    if (base === null) {
      store.setConnection({ state: 'frozen', at, loading: false, error: 'time travel reads the record of the relay that serves the page' })
      return
    }
    void events.moment(at, windowMs)
    performance.mark('devnet:moment-asked')
    this.#branches?.abort()
    try {
      const [state, window] = await Promise.all([
        fetchState(base, at),
        fetchHistory(base, { from: at - windowMs, to: at, points: WINDOW_POINTS })
      ])
      if (generation !== this.#generation) return
      performance.mark('devnet:moment-fetched')
      store.replaceState(momentState({ at, nodes: state.nodes, window, spacingMs: windowMs / HISTORY_CAPACITY, capacity: WINDOW_POINTS + 2 }))
      performance.mark('devnet:moment-built')
      store.setConnection({ state: 'frozen', at, loading: false, error: null, ...(state.gap !== undefined ? { gap: state.gap } : {}) })
      // the fork panel then, once the rest is shown: the relay rebuilds it from the heads it
      // recorded (~0.5 s at 1,000 nodes), and asked beside them it held up the chart
      const controller = this.#branches = new AbortController()
      void this.#showBranches(fetchBranches(base, at, controller.signal), generation)
    } catch (err) {
      if (generation !== this.#generation) return
      log.error('could not show %s - %e', new Date(at).toISOString(), err)
      store.setConnection({ state: 'frozen', at, loading: false, error: (err as Error).message })
    }
  }

  async #showBranches (branches: Promise<BranchesAnswer>, generation: number): Promise<void> {
    const { store } = this.#init
    try {
      const { at, peers, networks, medians } = await branches
      if (generation !== this.#generation) return
      // each node's median propagation then (the Prop. column and the tile's figure)
      const propagation = propagationByPeer(medians, i => peers[i])
      store.replaceState({ ...store.getFeedState(), forks: { t: 'forks', at, networks }, byIndex: new Map(peers.map((peerId, i) => [i, peerId])), propagation })
    } catch (err) {
      if (generation !== this.#generation) return
      // the moment is shown without its branches: the panel says the record has none for it
      log.error('no branches for %s - %e', new Date(this.#at).toISOString(), err)
      store.replaceState({ ...store.getFeedState(), forks: { t: 'forks', at: this.#at, networks: [] } })
    }
  }
}
