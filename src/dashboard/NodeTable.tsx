import { memo, useRef } from 'react'
import type { CSSProperties } from 'react'
import type { NodeView } from '../store/view.ts'
import { STATUS_WORDS } from '../store/view.ts'
import { formatClock, formatDuration, formatHeight, formatHeightCell, formatLag, formatSeconds, shortClient, shortHead, shortPeerId } from './format.ts'
import { rootRem } from './root-rem.ts'
import { STATUS_GLYPHS, headColor } from './theme.ts'
import type { Theme } from './theme.ts'
import { CLIENT_COLUMN_EM, tableLayout } from './table-layout.ts'
import { useElementSize } from './useElementSize.ts'

interface RowProps {
  view: NodeView
  /** relay clock, whole seconds, so rows re-render once a second and not per frame */
  nowSecond: number
  /** set while the picture is not current: last beats are the page's time of day (relay time
   *  less this), not ages that would read as "now" */
  clockOffsetMs: number | null
  theme: Theme
  /** the client column is shown (some node has a client: watched nodes) */
  showClient: boolean
}

/** Memoised on the node view, which the store replaces only when that node changed. */
const NodeRow = memo(function NodeRow ({ view, nowSecond, clockOffsetMs, theme, showClient }: RowProps) {
  const { node, status, lag } = view
  // a height that judges nothing has no lag to show
  const noLag = status === 'waiting' || status === 'missing' || status === 'other-network'
  const lastBeat = node.missing
    ? 'never'
    : clockOffsetMs === null
      ? formatDuration(Math.max(0, nowSecond * 1000 - node.lastHeartbeatAt))
      : formatClock(node.lastHeartbeatAt - clockOffsetMs)
  return (
    <tr className={`row status-${status}${view.pinned ? ' pinned' : ''}`} data-peer-id={node.peerId} data-status={status}>
      <td className='c-status'><span className='glyph'>{STATUS_GLYPHS[status]}</span> {STATUS_WORDS[status]}</td>
      <td className='c-nick'>{view.pinned ? '★ ' : ''}{node.nickname === '' ? <span className='muted'>(no nickname)</span> : node.nickname}</td>
      <td className='c-peer'>{shortPeerId(node.peerId)}</td>
      {showClient && <td className='c-client'>{shortClient(node.client, node.clientVersion)}</td>}
      <td className='c-height num' title={node.missing ? undefined : formatHeight(node.height)}>{node.missing ? '–' : formatHeightCell(node.height)}</td>
      <td className='c-lag num' title={noLag || lag === 0 ? undefined : `${formatHeight(lag)} behind`}>{noLag ? '–' : formatLag(lag)}</td>
      <td className='c-head'>
        <span className='chip' style={{ background: headColor(theme, view.headColor) }} />
        {shortHead(node.head, 1)}
      </td>
      <td className='c-miner'>{node.minerAddress ?? <span className='muted'>none</span>}</td>
      <td className='c-prop num'>{view.propagationMs === null ? <span className='muted'>–</span> : formatSeconds(view.propagationMs)}</td>
      <td className='c-beat num'>{lastBeat}</td>
    </tr>
  )
})

/** What the rows from `first` on hold (those that do not fit), so trouble below the fold is
 *  still on screen. */
function hiddenText (nodes: readonly NodeView[], first: number): string {
  const counts = new Map<NodeView['status'], number>()
  for (let k = first; k < nodes.length; k++) {
    const status = nodes[k]?.status
    if (status !== undefined) counts.set(status, (counts.get(status) ?? 0) + 1)
  }
  const parts = (['missing', 'offline', 'stale', 'forked', 'behind', 'syncing', 'waiting', 'in-sync', 'other-network'] as const)
    .filter(status => counts.has(status))
    .map(status => `${counts.get(status) ?? 0} ${STATUS_WORDS[status]}`)
  return `+ ${nodes.length - first} more not shown: ${parts.join(', ')} (narrow with ?filter= or ?pin=)`
}

function Header ({ showClient }: { showClient: boolean }) {
  return (
    <thead>
      <tr>
        <th className='c-status'>Status</th>
        <th className='c-nick'>Node</th>
        <th className='c-peer'>Peer</th>
        {showClient && <th className='c-client'>Client</th>}
        <th className='c-height num'>Height</th>
        <th className='c-lag num'>Lag</th>
        <th className='c-head'>Head</th>
        <th className='c-miner'>Miner</th>
        <th className='c-prop num' title='median time from the first node reporting a new best head to this one'>Prop.</th>
        <th className='c-beat num'>Last beat</th>
      </tr>
    </thead>
  )
}

export function NodeTable ({ nodes, now, theme, synced, clockOffsetMs, showClient }: { nodes: readonly NodeView[], now: number, theme: Theme, synced: boolean, clockOffsetMs: number | null, showClient: boolean }) {
  const box = useRef<HTMLDivElement>(null)
  const { width, height } = useElementSize(box)
  const rem = rootRem()
  const layout = tableLayout(nodes.length, width, height, rem, showClient ? CLIENT_COLUMN_EM : 0)
  const nowSecond = Math.floor(now / 1000)
  const groups: Array<readonly NodeView[]> = []
  for (let c = 0; c < layout.columns; c++) {
    const slice = nodes.slice(c * layout.rowsPerColumn, (c + 1) * layout.rowsPerColumn)
    if (slice.length > 0 || c === 0) groups.push(slice)
  }
  return (
    <div className='table-box' ref={box} style={{ '--row-h': `${layout.rowHeight}px`, '--cell-font': `${layout.fontSize}px` } as CSSProperties} data-testid='node-table'>
      {nodes.length === 0
        ? <div className='empty'>{synced ? 'No nodes have sent a heartbeat yet' : 'Waiting for the relay…'}</div>
        : (
          <div className='table-columns' style={{ gridTemplateColumns: `repeat(${layout.columns}, minmax(0, 1fr))` }}>
            {groups.map((group, c) => (
              <table key={c} className='nodes'>
                <Header showClient={showClient} />
                <tbody>
                  {group.map(view => <NodeRow key={view.node.peerId} view={view} nowSecond={nowSecond} clockOffsetMs={clockOffsetMs} theme={theme} showClient={showClient} />)}
                </tbody>
              </table>
            ))}
          </div>
          )}
      {layout.hidden > 0 && <div className='more'>{hiddenText(nodes, nodes.length - layout.hidden)}</div>}
    </div>
  )
}
