import { lazy, startTransition, use, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import type { ComponentProps } from 'react'
import type { DashboardStore } from '../store/store.ts'
import type { DashboardView } from '../store/view.ts'
import { NodeTable } from './NodeTable.tsx'
import { rootRem } from './root-rem.ts'
import { CLIENT_COLUMN_EM, tableShare } from './table-layout.ts'
import { useElementSize } from './useElementSize.ts'
import { ConnectionBadge, SummaryBar } from './SummaryBar.tsx'
import { LazyPart } from './LazyPart.tsx'
import { laterLogger } from './later-logger.ts'
import type { NodeView } from '../store/view.ts'
import type { NetworkChoice } from '../store/forks-view.ts'
import { ABANDONED } from '../protocol/forks.ts'
import { THEMES, themeVariables } from './theme.ts'
import type { DashboardParams } from './url-params.ts'
import { clientOf, formatClock, formatDuration, shortPeerId } from './format.ts'
import type { TimeTravelBanner } from './TimeTravelBanner.tsx'
import type { EventLog } from './event-log.ts'
import type { TimeTravel } from './time-travel.ts'

// "seconds ago", countdowns and the chart window move once a second
const TICK_MS = 1000
// The fork panel's share of the screen's height while it shows branches
const FORK_PANEL_VH = 27
// and it stays open this long after it last had branches to draw (a live page): forks on a
// devnet come in bursts, and a panel that opened and closed with each one moved the chart and
// the table every time, a full layout of the page (bench: the render row's long tasks)
const PANEL_HOLD_MS = 60_000

// Loaded after the first paint (bench: the bundle row): the fork panel's data only ever comes
// over the feed, whose code loads after it too, and the event list's from a request made after
// it. Each holds its place meanwhile (LazyPart), so nothing moves when it arrives
const ForkPanel = lazy(async () => ({ default: (await import('./ForkPanel.tsx')).ForkPanel }))
const EventList = lazy(async () => ({ default: (await import('./EventList.tsx')).EventList }))

// The chart's code (d3's scales and what they bring, the rasteriser: ~9 kB gzip) is asked for
// as this module runs, beside the first paint's, which a live wall's table and summary alone
// need (bench: the bundle and first data rows); index.html preloads it for a recorded moment.
// Its data comes later than it, so the chart is in the first render that has lines to draw;
// until it is in, and if it never comes, its box holds its place.
const log = laterLogger('devnet:dashboard')
let chartModule: typeof import('./HeightChart.tsx') | null = null
// null when it could not be loaded (a chunk gone after the relay restarted with a new build):
// said once, here, and never an unhandled rejection
const chartCode = import('./HeightChart.tsx').then(
  module => { chartModule = module; return module },
  (err: unknown) => { log.error('the chart\'s code did not load - %e', err); return null }
)

/** The chart's code, as soon as it is in. */
function useChartCode (): typeof import('./HeightChart.tsx') | null {
  const [code, setCode] = useState(chartModule)
  useEffect(() => {
    if (code === null) void chartCode.then(module => { if (module !== null) setCode(module) })
  }, [code])
  return code
}

/**
 * The store's view, each new one rendered as a transition: React renders it in slices of a few
 * ms and lets the browser run between them, where useSyncExternalStore renders every update in
 * one task (the render row: a thousand nodes' update, ~25 ms of rendering in one task, became a
 * long task whenever a garbage collection landed in it). A view is an immutable snapshot, so a
 * render spread over slices still shows one moment of the devnet; a newer view started meanwhile
 * restarts it with the newer one, and React renders one held back for seconds in one go.
 */
function useStoreView (store: DashboardStore): DashboardView {
  const [view, setView] = useState(store.getSnapshot)
  useEffect(() => {
    const update = (): void => { startTransition(() => { setView(store.getSnapshot()) }) }
    const unsubscribe = store.subscribe(update)
    // a view that came between the first render and the subscription
    update()
    return unsubscribe
  }, [store])
  return view
}

/** The event list, once its log (loaded with it, main.tsx) is there. */
function EventPanel ({ log, ...props }: Omit<ComponentProps<typeof EventList>, 'log'> & { log: Promise<EventLog> }) {
  return <EventList log={use(log)} {...props} />
}

/** The fork panel's state line alone, as the panel shows it compact: in its place until its code is in. */
function ForkPanelLine ({ text }: { text: string }) {
  return (
    <section className='fork-panel fp-none'>
      <header className='fp-title'><span className='fp-label'>Branches</span><span className='fp-state'>{text}</span></header>
    </section>
  )
}

/** A node that beats on every new head (a watcher's), so its propagation is the network's. */
function watched (view: NodeView): boolean {
  return clientOf(view.node) !== null
}

/** The network shown, in words, when there is more than one or the URL picked it. */
function networkNote (network: NetworkChoice): string | null {
  const short = (genesis: string | null): string => genesis === null ? 'no genesis' : `…${genesis.slice(-8)}`
  const parts: string[] = []
  if (network.unmatched !== null) parts.push(`?genesis=${network.unmatched} matches no network here: showing the largest`)
  if (network.byUrl || network.others.length > 0) parts.push(`network ${short(network.genesis)}`)
  if (network.others.length > 0) {
    const count = network.others.reduce((sum, other) => sum + other.nodes, 0)
    parts.push(`${count} node${count === 1 ? '' : 's'} on another network (${network.others.map(other => short(other.genesis)).join(', ')}): ?genesis= shows one`)
  }
  return parts.length === 0 ? null : parts.join(' · ')
}

export interface AppProps {
  /** fed by the feed connection that main.tsx starts */
  store: DashboardStore
  params: DashboardParams
  /** the devnet's events (the relay's record); its code loads after the first paint */
  events: Promise<EventLog>
  /** time travel (?at=): the moment shown and how to step; null: live */
  travel?: TimeTravel | null
  /** its banner, loaded with it (main.tsx): a live page's first paint goes without it */
  banner?: typeof TimeTravelBanner
  /** what /relay.json says when the relay is a replay of a record (null: a live relay) */
  replay?: Promise<ReplayInfo | null>
}

export interface ReplayInfo { from: number, to: number, speed: number }

/** This page's URL without ?at=: the way back to live. */
function liveUrl (): string {
  const url = new URL(window.location.href)
  url.searchParams.delete('at')
  return url.toString()
}

export function App ({ store, params, events, travel = null, banner: Banner, replay }: AppProps) {
  const view = useStoreView(store)
  const [replaying, setReplaying] = useState<ReplayInfo | null>(null)
  useEffect(() => { void replay?.then(setReplaying) }, [replay])
  const frozen = view.connection.state === 'frozen' ? view.connection : null
  // a live feed that has gone quiet for longer than a working one does (a frozen relay, before
  // the watchdog gives up on it)
  const quietMs = view.connection.state === 'live' && !view.current && view.heardAt !== null
    ? view.localNow + view.clockOffsetMs - view.heardAt
    : null
  // what the page shows is from then: said plainly, outside the greyed part, once
  const lastKnown = view.current || view.heardAt === null || frozen !== null ? null : view.heardAt - view.clockOffsetMs
  const theme = THEMES[params.theme]
  const note = networkNote(view.network)
  const absent = frozen !== null
    ? view.network.heard ? 'the record has no branches for this moment' : 'rebuilding this moment\'s branches from the record'
    : view.network.heard ? 'the relay does not track this network\'s branches (it tracks the largest few)' : 'waiting for the relay\'s fork monitor'
  const banner = frozen !== null || replaying !== null
  const main = useRef<HTMLElement>(null)
  const mainSize = useElementSize(main)
  const chart = useChartCode()
  // the client column, while any node says its client (watched nodes; go-filecoin does not)
  const showClient = useMemo(() => view.nodes.some(node => node.node.client !== null), [view.nodes])
  // one chain, nothing differing, no round seen in part and none left behind in the heights
  // shown: the panel is its one line of state, and its height goes to the table and the chart;
  // it opens the moment heads differ, and stays open while such rounds are in view (and, live,
  // PANEL_HOLD_MS after)
  // no panel yet (the feed's fork monitor not heard, a recorded moment's branches still being
  // rebuilt) is laid out as one chain: most of the time it is, and a wall laid out for a panel
  // that then shrank to a line re-laid and re-drew its chart and table a second time
  const panel = view.network.panel
  const oneChain = panel === null || (panel.fork === null && panel.divergingSince === null && panel.branches.length <= 1 &&
    panel.columns.every(column => column.rounds.every(round => round.branch !== ABANDONED && round.views <= 1)))
  // when the panel last had branches to draw, on a live page (local ms): set once a render with
  // them is on screen, read by the renders after
  const branchesDrawnAt = useRef<number | null>(null)
  const held = frozen === null && branchesDrawnAt.current !== null && view.localNow - branchesDrawnAt.current < PANEL_HOLD_MS
  const compact = oneChain && !(held && panel !== null)
  useEffect(() => {
    if (!oneChain && frozen === null) branchesDrawnAt.current = view.localNow
  })
  const share = mainSize.height > 0 ? tableShare(view.nodes.length, mainSize.width, mainSize.height, rootRem(), showClient ? CLIENT_COLUMN_EM : 0) : 0.5

  useLayoutEffect(() => {
    const root = document.documentElement
    root.dataset.theme = params.theme
    for (const [name, value] of Object.entries(themeVariables(theme))) root.style.setProperty(name, value)
  }, [params.theme, theme])

  useEffect(() => {
    const timer = setInterval(store.tick, TICK_MS)
    return () => { clearInterval(timer) }
  }, [store])

  return (
    // while the picture is not current (feed down, a new snapshot coming, a quiet feed) what is
    // shown is the last known state, not the devnet now: it is greyed so nobody across the
    // room reads it as live, and says when it is from
    // time travel is not greyed: the banner says it is a recorded moment, and it is read as one
    <div
      className={frozen !== null ? 'app recorded' : view.current ? 'app' : 'app not-live'} data-live={view.current} data-heard-at={view.heardAt ?? undefined}
      style={{ gridTemplateRows: `auto ${banner ? 'auto ' : ''}auto ${compact ? 'auto' : `minmax(0, ${FORK_PANEL_VH}vh)`} minmax(0, 1fr)` }}
    >
      <header className='topbar'>
        <h1>Devnet{view.relayPeerId !== null && <span className='relay-id'> · relay {shortPeerId(view.relayPeerId)}</span>}</h1>
        {params.filter !== '' && <span className='note'>filter: “{params.filter}”</span>}
        {params.problems.map(problem => <span key={problem} className='note warn'>{problem}</span>)}
        {note !== null && <span className={view.network.others.length > 0 ? 'note network warn' : 'note network'} data-testid='network-note'>{note}</span>}
        {lastKnown !== null && (
          <span className='as-of-note' data-testid='as-of'>
            Last known {formatClock(lastKnown)}{view.localNow - lastKnown >= 1000 ? ` · ${formatDuration(view.localNow - lastKnown)} ago` : ''}
          </span>
        )}
        <ConnectionBadge connection={view.connection} localNow={view.localNow} quietMs={quietMs} />
      </header>
      {replaying !== null && (
        // a replay looks live (it is meant to): said so as plainly as time travel
        <div className='time-travel replay' data-testid='replay' role='status'>
          <div className='time-travel-what'>
            <span className='time-travel-badge'>REPLAY</span>
            <span>The record of {formatClock(replaying.from)} to {formatClock(replaying.to)}, played at {replaying.speed}×</span>
            <span className='time-travel-ago'>the devnet as it was, not live</span>
          </div>
        </div>
      )}
      {frozen !== null && travel !== null && Banner !== undefined && (
        <Banner
          travel={travel} at={frozen.at} loading={frozen.loading} error={frozen.error} gap={frozen.gap}
          stepMs={Math.max(5_000, Math.round(params.windowMs / 10))} liveUrl={liveUrl()} localNow={view.localNow}
        />
      )}
      <SummaryBar view={view} watched={watched} />
      {/* the fork panel: the live fork monitor's (a replay's monitor follows the replayed
          heads), or a recorded moment's as the relay rebuilds it from the record */}
      <LazyPart placeholder={<ForkPanelLine text={absent} />}>
        <ForkPanel panel={view.network.panel} absent={absent} entries={view.entries} byIndex={view.byIndex} nowSecond={Math.floor(view.now / 1000)} clientOf={clientOf} compact={compact} />
      </LazyPart>
      {/* the event list beside the chart, the table under both at the full width: a wall's
          fifty rows need the width for two columns of readable type */}
      <main className={params.events ? 'main with-events' : 'main'} ref={main} style={{ gridTemplateRows: `minmax(0, ${1 - share}fr) minmax(0, ${share}fr)` }}>
        {/* the chart and the table come in once the area they share is measured: laid out at
            a guessed split first, each measured, drew and laid out its rows twice */}
        {mainSize.height > 0 && (chart === null ? <div className='chart-box' /> : <chart.HeightChart view={view} theme={theme} />)}
        {/* a recorded moment or a replay shows its events at the recorded times, not as the page's clock has them */}
        {mainSize.height > 0 && params.events && (
          <LazyPart placeholder={<aside className='events' aria-label='Events' />}>
            <EventPanel log={events} nodes={view.nodes} clockOffsetMs={frozen !== null || replaying !== null ? 0 : view.clockOffsetMs} />
          </LazyPart>
        )}
        {mainSize.height > 0 && <NodeTable nodes={view.nodes} now={view.now} theme={theme} synced={view.synced} clockOffsetMs={view.current ? null : view.clockOffsetMs} showClient={showClient} />}
      </main>
    </div>
  )
}
