// Where the fork panel's boxes go: the last heights as columns (newest at the right), each
// branch as a lane (the largest on top, with the rounds before the split), the rounds its
// nodes left in a dim lane below, and a line from each round to the one it follows. Pure, so
// it is tested in Node; sizes in CSS pixels, from rem, so 4K lays out as 1080p does.
import { ABANDONED, PANEL_HEIGHTS, TRUNK } from '../protocol/forks.ts'
import type { NetworkPanel, PanelRound } from '../protocol/forks.ts'
import { offLargest } from '../store/forks-view.ts'
import { formatDuration, formatHeight } from './format.ts'
import { FORK_ENDING } from './fork-words.ts'

// Lanes for live branches: a wall shows the largest and two others; more are counted
export const MAX_BRANCH_LANES = 3
// In rem: the lane labels' gutter, the heights' header row, the gaps between boxes
const GUTTER_REM = 10
const HEADER_REM = 1.7
const GAP_REM = 0.5

export type Tone = 'calm' | 'loud' | 'diverging' | 'abandoned'

export interface LaidBox {
  readonly round: PanelRound
  readonly x: number
  readonly y: number
  readonly w: number
  readonly h: number
  readonly tone: Tone
  /** more rounds in its lane at its height, not drawn */
  readonly hidden: number
}

export interface LaidLink {
  readonly x1: number
  readonly y1: number
  readonly x2: number
  readonly y2: number
  readonly tone: Tone
}

export interface LaidLane {
  /** index into the panel's branches; null for the abandoned lane */
  readonly branch: number | null
  readonly y: number
  readonly h: number
  readonly tone: Tone
}

export interface ForkPanelLayout {
  readonly gutter: number
  readonly header: number
  readonly columns: ReadonlyArray<{ readonly height: number, readonly x: number, readonly w: number }>
  readonly lanes: readonly LaidLane[]
  readonly boxes: readonly LaidBox[]
  readonly links: readonly LaidLink[]
  /** live branches past MAX_BRANCH_LANES, not drawn */
  readonly moreBranches: number
}

/** A branch's tone: the largest is calm; others are loud when the relay counts them in the
 *  open fork, amber while they only differ (not yet, or never, a fork), and calm when the
 *  relay does not count them as differing at all (a node catching up from far behind). */
export function branchTone (panel: NetworkPanel, branch: number): Tone {
  if (branch <= 0) return 'calm'
  const it = panel.branches[branch]
  if (panel.fork !== null && it?.forked === true) return 'loud'
  return it?.since === null ? 'calm' : 'diverging'
}

/** The panel's state line: the relay's open fork, heads that differ (not yet a fork), or one
 *  chain. An open fork with nobody off the largest branch (the block time the relay waits
 *  before it closes one) says so, in the words the consensus tile uses (fork-words.ts). */
export function panelState (panel: NetworkPanel | null, now: number, absent: string): { tone: Tone | 'none', text: string } {
  if (panel === null) return { tone: 'none', text: absent }
  const fork = panel.fork
  if (fork !== null) {
    const split = fork.splitHeight === null ? '' : ` · split after ${formatHeight(fork.splitHeight)}`
    const state = offLargest(panel) === 0 ? `ending: ${FORK_ENDING}` : `${fork.sides} branches${split}`
    return { tone: 'loud', text: `FORK #${fork.id} · ${state} · ${fork.depth} deep · for ${formatDuration(Math.max(0, now - fork.startedAt))}` }
  }
  if (panel.branches.length > 1 && panel.divergingSince !== null) {
    return { tone: 'diverging', text: `${panel.branches.length} heads for ${formatDuration(Math.max(0, now - panel.divergingSince))}: propagating, a fork if it lasts a block time` }
  }
  const nodes = panel.branches[0]?.nodes ?? 0
  // no node beating (all gone, a moment the relay was down): no chain to speak of
  if (nodes === 0) return { tone: 'none', text: 'No node is beating' }
  return { tone: 'calm', text: `One chain · ${nodes} node${nodes === 1 ? '' : 's'} on it` }
}

/** A lane's name: the largest branch, a node catching up from far behind (below the largest,
 *  and not counted as differing by the relay), another branch by letter, or the rounds left. */
export function laneName (panel: NetworkPanel, branch: number | null): string {
  if (branch === null) return 'Left behind'
  if (branch === 0) return 'Largest'
  const it = panel.branches[branch]
  const top = panel.branches[0]?.height ?? 0
  if (it !== undefined && branchTone(panel, branch) === 'calm' && it.height < top) return 'Catching up'
  return `Branch ${String.fromCharCode(65 + branch)}`
}

export function forkPanelLayout (panel: NetworkPanel, width: number, height: number, rem: number): ForkPanelLayout {
  const gutter = Math.min(GUTTER_REM * rem, width / 4)
  const header = HEADER_REM * rem
  const gap = GAP_REM * rem
  const live = Math.min(MAX_BRANCH_LANES, Math.max(1, panel.branches.length))
  const abandoned = panel.columns.some(column => column.rounds.some(round => round.branch === ABANDONED))
  const laneCount = live + (abandoned ? 1 : 0)
  const laneH = Math.max(0, (height - header) / laneCount)
  const lanes: LaidLane[] = []
  for (let k = 0; k < live; k++) lanes.push({ branch: k, y: header + k * laneH, h: laneH, tone: branchTone(panel, k) })
  if (abandoned) lanes.push({ branch: null, y: header + live * laneH, h: laneH, tone: 'abandoned' })

  // a fixed number of slots, so boxes keep their size while a devnet's first heights come in
  const slotW = Math.max(0, (width - gutter) / PANEL_HEIGHTS)
  const offset = PANEL_HEIGHTS - panel.columns.length
  const columns = panel.columns.map((column, k) => ({ height: column.height, x: gutter + (offset + k) * slotW, w: slotW }))

  const boxes: LaidBox[] = []
  const byRound = new Map<number, LaidBox>()
  panel.columns.forEach((column, k) => {
    const x = gutter + (offset + k) * slotW + gap / 2
    // one box per lane and height: the most seen round (rounds come most seen first)
    const perLane = new Map<number, PanelRound[]>()
    for (const round of column.rounds) {
      const lane = round.branch === TRUNK ? 0 : round.branch === ABANDONED ? (abandoned ? live : -1) : round.branch
      if (lane < 0 || lane >= laneCount) continue
      const list = perLane.get(lane)
      if (list === undefined) perLane.set(lane, [round])
      else list.push(round)
    }
    for (const [lane, rounds] of perLane) {
      const round = rounds[0]
      const laid = lanes[lane]
      if (round === undefined || laid === undefined) continue
      const tone: Tone = round.branch === ABANDONED ? 'abandoned' : round.branch === TRUNK ? 'calm' : branchTone(panel, round.branch)
      const box: LaidBox = { round, x, y: laid.y + gap / 2, w: Math.max(0, slotW - gap), h: Math.max(0, laid.h - gap), tone, hidden: rounds.length - 1 }
      boxes.push(box)
      byRound.set(round.id, box)
    }
  })

  const links: LaidLink[] = []
  for (const box of boxes) {
    const parent = box.round.parent === null ? undefined : byRound.get(box.round.parent)
    if (parent === undefined) continue
    links.push({
      x1: parent.x + parent.w,
      y1: parent.y + Math.min(parent.h / 2, 1.2 * rem),
      x2: box.x,
      y2: box.y + Math.min(box.h / 2, 1.2 * rem),
      tone: box.tone === 'calm' ? parent.tone : box.tone
    })
  }
  return { gutter, header, columns, lanes, boxes, links, moreBranches: Math.max(0, panel.branches.length - MAX_BRANCH_LANES) }
}

/**
 * Which names a box lists, one a line, in `rows` lines: all when they fit; otherwise the
 * first ones and, on the last line, how many more ("+N"), beside a name when there is only
 * one line.
 */
export function fitNames (names: readonly string[], rows: number): { shown: string[], more: number } {
  if (rows <= 0) return { shown: [], more: names.length }
  if (names.length <= rows) return { shown: [...names], more: 0 }
  const shown = names.slice(0, Math.max(1, rows - 1))
  return { shown, more: names.length - shown.length }
}
