// The page's entry: reads the URL once, makes the store, mounts the app and starts the feed.
// A first paint with every node comes before the dial: the relay's snapshot over HTTP
// (http-snapshot.ts) is shown first, and the libp2p node, whose noise handshake holds the
// main thread, is made after it is on screen.
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createDashboardStore } from '../store/store.ts'
import { App } from './App.tsx'
import type { ReplayInfo } from './App.tsx'
import type { EventLog } from './event-log.ts'
import type { TimeTravel } from './time-travel.ts'
import type { TimeTravelBanner } from './TimeTravelBanner.tsx'
import { releaseEarly } from './early-requests.ts'
import { fetchRelaySnapshot } from './http-snapshot.ts'
import { connectFeedPort, IDENTITY_KEY, markOnce } from './feed-port.ts'
import type { FeedMessage } from '../protocol/feed.ts'
import { parseParams } from './url-params.ts'
import './styles.css'

// A relay on a newer feed reloads the page once to fetch the matching code; the key stops a
// reload loop when the relay serves the old page (then the mismatch is shown in words)
const RELOAD_KEY = 'devnet-dashboard:reloaded-for-feed-version'
// The first render waits this long at most for the relay's snapshot: one render with every
// node costs the main thread less than an empty one followed by a full one
const FIRST_RENDER_WAIT_MS = 250
// The same for a recorded moment (?at=): reading and building a thousand nodes' window takes
// longer than a snapshot, and until this the page is blank, after it the banner says loading
const MOMENT_RENDER_WAIT_MS = 750
const RELOAD_AFTER_MS = 5_000
// A hidden tab runs no animation frames: the dial must not wait for a paint that never comes
const PAINT_WAIT_MS = 100
// The screen changes at most this often. Heights move once per block and a wall is read from
// across the room: four updates a second look live, and a thousand nodes beating then cost
// four renders, layouts and paints a second instead of one per frame
const VIEW_UPDATE_MS = 250

const params = parseParams(window.location.search)
const store = createDashboardStore({
  schedule: callback => { requestAnimationFrame(callback) },
  now: Date.now,
  minIntervalMs: VIEW_UPDATE_MS,
  offlineKeepMs: params.offlineKeepMs,
  filter: params.filter,
  pins: params.pins,
  windowMs: params.windowMs,
  genesis: params.genesis
})

// The relay's HTTP side (its record: events, history, time travel) is where the page came
// from, unless ?relay= says the page was served elsewhere
const base = params.relay === null ? window.location.href : null
// The record's page code (the event list's log, history, time travel) is loaded beside the
// first paint, not in it: a live wall's first frame is the feed's nodes, and its events come
// from a request made after it anyway (bench: the bundle row)
const record = import('./record-code.ts')
const events: Promise<EventLog> = record.then(({ EventLog }) => new EventLog({ base }))

function storage (): Storage | null {
  try {
    return window.localStorage
  } catch {
    return null
  }
}

if (params.at !== null) {
  // time travel: a recorded moment, frozen; no feed. Its code is the first thing this page
  // shows, so it is loaded before the first render
  const [{ TimeTravel, TimeTravelBanner }, log] = await Promise.all([record, events])
  const travel = new TimeTravel({
    store,
    events: log,
    base,
    windowMs: params.windowMs,
    setUrlAt: at => {
      const url = new URL(window.location.href)
      const iso = new Date(at).toISOString()
      // a URL that already names this moment is left as it is: replacing it (the same moment,
      // re-encoded) took ~25 ms of the first load's main thread
      if (url.searchParams.get('at') === iso) return
      url.searchParams.set('at', iso)
      window.history.replaceState(null, '', url)
    }
  })
  // the moment is asked for first (index.html may have asked already), then the app mounts:
  // with the moment when it comes in time, as live() does with the snapshot (an empty first
  // render, then a full one, held the moment up by ~250 ms of main thread at 1,000 nodes)
  const shown = travel.show(params.at)
  releaseEarly()
  await Promise.race([shown, new Promise<void>(resolve => { setTimeout(resolve, MOMENT_RENDER_WAIT_MS) })])
  store.flush()
  mount(travel, TimeTravelBanner)
  await shown
} else {
  await live()
}

function mount (travel: TimeTravel | null, banner?: typeof TimeTravelBanner): void {
  const root = document.getElementById('root')
  if (root === null) throw new Error('index.html has no #root')
  createRoot(root).render(
    <StrictMode>
      <App store={store} params={params} events={events} travel={travel} {...(banner !== undefined ? { banner } : {})} replay={travel === null ? replayInfo() : undefined} />
    </StrictMode>
  )
}

/** What /relay.json says when the relay serving the page is a replay of a record. */
async function replayInfo (): Promise<ReplayInfo | null> {
  if (base === null) return null
  try {
    const info = await (await fetch(new URL('relay.json', base))).json() as { replay?: unknown }
    const r = info.replay as Partial<ReplayInfo> | undefined
    return typeof r?.from === 'number' && typeof r.to === 'number' && typeof r.speed === 'number' ? { from: r.from, to: r.to, speed: r.speed } : null
  } catch {
    return null
  }
}

async function live (): Promise<void> {
  // The host that served the page is the relay unless ?relay= names another
  const snapshot = params.relay === null
    ? fetchRelaySnapshot(new URL('api/snapshot', window.location.href).toString())
    : Promise.resolve(null)
  // what else index.html asked for (a moment this page does not show): let it go
  releaseEarly()
  const show = (messages: FeedMessage[] | null): boolean => {
    if (messages === null) return false
    for (const message of messages) store.push(message)
    performance.mark('devnet:http-snapshot')
    return true
  }
  const early = await Promise.race([snapshot, new Promise<undefined>(resolve => { setTimeout(resolve, FIRST_RENDER_WAIT_MS) })])
  if (early !== undefined && show(early)) store.flush()

  // A hidden tab runs no frames: what came meanwhile is applied the moment it is shown, so its
  // first painted frame is the devnet now and not the picture from when it was hidden
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') store.flush()
  })

  mount(null)
  // a chunk that does not load (the relay restarted with a new build) leaves the event list
  // empty; the connection's loader below reloads the page for the same reason
  events.then(log => { log.live(() => Date.now() + store.getSnapshot().clockOffsetMs, params.windowMs) }, () => {})
  reachBack()

  /** Resolves once the next frame is painted (or PAINT_WAIT_MS, in a hidden tab). */
  async function afterPaint (): Promise<void> {
    await new Promise<void>(resolve => {
      const timer = setTimeout(resolve, PAINT_WAIT_MS)
      // a store's frame callback queued before this one has run, and React rendered, when
      // this runs; the paint follows this frame's callbacks, before the next task
      requestAnimationFrame(() => {
        clearTimeout(timer)
        setTimeout(resolve, 0)
      })
    })
  }

  // a snapshot that came after the first render is shown when it comes
  const firstPaint = early !== undefined ? Promise.resolve(early !== null) : snapshot.then(show)

  // The page's libp2p node, noise and yamux run in a worker of their own (feed-port.ts),
  // started after the first paint: loading and evaluating them, and the handshake's key, would
  // hold the browser's one core before it
  async function connect (): Promise<void> {
    if (await firstPaint) await afterPaint()
    const stored = storage()
    const worker = new Worker(new URL('./feed-worker.ts', import.meta.url), { type: 'module', name: 'devnet-dashboard feed' })
    // a worker whose code does not load (the relay restarted with a new build while this page
    // loaded: its file names changed) or does not run: the page reloads to get the new one.
    // An error once it runs (it has spoken) is the browser's to log, and the feed goes on.
    let running = false
    worker.addEventListener('message', () => { running = true }, { once: true })
    worker.addEventListener('error', event => {
      if (running) return
      event.preventDefault()
      const detail = typeof event.message === 'string' && event.message !== '' ? event.message : 'it did not load'
      store.setConnection({ state: 'lost', retryAt: Date.now() + RELOAD_AFTER_MS, reason: `could not run the page's connection code: ${detail}` })
      worker.terminate()
      setTimeout(() => { window.location.reload() }, RELOAD_AFTER_MS)
    })
    connectFeedPort(worker, {
      sink: store,
      start: {
        relay: params.relay,
        relayJsonUrl: new URL('relay.json', window.location.href).toString(),
        pageHostname: window.location.hostname,
        identity: stored?.getItem(IDENTITY_KEY) ?? null,
        debug: stored?.getItem('debug') ?? null
      },
      saveIdentity: value => {
        try {
          stored?.setItem(IDENTITY_KEY, value)
        } catch {
          // storage full or refused (private mode): this page load keeps an ephemeral identity
        }
      },
      onVersionMismatch: relayVersion => {
        if (sessionStorage.getItem(RELOAD_KEY) === String(relayVersion)) return
        sessionStorage.setItem(RELOAD_KEY, String(relayVersion))
        window.location.reload()
      },
      onVersionMatch: () => { sessionStorage.removeItem(RELOAD_KEY) },
      mark: markOnce
    })
  }

  void connect()
}

/**
 * The chart's window reaches back through the relay's record: once the first snapshot is in,
 * the window's heights the feed did not give (a relay restart, a page just opened on a long
 * window) go behind each node's line.
 */
function reachBack (): void {
  if (base === null) return
  const unsubscribe = store.subscribe(() => {
    const view = store.getSnapshot()
    if (!view.synced) return
    unsubscribe()
    const to = view.now
    record
      .then(async ({ fetchHistory, WINDOW_POINTS }) => await fetchHistory(base, { from: to - params.windowMs, to, points: WINDOW_POINTS }))
      // merged in a task of its own, not the one that read the last lines: together they
      // made a long task (bench: the render row)
      .then(async window => { await new Promise(resolve => { setTimeout(resolve, 0) }); return window })
      .then(({ header, series }) => { store.mergePast(header, series) })
      .catch(() => { /* a relay without a record: the feed's own histories are what there is */ })
  })
}
