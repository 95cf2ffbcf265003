import { memo } from 'react'
import type { ReactNode } from 'react'
import { STALL_BLOCKS } from '../store/constants.ts'
import type { ConnectionState, DashboardView, Summary } from '../store/view.ts'
import { formatBlockTime, formatDuration, formatHeight } from './format.ts'

/** The connection to the relay, in words, always on screen. */
export const ConnectionBadge = memo(function ConnectionBadge ({ connection, localNow }: { connection: ConnectionState, localNow: number }) {
  switch (connection.state) {
    case 'live':
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
  }
})

function Tile ({ label, value, detail, alarm = false, testId }: { label: string, value: ReactNode, detail: ReactNode, alarm?: boolean, testId: string }) {
  return (
    <section className={alarm ? 'tile tile-alarm' : 'tile'} data-testid={testId}>
      <div className='tile-label'>{label}</div>
      <div className='tile-value big'>{value}</div>
      <div className='tile-detail'>{detail}</div>
    </section>
  )
}

function disputeText (summary: Summary): string {
  const names = summary.inDispute.map(view => view.node.nickname === '' ? `…${view.node.peerId.slice(-6)}` : view.node.nickname)
  const shown = names.slice(0, 5).join(', ')
  return names.length > 5 ? `${shown} +${names.length - 5}` : shown
}

export function SummaryBar ({ view }: { view: DashboardView }) {
  const { summary } = view
  const split = summary.distinctHeads > 1
  const offline = summary.known - summary.online
  return (
    <div className='summary'>
      <Tile
        label='Nodes online'
        testId='summary-online'
        value={summary.online}
        detail={`of ${summary.known} known${offline > 0 ? `, ${offline} offline` : ''}`}
      />
      <Tile
        label='Best height'
        testId='summary-best'
        value={formatHeight(summary.bestHeight)}
        detail={`block time ${formatBlockTime(summary.blockTimeMs)}`}
      />
      <Tile
        label={summary.stalled ? 'Chain stalled' : 'Since last block'}
        alarm={summary.stalled}
        testId='summary-rise'
        value={summary.sinceRiseMs === null ? '–' : formatDuration(summary.sinceRiseMs)}
        detail={summary.stalled ? `no block in ${STALL_BLOCKS}× block time` : 'best height rose'}
      />
      <Tile
        label={summary.forked ? 'Fork at best height' : 'Consensus'}
        alarm={summary.forked}
        testId='summary-consensus'
        value={summary.distinctHeads === 0 ? '–' : split ? `${summary.distinctHeads} heads` : '1 head'}
        detail={summary.distinctHeads === 0
          ? 'no node online'
          : split
            ? `largest group ${summary.largestGroup} · in dispute: ${disputeText(summary)}`
            : summary.forked
              ? 'the branches differed within the last block'
              : `all ${summary.largestGroup} at best height agree`}
      />
    </div>
  )
}
