import { memo, useMemo, useRef } from 'react'
import type { NetworkPanel } from '../protocol/forks.ts'
import type { NodeEntry } from '../store/feed-state.ts'
import { fitNames, forkPanelLayout, laneName, panelState } from './fork-panel-layout.ts'
import type { LaidBox, LaidLane } from './fork-panel-layout.ts'
import { clientGroups, formatHeight, nodeName, shortHead } from './format.ts'
import { rootRem } from './root-rem.ts'
import { useElementSize } from './useElementSize.ts'

// the box's first line (head and count) and a line of partial views, in rem; a name's line
const BOX_HEAD_REM = 1.8
const PARTIAL_REM = 1.3
const NAME_LINE_REM = 1.35

export interface ForkPanelProps {
  panel: NetworkPanel | null
  /** why there is no panel, when there is none */
  absent: string
  entries: ReadonlyMap<string, NodeEntry>
  byIndex: ReadonlyMap<number, string>
  /** relay clock, whole seconds: the panel's ages move once a second, not per frame */
  nowSecond: number
  /** client and version per node, for the lanes' groups (null: not known) */
  clientOf: (node: NodeEntry) => string | null
  /** one chain and nothing to draw: only the state line (its words say the rest) */
  compact?: boolean
}

/** A node's name on the wall, '?' for one the page does not know. */
function nameOf (node: NodeEntry | undefined): string {
  return node === undefined ? '?' : nodeName(node)
}

/**
 * The fork panel: the last heights as columns, a box per round with the nodes on it (names,
 * "+N" where they do not fit), each branch a lane with lines to where it split; the largest
 * calm, others loud. Built for a wall: sizes in rem, state in words as well as colour.
 */
export const ForkPanel = memo(function ForkPanel ({ panel, absent, entries, byIndex, nowSecond, clientOf, compact = false }: ForkPanelProps) {
  const box = useRef<HTMLDivElement>(null)
  const { width, height } = useElementSize(box)
  const rem = width > 0 ? rootRem() : 16
  const now = nowSecond * 1000
  const state = panelState(panel, now, absent)
  return (
    <section className={`fork-panel fp-${state.tone}`} data-testid='fork-panel' data-fork={panel?.fork != null ? 'open' : 'none'} data-fork-id={panel?.fork?.id} data-branches={panel?.branches.length ?? 0}>
      <header className='fp-title'>
        <span className='fp-label'>Branches</span>
        <span className='fp-state' data-testid='fork-state'>{state.text}</span>
      </header>
      <div className='fp-body' ref={box} hidden={compact}>
        {!compact && panel !== null && width > 0 && height > 0 && <PanelBody panel={panel} width={width} height={height} rem={rem} entries={entries} byIndex={byIndex} clientOf={clientOf} />}
      </div>
    </section>
  )
})

interface BodyProps {
  panel: NetworkPanel
  width: number
  height: number
  rem: number
  entries: ReadonlyMap<string, NodeEntry>
  byIndex: ReadonlyMap<number, string>
  clientOf: (node: NodeEntry) => string | null
}

function PanelBody ({ panel, width, height, rem, entries, byIndex, clientOf }: BodyProps) {
  const layout = useMemo(() => forkPanelLayout(panel, width, height, rem), [panel, width, height, rem])
  const nodeOf = useMemo(() => (i: number): NodeEntry | undefined => {
    const peerId = byIndex.get(i)
    return peerId === undefined ? undefined : entries.get(peerId)
  }, [entries, byIndex])
  // the nodes on each branch, for its lane's client groups
  const onBranch = useMemo(() => {
    const map = new Map<number, NodeEntry[]>()
    for (const column of panel.columns) {
      for (const round of column.rounds) {
        if (round.branch < 0) continue
        const list = map.get(round.branch) ?? []
        for (const i of round.nodes) {
          const node = nodeOf(i)
          if (node !== undefined) list.push(node)
        }
        map.set(round.branch, list)
      }
    }
    return map
  }, [panel, nodeOf])
  return (
    <>
      <svg className='fp-links' width={width} height={height}>
        {layout.links.map(link => {
          const mid = (link.x1 + link.x2) / 2
          return <path key={`${link.x1},${link.y1},${link.x2},${link.y2}`} className={`fp-link tone-${link.tone}`} d={`M${link.x1},${link.y1} C${mid},${link.y1} ${mid},${link.y2} ${link.x2},${link.y2}`} />
        })}
      </svg>
      {layout.columns.map(column => (
        <div key={column.height} className='fp-height' style={{ left: column.x, width: column.w, height: layout.header }}>{formatHeight(column.height)}</div>
      ))}
      {layout.lanes.map((lane, k) => (
        <LaneLabel key={k} lane={lane} panel={panel} width={layout.gutter} nodes={lane.branch === null ? [] : onBranch.get(lane.branch) ?? []} clientOf={clientOf} />
      ))}
      {layout.boxes.map(laid => <RoundBox key={laid.round.id} laid={laid} rem={rem} nodeOf={nodeOf} />)}
      {layout.moreBranches > 0 && <div className='fp-more-branches'>+{layout.moreBranches} more branches</div>}
    </>
  )
}

function LaneLabel ({ lane, panel, width, nodes, clientOf }: { lane: LaidLane, panel: NetworkPanel, width: number, nodes: NodeEntry[], clientOf: (node: NodeEntry) => string | null }) {
  const branch = lane.branch === null ? undefined : panel.branches[lane.branch]
  const name = laneName(panel, lane.branch)
  const clients = clientGroups(nodes.map(clientOf))
  return (
    <div className={`fp-lane tone-${lane.tone}`} style={{ top: lane.y, height: lane.h, width }} data-testid='fork-lane'>
      <div className='fp-lane-name'>{name}</div>
      {branch !== undefined && <div className='fp-lane-count'>{branch.nodes} node{branch.nodes === 1 ? '' : 's'}</div>}
      {lane.branch === null && <div className='fp-lane-count'>former heads</div>}
      {clients !== '' && <div className='fp-lane-clients'>{clients}</div>}
    </div>
  )
}

function RoundBox ({ laid, rem, nodeOf }: { laid: LaidBox, rem: number, nodeOf: (i: number) => NodeEntry | undefined }) {
  const { round } = laid
  const names = round.nodes.map(i => nameOf(nodeOf(i))).sort()
  const partial = round.views > 1
  const room = laid.h - BOX_HEAD_REM * rem - (partial ? PARTIAL_REM * rem : 0)
  const rows = Math.floor(room / (NAME_LINE_REM * rem))
  const fitted = fitNames(names, rows)
  return (
    <div
      className={`fp-box tone-${laid.tone}`}
      style={{ left: laid.x, top: laid.y, width: laid.w, height: laid.h }}
      data-round={round.id}
      data-nodes={round.nodes.length}
      data-tone={laid.tone}
      title={round.head}
    >
      <div className='fp-head'>
        <span className='fp-cid'>{shortHead(round.head, 1).split(' ')[0]}</span>
        {round.nodes.length > 0 && <span className='fp-count'>{round.nodes.length}</span>}
      </div>
      {partial && <div className='fp-partial'>{round.partial > 0 ? `${round.partial} see part of ${round.blocks}` : `${round.blocks} blocks`}</div>}
      {round.nodes.length === 0
        ? rows > 0 && <div className='fp-seen'>{round.seen > 0 ? `seen by ${round.seen}` : ''}</div>
        : <NameChips shown={fitted.shown} more={fitted.more} />}
      {laid.hidden > 0 && <div className='fp-hidden'>+{laid.hidden}</div>}
    </div>
  )
}

function NameChips ({ shown, more }: { shown: string[], more: number }) {
  // one line only: the name and the count share it
  const inline = more > 0 && shown.length === 1
  return (
    <div className='fp-names'>
      {shown.map((name, k) => (
        <div key={k} className='fp-name'>
          {inline ? <><span className='fp-more'>+{more}</span>{name}</> : name}
        </div>
      ))}
      {more > 0 && !inline && <div className='fp-name fp-more'>+{more} more</div>}
    </div>
  )
}
