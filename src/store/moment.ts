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

/**
 * Appends a point to the first `count` of `times` and `heights` as HeightHistory.push() does
 * (a point older than the last is dropped; one that comes within `spacingMs` of the point
 * before the last moves the last instead of adding one); returns the new count.
 */
function step (times: Float64Array, heights: Float64Array, count: number, t: number, height: number, spacingMs: number): number {
  if (count > 0 && t < (times[count - 1] as number)) return count
  const k = spacingMs > 0 && count >= 2 && (times[count - 1] as number) - (times[count - 2] as number) < spacingMs ? count - 1 : count
  times[k] = t
  heights[k] = height
  return k + 1
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
  const spacingMs = input.spacingMs ?? 0
  /** A node's history: the window's heights as steps, then its height at the moment. */
  const historyOf = (n: NodeAtMoment, series: HistorySeries | undefined, i: number): HeightHistory => {
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
        count = step(times, heights, count, t, height, spacingMs)
      }
    }
    count = step(times, heights, count, at, n.height, spacingMs)
    // the newest `capacity` points, into this node's part of the storage
    const kept = Math.min(count, capacity)
    const own = storage.subarray(i * 2 * capacity, (i + 1) * 2 * capacity)
    own.set(times.subarray(count - kept, count))
    own.set(heights.subarray(count - kept, count), capacity)
    return new HeightHistory(capacity, spacingMs, own, kept)
  }
  // nodes in step: one history for the nodes with the same heights array (the page's parse
  // hands out equal ones as one: HeightsInterner), first bucket and height at the moment, built
  // once and drawn once. A moment is never fed, so no node's history changes under another's.
  const twins = new Map<readonly number[], Array<{ first: number, height: number, history: HeightHistory }>>()
  input.nodes.forEach((n, i) => {
    const series = byPeer.get(n.peerId)
    let history: HeightHistory
    if (series === undefined) {
      history = historyOf(n, series, i)
    } else {
      let same = twins.get(series.heights)
      if (same === undefined) twins.set(series.heights, same = [])
      const twin = same.find(t => t.first === series.first && t.height === n.height)
      history = twin?.history ?? historyOf(n, series, i)
      if (twin === undefined) same.push({ first: series.first, height: n.height, history })
    }
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
