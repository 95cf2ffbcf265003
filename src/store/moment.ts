// Time travel (?at=): the devnet as the relay's record has it at a moment, as a feed state the
// view is derived from like a live one, frozen at that moment. Heights, heads and connections
// are the record's; whether a node was beating is the relay's word (`stale`), since beats that
// changed nothing are not recorded; the chart's lines are the window before the moment.
import { BLOCK_TIME_SAMPLES, HISTORY_CAPACITY } from './constants.ts'
import { initialFeedState } from './feed-state.ts'
import { HeightHistory } from './height-history.ts'
import { median } from '../protocol/status-rules.ts'
import type { FeedState, NodeEntry } from './feed-state.ts'
import type { HistoryHeader, HistorySeries, NodeAtMoment } from '../protocol/history.ts'

/** The time bucket k of a window ends (the last one at the window's end). */
function bucketEnd (header: HistoryHeader, k: number): number {
  return k >= header.buckets - 1 ? header.to : header.from + (k + 1) * header.stepMs
}

export interface MomentInput {
  at: number
  nodes: readonly NodeAtMoment[]
  /** the chart's window up to the moment; without it the lines are one point each */
  window?: { header: HistoryHeader, series: readonly HistorySeries[] }
  spacingMs?: number
  /** points a node's history holds: the window's points are all it will get (default HISTORY_CAPACITY) */
  capacity?: number
}

/** The feed state of the devnet at `at`, as the record has it. */
export function momentState (input: MomentInput): FeedState {
  const { at, window } = input
  const byPeer = new Map(window?.series.map(s => [s.peerId, s]) ?? [])
  const nodes = new Map<string, NodeEntry>()
  const capacity = input.capacity ?? HISTORY_CAPACITY
  // every node's history in one allocation (they are made and replaced together)
  const storage = new Float64Array(input.nodes.length * 2 * capacity)
  // one node's points before they go into its history: the longest series and the moment
  const longest = window?.series.reduce((most, s) => Math.max(most, s.heights.length), 0) ?? 0
  const times = new Float64Array(longest + 1)
  const heights = new Float64Array(longest + 1)
  input.nodes.forEach((n, i) => {
    const history = new HeightHistory(capacity, input.spacingMs ?? 0, storage.subarray(i * 2 * capacity, (i + 1) * 2 * capacity))
    const series = byPeer.get(n.peerId)
    let count = 0
    if (window != null && series !== undefined) {
      // the recorded heights as steps: a point where the height changed, at its bucket's end
      // (bucketEnd written out: this loop runs for every point of a thousand nodes)
      const { from, to, stepMs, buckets } = window.header
      let previous = -1
      for (let j = 0; j < series.heights.length; j++) {
        const height = series.heights[j] ?? previous
        if (height === previous) continue
        previous = height
        const k = series.first + j
        const t = k >= buckets - 1 ? to : from + (k + 1) * stepMs
        if (t >= at) continue
        times[count] = t
        heights[count++] = height
      }
    }
    times[count] = at
    heights[count++] = n.height
    history.pushAll(times, heights, count)
    // when it went offline: its last connection change in the window, or its last change
    let disconnectedAt: number | null = null
    if (!n.connected) {
      const change = series?.connection.filter(([, c]) => c === 0).at(-1)
      disconnectedAt = change !== undefined && window != null ? bucketEnd(window.header, change[0]) : n.lastChangeAt
    }
    nodes.set(n.peerId, {
      peerId: n.peerId,
      nickname: n.nickname,
      height: n.height,
      head: n.head,
      minerAddress: n.minerAddress,
      genesisCid: n.genesisCid,
      connected: n.connected,
      firstSeenAt: n.firstSeenAt,
      // beating then unless the relay said it had gone quiet: its last beat is not recorded
      // one by one, and "a moment ago" is what a live page would have seen
      lastHeartbeatAt: n.connected && !n.stale ? at : Math.min(at, n.lastHeartbeatAt),
      disconnectedAt,
      connectedAt: null,
      beatPeriodMs: null,
      history,
      // the record holds only nodes that were heard
      missing: false,
      client: n.client ?? null,
      clientVersion: n.clientVersion ?? null,
      nodePeerId: n.nodePeerId ?? null,
      syncing: n.syncing,
      finalizedHeight: n.finalizedHeight
    })
  })

  // the best height and when it was first reached; the block time from the window's rises
  let best = -1
  for (const n of input.nodes) if (n.connected && n.height > best) best = n.height
  let roseAt = at
  for (const node of nodes.values()) {
    if (!node.connected || node.height !== best) continue
    const h = node.history
    for (let k = h.size - 1; k >= 0 && h.heightOf(k) === best; k--) roseAt = Math.min(roseAt, h.atOf(k))
  }
  const samples: number[] = []
  if (window != null) {
    const top = new Array<number>(window.header.buckets).fill(-1)
    for (const s of window.series) {
      const { first, heights } = s
      for (let j = 0; j < heights.length; j++) if ((heights[j] as number) > (top[first + j] as number)) top[first + j] = heights[j] as number
    }
    let from: [number, number] | undefined
    top.forEach((h, k) => {
      if (h < 0) return
      const t = bucketEnd(window.header, k)
      if (from !== undefined && h > from[1]) samples.push((t - from[0]) / (h - from[1]))
      if (from === undefined || h > from[1]) from = [t, h]
    })
  }
  const recent = samples.slice(-BLOCK_TIME_SAMPLES)
  return {
    ...initialFeedState(input.spacingMs ?? 0),
    nodes,
    synced: true,
    heardAt: at,
    subscription: 1,
    best: { height: best, roseAt: best < 0 ? 0 : roseAt, blockTimeMs: recent.length > 0 ? median(recent) : null, samples: recent, seen: true }
  }
}
