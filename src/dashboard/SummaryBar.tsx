import { lazy, memo } from 'react'
import type { ReactNode } from 'react'
import { STALL_BLOCKS } from '../store/constants.ts'
import type { ConnectionState, DashboardView } from '../store/view.ts'
import { clientGroups, clientOf, formatBlockTime, formatClock, formatDuration, formatHeight } from './format.ts'
import { consensusWords } from './fork-words.ts'
import { LazyPart } from './LazyPart.tsx'
import type { NodeView } from '../store/view.ts'

/** The connection to the relay, in words, always on screen. `quietMs`: how long a live feed
 *  has said nothing, once that is longer than a feed that works ever is (null until then). */
export const ConnectionBadge = memo(function ConnectionBadge ({ connection, localNow, quietMs }: { connection: ConnectionState, localNow: number, quietMs: number | null }) {
  switch (connection.state) {
    case 'live':
      if (quietMs !== null) {
        return <div className='conn conn-connecting' data-testid='connection' data-state='quiet'>◌ No word from the relay for {Math.floor(quietMs / 1000)} s</div>
      }
      return <div className='conn conn-live' data-testid='connection' data-state='live'>● Live</div>
    case 'connecting':
      return <div className='conn conn-connecting' data-testid='connection' data-state='connecting'>◌ Connecting to relay…</div>
    case 'lost': {
      const seconds = Math.max(0, Math.ceil((connection.retryAt - localNow) / 1000))
      return (
        <div className='conn conn-lost' data-testid='connection' data-state='lost'>
          ✕ Relay connection lost: {connection.reason}. {seconds > 0 ? `Retrying in ${seconds} s` : 'Retrying now'}
        </div>
      )
    }
    case 'version-mismatch':
      return (
        <div className='conn conn-lost' data-testid='connection' data-state='version-mismatch'>
          ✕ This page speaks feed version {connection.pageVersion}, the relay {connection.relayVersion}: reload did not fix it
        </div>
      )
    case 'frozen':
      return <div className='conn conn-frozen' data-testid='connection' data-state='frozen'>‖ Recorded, not live</div>
  }
})

/**
 * `more`: a second line of detail (who forked; the nodes' clients and versions). Its place is
 * kept when there is none: a fork's line coming and going made the summary taller and shorter,
 * and the chart and the table below jumped with it (and the chart, resized, drew anew) as a
 * fork opened and closed, the moment a wall is looked at (bench: the render row).
 */
function Tile ({ label, value, detail, more = null, alarm = false, testId }: { label: string, value: ReactNode, detail: ReactNode, more?: string | null, alarm?: boolean, testId: string }) {
  return (
    <section className={alarm ? 'tile tile-alarm' : 'tile'} data-testid={testId}>
      <div className='tile-label'>{label}</div>
      <div className='tile-value big'>{value}</div>
      <div className='tile-detail'>{detail}</div>
      {more !== null
        ? <div className='tile-detail' data-testid={`${testId}-more`}>{more}</div>
        : <div className='tile-detail-space' aria-hidden='true'>{'\u00a0'}</div>}
    </section>
  )
}

// Loaded after the first paint (bench: the bundle row): its figures come from the relay's fork
// monitor over the feed, whose code loads after it too. Its place holds the tile's empty face
const PropagationTile = lazy(async () => ({ default: (await import('./PropagationTile.tsx')).PropagationTile }))

/** The propagation tile before its code is in: its label, no figure, the same size. */
function PropagationPlaceholder () {
  return (
    <section className='tile tile-prop'>
      <div className='tile-label'>Propagation</div>
      <div className='prop-row'><div className='tile-value big'>–</div><div className='prop-chart' /></div>
      <div className='tile-detail'>measured on new best heads</div>
    </section>
  )
}

/** clientGroups of these nodes' clients; '' without a list when none says its client (go-filecoin
 *  senders), as clientGroups would say: a thousand nulls gathered on every update were garbage. */
function clientsOf (views: readonly NodeView[], include: (view: NodeView) => boolean): string {
  if (!views.some(view => view.node.client !== null && include(view))) return ''
  return clientGroups(views.filter(include).map(view => clientOf(view.node)))
}

/** The relay time `at` as the page's time of day. */
function clockOf (view: DashboardView, at: number): string {
  return formatClock(at - view.clockOffsetMs)
}

/** Memoised on the view: the page's own re-renders (its parts measuring themselves as it
 *  mounts) do not go over every node again for the tiles. */
export const SummaryBar = memo(function SummaryBar ({ view, watched }: { view: DashboardView, watched: (view: NodeView) => boolean }) {
  const { summary } = view
  const offline = summary.known - summary.online - summary.missing
  // Not current (feed lost, a snapshot on its way, a quiet feed): what the tiles hold is what
  // the relay last said, so they say when that was, and nothing counts on from it. An alarm
  // up at that moment keeps its words, but not its red: the red is the banner's, for the
  // page's own trouble, and nobody across the room should read a devnet alarm into it.
  const asOf = view.current || view.heardAt === null ? null : clockOf(view, view.heardAt)
  // whole seconds, as the fork panel counts, so the two ages on screen never differ by one
  const consensus = consensusWords(summary, view.network.panel, Math.floor(view.now / 1000) * 1000)
  // the online nodes grouped by client and version (none when no node says its client:
  // go-filecoin senders' tiles keep one line)
  const onlineClients = clientsOf(view.nodes, node => node.node.connected && node.status !== 'other-network')
  const rise = asOf === null || summary.stalled
    ? (summary.sinceRiseMs === null ? '–' : formatDuration(summary.sinceRiseMs))
    : summary.bestHeight < 0 ? '–' : clockOf(view, summary.roseAt)
  return (
    <div className='summary'>
      <Tile
        label='Nodes online'
        testId='summary-online'
        value={summary.online}
        detail={`of ${summary.known} known${offline > 0 ? `, ${offline} offline` : ''}${summary.missing > 0 ? `, ${summary.missing} missing` : ''}${summary.otherNetwork > 0 ? ` · +${summary.otherNetwork} other net` : ''}`}
        more={onlineClients === '' ? null : onlineClients}
      />
      <Tile
        label='Best height'
        testId='summary-best'
        value={formatHeight(summary.bestHeight)}
        detail={asOf === null ? `block time ${formatBlockTime(summary.blockTimeMs)}` : `last known, at ${asOf}`}
      />
      <Tile
        label={summary.stalled ? 'Chain stalled' : asOf === null ? 'Since last block' : 'Last block'}
        alarm={summary.stalled && asOf === null}
        testId='summary-rise'
        value={rise}
        detail={summary.stalled
          ? `no block in ${STALL_BLOCKS}× block time${asOf === null ? '' : `, at ${asOf}`}`
          : asOf === null ? 'best height rose' : `block time ${formatBlockTime(summary.blockTimeMs)}`}
      />
      <Tile
        label={consensus.label}
        alarm={summary.forked && asOf === null}
        testId='summary-consensus'
        value={consensus.value}
        detail={consensus.detail}
        more={consensus.more ?? null}
      />
      <LazyPart placeholder={<PropagationPlaceholder />}>
        <PropagationTile histogram={view.network.panel?.propagation ?? null} nodes={view.nodes} watched={watched} />
      </LazyPart>
    </div>
  )
})
