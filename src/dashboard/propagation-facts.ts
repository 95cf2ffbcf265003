// The propagation tile's figures, from the view's nodes: pure, so they are tested in Node.
import { sortedMedian } from '../protocol/status-rules.ts'
import type { NodeView } from '../store/view.ts'

// Nodes that beat this seldom report a new head up to a beat late: what is measured is their
// beat, not the network (watched nodes beat on every new head)
export const BEAT_BOUND_MS = 1_000

export interface PropagationFacts {
  /** the median of the nodes' medians (ms); null until measured */
  medianMs: number | null
  /** nodes with a median */
  measured: number
  /** the typical beat period of nodes that beat on a timer, when that bounds the figures */
  beatBoundMs: number | null
}

// what propagationFacts gathers into, grown to the most nodes seen: two arrays of a thousand
// numbers and their sorted copies on every view update were garbage
let medians = new Float64Array(0)
let periods = new Float64Array(0)

/** The median of values[0..n), which it sorts in place. */
function medianOf (values: Float64Array, n: number): number | null {
  // a typed array sorts numbers as numbers, in place, with no comparator to call
  return n === 0 ? null : sortedMedian(values.subarray(0, n).sort())
}

/**
 * The tile's figures from the shown network's nodes: the median of their medians, and whether
 * their beats bound them (the typical beat period of nodes that beat on a timer, when longer
 * than BEAT_BOUND_MS). `watched`: the node beats on every new head (a watcher's).
 */
export function propagationFacts (nodes: readonly NodeView[], watched: (view: NodeView) => boolean): PropagationFacts {
  if (medians.length < nodes.length) {
    medians = new Float64Array(nodes.length)
    periods = new Float64Array(nodes.length)
  }
  let measured = 0
  let timed = 0
  for (const view of nodes) {
    if (view.status === 'other-network' || view.status === 'offline') continue
    if (view.propagationMs !== null) medians[measured++] = view.propagationMs
    if (!watched(view) && view.node.beatPeriodMs !== null) periods[timed++] = view.node.beatPeriodMs
  }
  const period = medianOf(periods, timed)
  return { medianMs: medianOf(medians, measured), measured, beatBoundMs: period !== null && period > BEAT_BOUND_MS ? period : null }
}
