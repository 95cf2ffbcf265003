// What the screen shows, derived from the feed state and the clock. Derivation reuses every
// object that did not change (node views, the node list), so React rows memoised on a node
// view re-render only when that node changed, and selectors never hand out fresh arrays.
import { DEFAULT_BEAT_PERIOD_MS, DEFAULT_BLOCK_TIME_MS, FORK_BLOCKS, STALE_BEATS, STALL_BLOCKS, SYNC_GRACE_BEATS } from './constants.ts'
import { relayTime } from './feed-state.ts'
import type { FeedState, NodeEntry } from './feed-state.ts'

/** 'forked': online at the best height on another head than the largest group, while the
 *  heads have differed long enough to be called a fork */
export type NodeStatus = 'in-sync' | 'forked' | 'behind' | 'stale' | 'offline'

export const STATUS_WORDS: Readonly<Record<NodeStatus, string>> = {
  'in-sync': 'in sync',
  forked: 'forked',
  behind: 'behind',
  stale: 'stale',
  offline: 'offline'
}

/** One row of the table and one line of the chart. */
export interface NodeView {
  readonly node: NodeEntry
  readonly status: NodeStatus
  /** heights behind the best height; 0 when at or above it */
  readonly lag: number
  readonly pinned: boolean
  /** the palette slot of its head (nodes on one head share it); -1 when out of slots */
  readonly headColor: number
}

export type ConnectionState =
  | { readonly state: 'connecting', readonly attempt: number }
  | { readonly state: 'live' }
  | { readonly state: 'lost', readonly retryAt: number, readonly reason: string }
  | { readonly state: 'version-mismatch', readonly pageVersion: number, readonly relayVersion: number }

export interface Summary {
  readonly online: number
  readonly known: number
  /** highest height among online nodes; -1 when none */
  readonly bestHeight: number
  /** ms since the best height last rose (relay clock); null before any height */
  readonly sinceRiseMs: number | null
  readonly blockTimeMs: number | null
  /** no rise for STALL_BLOCKS block times */
  readonly stalled: boolean
  /** distinct heads among online nodes at the best height */
  readonly distinctHeads: number
  /** nodes on the most common head at the best height */
  readonly largestGroup: number
  /** online nodes at the best height on another head than the largest group */
  readonly inDispute: readonly NodeView[]
  /** relay clock; since when heads have differed at the best height, with no block time
   *  between sightings (each new block briefly shows one branch alone at the new height) */
  readonly splitSince: number | null
  /** relay clock; when heads were last seen to differ at the best height */
  readonly lastSplitAt: number | null
  /** heads have differed at the best height for FORK_BLOCKS block times, and still do or did
   *  within the last one: a fork, not propagation */
  readonly forked: boolean
}

export interface DashboardView {
  readonly connection: ConnectionState
  readonly relayPeerId: string | null
  readonly synced: boolean
  /** relay clock at derivation time */
  readonly now: number
  /** local clock at derivation time (for countdowns to local deadlines) */
  readonly localNow: number
  /** shown in order: pinned first, then online by height and nickname, then offline */
  readonly nodes: readonly NodeView[]
  readonly summary: Summary
  /** start of the chart's window, relay clock */
  readonly windowStart: number
  readonly windowMs: number
}

export interface ViewOptions {
  /** offline nodes are dropped from view this long after they disconnected */
  offlineKeepMs: number
  /** case-insensitive nickname substring; empty shows all */
  filter: string
  /** nicknames or peer IDs shown on top */
  pins: readonly string[]
  windowMs: number
  /** palette slots for heads */
  headColors: number
}

export function nodeStatus (node: NodeEntry, bestHeight: number, bestRoseAt: number, now: number): { status: NodeStatus, lag: number } {
  const lag = Math.max(0, bestHeight - node.height)
  if (!node.connected) return { status: 'offline', lag }
  const period = node.beatPeriodMs ?? DEFAULT_BEAT_PERIOD_MS
  if (now - node.lastHeartbeatAt > STALE_BEATS * period) return { status: 'stale', lag }
  if (lag === 0) return { status: 'in-sync', lag }
  if (lag === 1 && now - bestRoseAt <= SYNC_GRACE_BEATS * period) return { status: 'in-sync', lag }
  return { status: 'behind', lag }
}

const STATUS_ONLINE: Readonly<Record<NodeStatus, boolean>> = { 'in-sync': true, forked: true, behind: true, stale: true, offline: false }

/**
 * Derives the view. `previous` lends its objects: a node view whose inputs are equal is reused,
 * and so is the node list when every element is.
 */
export function deriveView (
  state: FeedState,
  connection: ConnectionState,
  localNow: number,
  options: ViewOptions,
  previous: DashboardView | null
): DashboardView {
  const now = relayTime(state, localNow)
  const filter = options.filter.toLowerCase()
  const pins = new Set(options.pins)

  // the best height among online nodes; the state's best can be higher after the top node
  // left or a reorg, and then what is online now is what the chain is
  let bestHeight = -1
  let online = 0
  for (const node of state.nodes.values()) {
    if (!node.connected) continue
    online++
    if (node.height > bestHeight) bestHeight = node.height
  }
  const roseAt = state.best.roseAt

  // consensus at the best height, and head colours: heads ranked by height, then group size
  const heads = new Map<string, { height: number, count: number }>()
  for (const node of state.nodes.values()) {
    if (!node.connected) continue
    const group = heads.get(node.head)
    if (group === undefined) heads.set(node.head, { height: node.height, count: 1 })
    else group.count++
  }
  const ranked = [...heads.entries()].sort(([headA, a], [headB, b]) =>
    b.height - a.height || b.count - a.count || (headA < headB ? -1 : headA > headB ? 1 : 0))
  const colorOf = new Map<string, number>()
  ranked.forEach(([head], k) => colorOf.set(head, k < options.headColors ? k : -1))
  let distinctHeads = 0
  let largestGroup = 0
  let consensusHead: string | null = null
  for (const [head, group] of ranked) {
    if (group.height !== bestHeight) break
    distinctHeads++
    // ranked puts the largest group at the best height first
    if (consensusHead === null) {
      consensusHead = head
      largestGroup = group.count
    }
  }

  const blockTimeMs = state.best.blockTimeMs
  const forkWindow = FORK_BLOCKS * (blockTimeMs ?? DEFAULT_BLOCK_TIME_MS)
  const recentSplit = previous?.summary.lastSplitAt != null && now - previous.summary.lastSplitAt <= forkWindow
  const lastSplitAt = distinctHeads > 1 ? now : recentSplit ? previous?.summary.lastSplitAt ?? null : null
  const splitSince = lastSplitAt === null ? null : recentSplit ? previous?.summary.splitSince ?? now : now
  const forked = splitSince !== null && now - splitSince >= forkWindow

  const before = new Map<string, NodeView>()
  for (const view of previous?.nodes ?? []) before.set(view.node.peerId, view)
  const shown: NodeView[] = []
  const inDispute: NodeView[] = []
  for (const node of state.nodes.values()) {
    const computed = nodeStatus(node, bestHeight, roseAt, now)
    const { lag } = computed
    const disputed = STATUS_ONLINE[computed.status] && node.height === bestHeight && node.head !== consensusHead
    const status: NodeStatus = forked && disputed && computed.status !== 'stale' ? 'forked' : computed.status
    if (status === 'offline' && now - (node.disconnectedAt ?? node.lastHeartbeatAt) > options.offlineKeepMs) continue
    const pinned = pins.has(node.nickname) || pins.has(node.peerId)
    if (!pinned && filter !== '' && !node.nickname.toLowerCase().includes(filter)) continue
    const headColor = status === 'offline' ? -1 : colorOf.get(node.head) ?? -1
    const old = before.get(node.peerId)
    const view = old !== undefined && old.node === node && old.status === status && old.lag === lag &&
      old.pinned === pinned && old.headColor === headColor
      ? old
      : { node, status, lag, pinned, headColor }
    shown.push(view)
    if (disputed) inDispute.push(view)
  }
  shown.sort(compareViews)
  inDispute.sort(compareViews)
  const nodes = previous !== null && sameElements(previous.nodes, shown) ? previous.nodes : shown

  const sinceRiseMs = bestHeight < 0 ? null : Math.max(0, now - roseAt)
  const summary: Summary = {
    online,
    known: state.nodes.size,
    bestHeight,
    sinceRiseMs,
    blockTimeMs,
    stalled: sinceRiseMs !== null && online > 0 && sinceRiseMs > STALL_BLOCKS * (blockTimeMs ?? DEFAULT_BLOCK_TIME_MS),
    distinctHeads,
    largestGroup,
    inDispute: previous !== null && sameElements(previous.summary.inDispute, inDispute) ? previous.summary.inDispute : inDispute,
    splitSince,
    lastSplitAt,
    forked
  }

  return {
    connection,
    relayPeerId: state.relayPeerId,
    synced: state.synced,
    now,
    localNow,
    nodes,
    summary,
    windowStart: now - options.windowMs,
    windowMs: options.windowMs
  }
}

/**
 * Pinned first; online before offline; then height (in-sync nodes count as the best height, so
 * a node one beat late with a new block does not jump), nickname and peer ID.
 */
function compareViews (a: NodeView, b: NodeView): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1
  const offA = a.status === 'offline'
  const offB = b.status === 'offline'
  if (offA !== offB) return offA ? 1 : -1
  const heightA = a.status === 'in-sync' || a.status === 'forked' ? a.node.height + a.lag : a.node.height
  const heightB = b.status === 'in-sync' || b.status === 'forked' ? b.node.height + b.lag : b.node.height
  if (heightA !== heightB) return heightB - heightA
  return compareText(a.node.nickname, b.node.nickname) || compareText(a.node.peerId, b.node.peerId)
}

function compareText (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function sameElements<T> (a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false
  return true
}
