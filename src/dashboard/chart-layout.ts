// Pure helpers of the height chart: which points of a node fall in the window, the height
// domain, and label placement that groups nodes whose labels would collide.
import type { HeightHistory } from '../store/height-history.ts'
import type { NodeView } from '../store/view.ts'
import { nodeName } from './format.ts'

export type Point = [at: number, height: number]

// DejaVu Sans advance widths, in ems: tabular digits, and the comma and space between groups
const DIGIT_EM = 0.64
const SEPARATOR_EM = 0.32

/** How wide a number written as formatHeight writes it is, in ems of its font (upper bound). */
export function numberWidthEm (text: string): number {
  let em = 0
  for (const char of text) em += char >= '0' && char <= '9' ? DIGIT_EM : SEPARATOR_EM
  return em
}

/** Where a node's line ends: now while it beats, its last heartbeat once it is silent. */
export function lineEnd (view: NodeView, now: number): number {
  return view.status === 'in-sync' || view.status === 'forked' || view.status === 'behind' || view.status === 'syncing' ? now : Math.min(now, view.node.lastHeartbeatAt)
}

/**
 * Whether two lists of views draw the same chart: the same nodes in the same order, each with
 * the same entry (its history and height: replaced whenever they change), status and head
 * colour, which are all the chart reads of a view. What else changes in a view (its branch, lag,
 * propagation) is the table's and the fork panel's.
 */
export function sameLines (a: readonly NodeView[], b: readonly NodeView[]): boolean {
  if (a.length !== b.length) return false
  for (let k = 0; k < a.length; k++) {
    const x = a[k] as NodeView
    const y = b[k] as NodeView
    if (x !== y && (x.node !== y.node || x.status !== y.status || x.headColor !== y.headColor)) return false
  }
  return true
}

/** Index of a history's first point drawn from windowStart on: the one in force at windowStart. */
export function windowStartIndex (history: HeightHistory, windowStart: number): number {
  return Math.max(0, history.firstIndexFrom(windowStart) - 1)
}

/** Where point k is drawn along time: moved onto the window's start if older, and a beat
 *  stamped a little after `end` (the relay clock is estimated) still counts, at `end`. */
export function shownAt (history: HeightHistory, k: number, windowStart: number, end: number): number {
  return Math.min(end, Math.max(history.atOf(k), windowStart))
}

/**
 * The step points of a history inside [windowStart, end]: the point in force at the window's
 * start (moved onto it), those inside, and the current height carried to the end.
 */
export function pointsInWindow (history: HeightHistory, windowStart: number, end: number): Point[] {
  const points: Point[] = []
  if (history.size === 0 || end < windowStart) return points
  const first = windowStartIndex(history, windowStart)
  for (let k = first; k < history.size; k++) points.push([shownAt(history, k, windowStart, end), history.heightOf(k)])
  const last = points[points.length - 1]
  if (last !== undefined && last[0] < end) points.push([end, last[1]])
  return points
}

/** A history's points in the window, as windowPoints leaves them: `at[k]` and `height[k]` for
 *  k < n. One object, refilled by every call. */
export interface WindowPoints {
  readonly at: Float64Array
  readonly height: Float64Array
  readonly n: number
}

// what windowPoints copies into: arrays as long as the longest history read (its capacity, so
// they are made once), and the one result object it hands out
const scratch = { at: new Float64Array(0), height: new Float64Array(0), n: 0 }

/**
 * A history's points from the one in force at windowStart on (as windowStartIndex), copied out
 * of its ring into arrays this module reuses: valid until the next call, which refills the same
 * object. A loop over them makes no call per point, which a page just opened runs over a
 * thousand histories before its code is optimised (the chart's extent and raster); and a
 * redraw of a thousand lines makes no object per line.
 */
export function windowPoints (history: HeightHistory, windowStart: number): WindowPoints {
  if (scratch.at.length < history.size) {
    const length = Math.max(history.size, history.capacity)
    scratch.at = new Float64Array(length)
    scratch.height = new Float64Array(length)
  }
  scratch.n = history.copyFrom(windowStartIndex(history, windowStart), scratch.at, scratch.height)
  return scratch
}

export interface ChartExtent {
  /** padded by one height below and above; [0, 1] with nothing to show */
  minHeight: number
  maxHeight: number
  /** the oldest point shown; now when nothing is */
  firstAt: number
}

// what heightRange fills, one for every call
const range = { min: 0, max: 0 }

/**
 * What the window holds: the height range and how far back data goes. The points are those of
 * pointsInWindow, read in place: this runs on every redraw over every node's history (a
 * history whose heights never went down is read at its two ends).
 */
export function chartExtent (nodes: readonly NodeView[], windowStart: number, now: number): ChartExtent {
  let min = Infinity
  let max = -Infinity
  let firstAt = now
  for (const view of nodes) {
    const history = view.node.history
    const end = lineEnd(view, now)
    if (history.size === 0 || end < windowStart) continue
    const first = windowStartIndex(history, windowStart)
    // times only grow along a history, so the first point is the oldest shown
    firstAt = Math.min(firstAt, shownAt(history, first, windowStart, end))
    history.heightRange(first, range)
    if (range.min < min) min = range.min
    if (range.max > max) max = range.max
  }
  if (min === Infinity) return { minHeight: 0, maxHeight: 1, firstAt }
  return { minHeight: Math.max(0, min - 1), maxHeight: max + 1, firstAt }
}

export interface ChartLabel {
  /** px, centre of the text */
  y: number
  text: string
  /** the nodes the label stands for, first one gives it its colour */
  nodes: readonly NodeView[]
}

function nameOf (view: NodeView): string {
  const name = nodeName(view.node)
  // one long nickname must not push the others off the chart
  return name.length > 15 ? `${name.slice(0, 14)}…` : name
}

/** Where a line ends, for layoutLabels. */
export interface LabelEnd {
  view: NodeView
  /** px */
  y: number
  /** ends with different keys are never grouped */
  apart?: string | undefined
}

// -1, 0 or 1, not the difference: a sort's comparator that returns a fraction makes a heap
// number per comparison
function byY (a: LabelEnd, b: LabelEnd): number {
  return a.y < b.y ? -1 : a.y > b.y ? 1 : 0
}

/**
 * One label per group of lines whose ends are closer than a label's height, placed without
 * overlap inside [top, bottom]. A group of one shows its nickname, a larger group one
 * nickname and how many more (the table has them all). Ends with different `apart` keys are
 * never grouped (a forked node's label is not folded into the majority's at its height), but
 * all labels are kept from overlapping.
 */
export function layoutLabels (ends: ReadonlyArray<LabelEnd>, labelHeight: number, top: number, bottom: number): ChartLabel[] {
  const sorted = [...ends].sort(byY)
  const groups: Array<{ y: number, nodes: NodeView[], lastY: number, apart: string }> = []
  // the latest group of each `apart` key: ends of two keys at one height come interleaved, and
  // each key's still fold into one label (a group per end overlapped in a short chart)
  const latest = new Map<string, (typeof groups)[number]>()
  for (const end of sorted) {
    const group = latest.get(end.apart ?? '')
    if (group !== undefined && end.y - group.lastY < labelHeight) {
      group.nodes.push(end.view)
      group.lastY = end.y
      group.y += (end.y - group.y) / group.nodes.length
    } else {
      const created = { y: end.y, nodes: [end.view], lastY: end.y, apart: end.apart ?? '' }
      groups.push(created)
      latest.set(created.apart, created)
    }
  }
  // groups in order of their (moving) centres, for pushing apart
  groups.sort((a, b) => a.y - b.y)
  // push overlapping groups apart, downwards from the plot's top, then back up if the last one
  // fell off the bottom; only labels that cannot all fit end up overlapping (clamping to the top
  // after the upward pass put a label lifted above the top onto the one below it)
  const ys = groups.map(group => group.y)
  for (let k = 0; k < ys.length; k++) ys[k] = Math.max(ys[k] ?? 0, k === 0 ? top + labelHeight / 2 : (ys[k - 1] ?? 0) + labelHeight)
  let limit = bottom - labelHeight / 2
  for (let k = ys.length - 1; k >= 0; k--) {
    ys[k] = Math.min(ys[k] ?? 0, limit)
    limit = (ys[k] ?? 0) - labelHeight
  }
  for (let k = 0; k < ys.length; k++) ys[k] = Math.max(ys[k] ?? 0, top + labelHeight / 2)
  return groups.map((group, k) => {
    // the nodes that still beat name the group before the silent ones do
    const named = [...group.nodes].sort((a, b) => Number(a.status === 'offline') - Number(b.status === 'offline'))
    const name = named[0] === undefined ? '' : nameOf(named[0])
    const text = named.length > 1 ? `${name} +${named.length - 1}` : name
    return { y: ys[k] ?? group.y, text, nodes: named }
  })
}
