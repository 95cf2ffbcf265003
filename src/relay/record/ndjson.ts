// The record's answers as NDJSON lines, for streaming over HTTP: a header line, then one line
// per node. Heights go as the first one and then differences (mostly 0 and 1), which keeps a
// week of 1,000 nodes to a few hundred KB.
import type { HistoryResult, NodeSeries } from './types.ts'

export function historyHeaderLine (result: HistoryResult): string {
  return JSON.stringify({ from: result.from, to: result.to, stepMs: result.stepMs, buckets: result.buckets, source: result.source, nodes: result.nodes.length }) + '\n'
}

/** One node: `h` is [the height at bucket `first`, then the change at each next bucket]. */
export function historyNodeLine (series: NodeSeries): string {
  const h: number[] = new Array<number>(series.heights.length)
  let prev = 0
  for (let k = 0; k < series.heights.length; k++) {
    const v = series.heights[k] ?? prev
    h[k] = k === 0 ? v : v - prev
    prev = v
  }
  return JSON.stringify({ peerId: series.peerId, nickname: series.nickname, first: series.first, h, ranges: series.ranges, connection: series.connection }) + '\n'
}

export function * historyLines (result: HistoryResult): Generator<string> {
  yield historyHeaderLine(result)
  for (const series of result.nodes) yield historyNodeLine(series)
}
