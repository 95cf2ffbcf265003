// The record's answers as NDJSON lines, for streaming over HTTP: a header line, then one line
// per node, in the shape src/protocol/history.ts gives both sides.
import { encodeHistoryHeader, encodeHistorySeries } from '../../protocol/history.ts'
import type { HistoryResult, NodeSeries } from './types.ts'

export function historyHeaderLine (result: HistoryResult): string {
  return encodeHistoryHeader({ from: result.from, to: result.to, stepMs: result.stepMs, buckets: result.buckets, source: result.source, nodes: result.nodes.length })
}

export function historyNodeLine (series: NodeSeries): string {
  return encodeHistorySeries(series)
}

export function * historyLines (result: HistoryResult): Generator<string> {
  yield historyHeaderLine(result)
  for (const series of result.nodes) yield historyNodeLine(series)
}
