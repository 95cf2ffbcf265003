// The store the page renders (App.tsx's useStoreView, each new view as a transition). Feed messages are queued and applied in one
// batch per update, and updates come at most once per minIntervalMs: a thousand nodes beating
// then cost a few renders a second, not one per frame. An update is applied in the next
// animation frame, or, when it waited out the interval, in its timer's task. The frame
// scheduler, the timer and the clock are injected: the page passes requestAnimationFrame,
// setTimeout and Date.now, Node tests a manual scheduler, manual timers and a fake clock.
import type { FeedMessage } from '../protocol/feed.ts'
import type { HistoryHeader, HistorySeries } from '../protocol/history.ts'
import { DEFAULT_OFFLINE_KEEP_MS, HISTORY_CAPACITY, MAX_QUEUED_MESSAGES } from './constants.ts'
import { initialFeedState, mergePast, reduceAll } from './feed-state.ts'
import type { FeedState } from './feed-state.ts'
import { deriveView } from './view.ts'
import type { ConnectionState, DashboardView, ViewLender, ViewOptions } from './view.ts'

export interface DashboardStoreInit {
  /** runs a callback before the next frame; returns nothing the store needs */
  schedule: (callback: () => void) => void
  /** local clock, ms since epoch */
  now: () => number
  /** the view is derived again at most this often; 0 (the default) is every frame */
  minIntervalMs?: number
  /** runs a callback after ms; setTimeout when not given */
  delay?: (callback: () => void, ms: number) => void
  offlineKeepMs?: number
  filter?: string
  pins?: readonly string[]
  windowMs?: number
  headColors?: number
  /** ?genesis=: the network to show; the largest when not given */
  genesis?: string | null
}

export interface DashboardStore {
  /** Queues a feed message; it is applied on the next frame. */
  push: (message: FeedMessage) => void
  setConnection: (connection: ConnectionState) => void
  /** Time moved (stale nodes, the chart window, "seconds ago"): re-derive on the next frame. */
  tick: () => void
  /** Applies whatever is queued now, without waiting for a frame. */
  flush: () => void
  subscribe: (listener: () => void) => () => void
  getSnapshot: () => DashboardView
  /** The reducer's state, for tests and diagnostics. */
  getFeedState: () => FeedState
  /** The relay's record of the window, behind what the feed gave (see mergePast). */
  mergePast: (header: HistoryHeader, series: readonly HistorySeries[]) => void
  /** Shows this state instead of the feed's (time travel: a moment from the record). */
  replaceState: (next: FeedState) => void
}

export function createDashboardStore (init: DashboardStoreInit): DashboardStore {
  const options: ViewOptions = {
    offlineKeepMs: init.offlineKeepMs ?? DEFAULT_OFFLINE_KEEP_MS,
    filter: init.filter ?? '',
    pins: init.pins ?? [],
    windowMs: init.windowMs ?? 10 * 60_000,
    headColors: init.headColors ?? 6,
    genesis: init.genesis ?? null
  }
  const listeners = new Set<() => void>()
  let queue: FeedMessage[] = []
  // when each queued message arrived: a hidden tab applies its queue when it is shown, and a
  // ping's clock offset is measured from its arrival, not from then
  let arrivals: number[] = []
  // the chart's window over what a node's history holds: a long window thins its points
  let state = initialFeedState(options.windowMs / HISTORY_CAPACITY)
  let connection: ConnectionState = { state: 'connecting', attempt: 1 }
  // node views lent from one derivation to the next (view.ts)
  const lender: ViewLender = new Map()
  let view = deriveView(state, connection, init.now(), options, null, lender)
  const minIntervalMs = init.minIntervalMs ?? 0
  const delay = init.delay ?? ((callback, ms) => { setTimeout(callback, ms) })
  // One frame asked for at a time: a hidden tab runs none until it is shown, and every ask
  // would wait till then. A pending timer is known by its token, so a timer overtaken by a
  // flush or by a newer timer does nothing.
  let frameAsked = false
  let timerAsked = 0
  let timers = 0
  let dirty = false
  let derivedAt = -Infinity

  function flush (): void {
    timerAsked = 0
    const now = init.now()
    if (queue.length > 0) {
      const batch = queue
      const receivedAt = arrivals
      queue = []
      arrivals = []
      state = reduceAll(state, batch, now, receivedAt)
      dirty = true
    }
    if (!dirty) return
    dirty = false
    derivedAt = now
    const next = deriveView(state, connection, now, options, view, lender)
    view = next
    for (const listener of [...listeners]) listener()
  }

  function onFrame (): void {
    frameAsked = false
    flush()
  }

  /** urgent: shown in the next frame, inside the interval too */
  function request (urgent = false): void {
    dirty = true
    if (frameAsked || (timerAsked !== 0 && !urgent)) return
    // min(): a local clock stepped back must not hold the view for the size of the step
    const wait = urgent ? 0 : Math.min(minIntervalMs, derivedAt + minIntervalMs - init.now())
    if (wait <= 0) {
      frameAsked = true
      init.schedule(onFrame)
      return
    }
    const token = ++timers
    timerAsked = token
    // applied in the timer's own task, not in a frame: the view's render (a transition, in
    // slices) and the browser's style, layout and paint of it are other tasks
    delay(() => { if (timerAsked === token) flush() }, wait)
  }

  return {
    push (message) {
      queue.push(message)
      arrivals.push(init.now())
      if (queue.length >= MAX_QUEUED_MESSAGES) flush()
      else request()
    },
    setConnection (next) {
      connection = next
      // rare, and what a person waits for (Live, lost): not held for the interval
      request(true)
    },
    tick: () => { request() },
    flush,
    subscribe (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },
    getSnapshot: () => view,
    getFeedState: () => state,
    mergePast (header, series) {
      state = mergePast(state, header, series)
      request(true)
    },
    replaceState (next) {
      queue = []
      arrivals = []
      state = next
      request(true)
    }
  }
}
