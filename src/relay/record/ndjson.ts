// The record's answers as NDJSON lines, for streaming over HTTP: a header line, then one line
// per node, in the shape src/protocol/history.ts gives both sides.
import { encodeHistoryHeader, encodeHistorySeries } from '../../protocol/history.ts'
import type { HistoryResult, NodeSeries } from './types.ts'

export function historyHeaderLine (result: HistoryResult): string {
  return encodeHistoryHeader({ from: result.from, to: result.to, stepMs: result.stepMs, buckets: result.buckets, source: result.source, nodes: result.nodes.length })
}

/** `same`: the index of an earlier line this one repeats (SameLines), written in its place. */
export function historyNodeLine (series: NodeSeries, same?: number): string {
  return encodeHistorySeries(series, same)
}

/**
 * Tells, line by line, which earlier node line of one answer has the same first bucket,
 * heights and ranges (/api/history?same=1): a devnet's nodes in step share one line, and at a
 * thousand of them a page read, checked and kept a thousand copies of a few lines (bench: the
 * history window). Holds one key per distinct line of the answer.
 */
export class SameLines {
  readonly #seen = new Map<string, number>()
  #count = 0

  /** The index of the earlier line `series` repeats, or undefined; either way it is counted. */
  find (series: NodeSeries): number | undefined {
    const key = `${series.first};${series.heights.join(',')};${series.ranges.join(';')}`
    const earlier = this.#seen.get(key)
    if (earlier === undefined) this.#seen.set(key, this.#count)
    this.#count++
    return earlier
  }
}

export function * historyLines (result: HistoryResult): Generator<string> {
  yield historyHeaderLine(result)
  for (const series of result.nodes) yield historyNodeLine(series)
}
