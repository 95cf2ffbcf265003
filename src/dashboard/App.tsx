import { useEffect, useLayoutEffect, useMemo, useRef, useSyncExternalStore } from 'react'
import type { DashboardStore } from '../store/store.ts'
import { HeightChart } from './HeightChart.tsx'
import { NodeTable } from './NodeTable.tsx'
import { rootRem } from './root-rem.ts'
import { CLIENT_COLUMN_EM, tableShare } from './table-layout.ts'
import { useElementSize } from './useElementSize.ts'
import { ConnectionBadge, SummaryBar } from './SummaryBar.tsx'
import { THEMES, themeVariables } from './theme.ts'
import type { DashboardParams } from './url-params.ts'
import { formatClock, formatDuration, shortPeerId } from './format.ts'

// "seconds ago", countdowns and the chart window move once a second
const TICK_MS = 1000

export interface AppProps {
  /** fed by the feed connection that main.tsx starts */
  store: DashboardStore
  params: DashboardParams
}

export function App ({ store, params }: AppProps) {
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot)
  // a live feed that has gone quiet for longer than a working one does (a frozen relay, before
  // the watchdog gives up on it)
  const quietMs = view.connection.state === 'live' && !view.current && view.heardAt !== null
    ? view.localNow + view.clockOffsetMs - view.heardAt
    : null
  // what the page shows is from then: said plainly, outside the greyed part, once
  const lastKnown = view.current || view.heardAt === null ? null : view.heardAt - view.clockOffsetMs
  const theme = THEMES[params.theme]
  const main = useRef<HTMLElement>(null)
  const mainSize = useElementSize(main)
  // the client column, while any node says its client (watched nodes; go-filecoin does not)
  const showClient = useMemo(() => view.nodes.some(node => node.node.client !== null), [view.nodes])
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
    <div className={view.current ? 'app' : 'app not-live'} data-live={view.current} data-heard-at={view.heardAt ?? undefined}>
      <header className='topbar'>
        <h1>Devnet{view.relayPeerId !== null && <span className='relay-id'> · relay {shortPeerId(view.relayPeerId)}</span>}</h1>
        {params.filter !== '' && <span className='note'>filter: “{params.filter}”</span>}
        {params.problems.map(problem => <span key={problem} className='note warn'>{problem}</span>)}
        {lastKnown !== null && (
          <span className='as-of-note' data-testid='as-of'>
            Last known {formatClock(lastKnown)}{view.localNow - lastKnown >= 1000 ? ` · ${formatDuration(view.localNow - lastKnown)} ago` : ''}
          </span>
        )}
        <ConnectionBadge connection={view.connection} localNow={view.localNow} quietMs={quietMs} />
      </header>
      <SummaryBar view={view} />
      <main className='main' ref={main} style={{ gridTemplateRows: `minmax(0, ${1 - share}fr) minmax(0, ${share}fr)` }}>
        <HeightChart view={view} theme={theme} />
        <NodeTable nodes={view.nodes} now={view.now} theme={theme} synced={view.synced} clockOffsetMs={view.current ? null : view.clockOffsetMs} showClient={showClient} />
      </main>
    </div>
  )
}
