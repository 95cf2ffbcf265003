// What the screen shows, derived from the feed state and the clock. Derivation reuses every
// object that did not change (node views, the node list), so React rows memoised on a node
// view re-render only when that node changed, and selectors never hand out fresh arrays.
// Two clocks: what is claimed about the devnet (stale, behind, stalled, forked, offline nodes
// dropped) is judged at the feed's last word (FeedState.heardAt), on the relay's timestamps
// alone; ages and the chart run on the page's estimate of the relay clock while the picture
// is current, and stop at the last word when it is not (feed lost, a new snapshot still
// coming, or a feed gone quiet), so nothing on screen keeps moving as if it were live.
import { DEFAULT_BEAT_PERIOD_MS, DEFAULT_BLOCK_TIME_MS, FEED_CURRENT_MS, FORK_BLOCKS, STALL_BLOCKS, SYNC_GRACE_BEATS } from './constants.ts'
import { isReporting, relayTime, silentSince, staleAfterMs } from './feed-state.ts'
import type { FeedGap, FeedState, NodeEntry } from './feed-state.ts'

/** 'forked': online at the best height on another head than the largest group, while the
 *  heads have differed long enough to be called a fork. 'waiting': connected, but not heard
 *  from since it (re)connected, so its height is from before and is not judged yet.
 *  'syncing': behind, and its own API says it is syncing (a watched node): catching up, not
 *  stuck. 'missing': on the relay's expected roster and never heard */
export type NodeStatus = 'in-sync' | 'forked' | 'behind' | 'syncing' | 'waiting' | 'stale' | 'offline' | 'missing'

export const STATUS_WORDS: Readonly<Record<NodeStatus, string>> = {
  'in-sync': 'in sync',
  forked: 'forked',
  behind: 'behind',
  syncing: 'syncing',
  waiting: 'waiting',
  stale: 'stale',
  offline: 'offline',
  missing: 'missing'
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
  /** known nodes on the relay's roster never heard yet */
  readonly missing: number
  /** highest height among online nodes; -1 when none */
  readonly bestHeight: number
  /** ms since the best height last rose, at the view's `now`; null before any height */
  readonly sinceRiseMs: number | null
  /** relay clock; when the best height rose */
  readonly roseAt: number
  readonly blockTimeMs: number | null
  /** no rise for STALL_BLOCKS block times before the feed's last word */
  readonly stalled: boolean
  /** distinct heads among online nodes at the best height */
  readonly distinctHeads: number
  /** nodes on the most common head at the best height */
  readonly largestGroup: number
  /** online nodes at the best height on another head than the largest group */
  readonly inDispute: readonly NodeView[]
  /** relay clock (the feed's word); since when heads have differed at the best height, with no
   *  block time between sightings (each new block briefly shows one branch alone at the new
   *  height) */
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
  /** the picture is the devnet now: the feed is live, its snapshot is in, and it spoke within
   *  FEED_CURRENT_MS. Otherwise everything shown is as of `heardAt`, and the page says so. */
  readonly current: boolean
  /** relay clock; the feed's last word (FeedState.heardAt); null before any snapshot */
  readonly heardAt: number | null
  /** snapshots completed (FeedState.subscription) */
  readonly subscription: number
  /** relay clock minus local clock: a relay time less this is the page's time of day */
  readonly clockOffsetMs: number
  /** relay clock; the moment the picture is of: the relay's now while current, else heardAt.
   *  Ages ("seconds ago") and the chart's window run on it. */
  readonly now: number
  /** local clock at derivation time (for countdowns to local deadlines) */
  readonly localNow: number
  /** shown in order: pinned first, then online by height and nickname, then offline */
  readonly nodes: readonly NodeView[]
  readonly summary: Summary
  /** start of the chart's window, relay clock */
  readonly windowStart: number
  /** stretches the page did not hear (FeedState.gaps), for the chart to mark */
  readonly gaps: readonly FeedGap[]
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

/** A node's status with the feed's word up to `at` (relay clock). */
export function nodeStatus (node: NodeEntry, bestHeight: number, bestRoseAt: number, at: number): { status: NodeStatus, lag: number } {
  if (node.missing && !node.connected) return { status: 'missing', lag: 0 }
  const lag = Math.max(0, bestHeight - node.height)
  if (!node.connected) return { status: 'offline', lag }
  if (at - silentSince(node) > staleAfterMs(node)) return { status: 'stale', lag }
  if (!isReporting(node)) return { status: 'waiting', lag: 0 }
  if (lag === 0) return { status: 'in-sync', lag }
  const period = node.beatPeriodMs ?? DEFAULT_BEAT_PERIOD_MS
  if (lag === 1 && at - bestRoseAt <= SYNC_GRACE_BEATS * period) return { status: 'in-sync', lag }
  return { status: node.syncing === true ? 'syncing' : 'behind', lag }
}

const STATUS_ONLINE: Readonly<Record<NodeStatus, boolean>> = { 'in-sync': true, forked: true, behind: true, syncing: true, waiting: false, stale: true, offline: false, missing: false }

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
  const relayNow = relayTime(state, localNow)
  const heardAt = state.heardAt
  const current = connection.state === 'live' && state.synced && heardAt !== null && relayNow - heardAt <= FEED_CURRENT_MS
  // the clock of ages and the chart: the relay's now (never before its last word) while current
  const now = heardAt === null ? relayNow : current ? Math.max(relayNow, heardAt) : heardAt
  // the clock of claims: the feed's last word, whatever the page's clock says
  const at = heardAt ?? relayNow
  const filter = options.filter.toLowerCase()
  const pins = new Set(options.pins)

  // the best height among online nodes; the state's best can be higher after the top node
  // left or a reorg, and then what is online now is what the chain is. A node not heard from
  // since it reconnected has a height from before: it counts as online, not for the best.
  let bestHeight = -1
  let online = 0
  let missing = 0
  for (const node of state.nodes.values()) {
    if (node.missing && !node.connected) missing++
    if (!node.connected) continue
    online++
    if (isReporting(node) && node.height > bestHeight) bestHeight = node.height
  }
  const roseAt = state.best.roseAt

  // consensus at the best height, and head colours: heads ranked by height, then group size
  const heads = new Map<string, { height: number, count: number }>()
  for (const node of state.nodes.values()) {
    if (!isReporting(node)) continue
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

  // How long heads have differed is measured on the feed's word, from one derivation to the
  // next on one subscription. Across a gap in the feed (a new snapshot) only a fork that was
  // already called, and is still there, carries over: one that began unseen waits its window.
  const blockTimeMs = state.best.blockTimeMs
  const forkWindow = FORK_BLOCKS * (blockTimeMs ?? DEFAULT_BLOCK_TIME_MS)
  const sameFeed = previous !== null && previous.subscription === state.subscription
  const before = sameFeed ? previous.summary : null
  const carried = !sameFeed && previous !== null && previous.summary.forked && distinctHeads > 1
  const recentSplit = before?.lastSplitAt != null && at - before.lastSplitAt <= forkWindow
  const lastSplitAt = distinctHeads > 1 ? at : recentSplit ? before?.lastSplitAt ?? null : null
  const splitSince = carried
    ? previous.summary.splitSince
    : lastSplitAt === null ? null : recentSplit ? before?.splitSince ?? at : at
  const forked = splitSince !== null && (carried || at - splitSince >= forkWindow)

  const reuse = new Map<string, NodeView>()
  for (const view of previous?.nodes ?? []) reuse.set(view.node.peerId, view)
  const shown: NodeView[] = []
  const inDispute: NodeView[] = []
  for (const node of state.nodes.values()) {
    const computed = nodeStatus(node, bestHeight, roseAt, at)
    const { lag } = computed
    const disputed = STATUS_ONLINE[computed.status] && node.height === bestHeight && node.head !== consensusHead
    const status: NodeStatus = forked && disputed && computed.status !== 'stale' ? 'forked' : computed.status
    if (status === 'offline' && at - (node.disconnectedAt ?? node.lastHeartbeatAt) > options.offlineKeepMs) continue
    const pinned = pins.has(node.nickname) || pins.has(node.peerId)
    if (!pinned && filter !== '' && !node.nickname.toLowerCase().includes(filter)) continue
    const headColor = status === 'offline' ? -1 : colorOf.get(node.head) ?? -1
    const old = reuse.get(node.peerId)
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
    missing,
    bestHeight,
    sinceRiseMs,
    roseAt,
    blockTimeMs,
    // roseAt dates the model's best height: while what is online is lower (nodes back from a
    // gap on another chain, before the model settles on it), it dates nothing shown
    stalled: bestHeight >= 0 && bestHeight === state.best.height && at - roseAt > STALL_BLOCKS * (blockTimeMs ?? DEFAULT_BLOCK_TIME_MS),
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
    current,
    heardAt,
    subscription: state.subscription,
    clockOffsetMs: state.clockOffsetMs,
    now,
    localNow,
    nodes,
    summary,
    windowStart: now - options.windowMs,
    gaps: state.gaps,
    windowMs: options.windowMs
  }
}

/**
 * Pinned first; online before offline and missing; then height (in-sync nodes count as the best height, so
 * a node one beat late with a new block does not jump), nickname and peer ID.
 */
function compareViews (a: NodeView, b: NodeView): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1
  const offA = a.status === 'offline' || a.status === 'missing'
  const offB = b.status === 'offline' || b.status === 'missing'
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
