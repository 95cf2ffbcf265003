// What the screen shows, derived from the feed state and the clock. Derivation reuses every
// object that did not change (node views, the node list), so React rows memoised on a node
// view re-render only when that node changed, and selectors never hand out fresh arrays.
// Two clocks: what is claimed about the devnet (stale, behind, stalled, forked, offline nodes
// dropped) is judged at the feed's last word (FeedState.heardAt), on the relay's timestamps
// alone; ages and the chart run on the page's estimate of the relay clock while the picture
// is current, and stop at the last word when it is not (feed lost, a new snapshot still
// coming, or a feed gone quiet), so nothing on screen keeps moving as if it were live.
// Forks are the relay's word (src/relay/fork-tracker.ts), read from its `forks` message: the
// page never calls one from heads itself, so every viewer says the same, and nothing is
// inferred across a gap in the feed.
import { isBehind, stallAfterMs } from '../protocol/status-rules.ts'
import { FEED_CURRENT_MS } from './constants.ts'
import { isReporting, relayTime, silentSince, staleAfterMs } from './feed-state.ts'
import type { FeedGap, FeedState, NodeEntry } from './feed-state.ts'
import { chooseNetwork, inNetwork, onMinorityBranch, panelBranches, roundsOf } from './forks-view.ts'
import type { NetworkChoice } from './forks-view.ts'
import type { OpenFork } from '../protocol/forks.ts'
import type { RecordGap } from '../protocol/history.ts'

/** 'forked': on a branch of the open fork other than the largest (the relay's word).
 *  'waiting': connected, but not heard from since it (re)connected, so its height is from
 *  before and is not judged yet. 'syncing': behind, and its own API says it is syncing (a
 *  watched node): catching up, not stuck. 'missing': on the relay's expected roster and never
 *  heard. 'other-network': reports another genesis than the network shown: kept out of
 *  consensus and of fork alarms */
export type NodeStatus = 'in-sync' | 'forked' | 'behind' | 'syncing' | 'waiting' | 'stale' | 'offline' | 'missing' | 'other-network'

export const STATUS_WORDS: Readonly<Record<NodeStatus, string>> = {
  'in-sync': 'in sync',
  forked: 'forked',
  behind: 'behind',
  syncing: 'syncing',
  waiting: 'waiting',
  stale: 'stale',
  offline: 'offline',
  missing: 'missing',
  'other-network': 'other net'
}

/** One row of the table and one line of the chart. */
export interface NodeView {
  readonly node: NodeEntry
  readonly status: NodeStatus
  /** heights behind the best height; 0 when at or above it */
  readonly lag: number
  readonly pinned: boolean
  /** the palette slot of its head's round (nodes on one round share it, whole or in part);
   *  -1 when out of slots */
  readonly headColor: number
  /** its branch in the relay's fork panel (an index into its branches; TRUNK before a split);
   *  null when not on the panel */
  readonly branch: number | null
  /** median time from the first node reporting a new best head to it (the relay's); null
   *  until measured */
  readonly propagationMs: number | null
}

export type ConnectionState =
  | { readonly state: 'connecting', readonly attempt: number }
  | { readonly state: 'live' }
  | { readonly state: 'lost', readonly retryAt: number, readonly reason: string }
  | { readonly state: 'version-mismatch', readonly pageVersion: number, readonly relayVersion: number }
  /** time travel (?at=): the relay's record of a moment, frozen; no feed. `loading` while a
   *  moment is being fetched; `error` when the last one could not be; `gap` when the record
   *  holds nothing for the moment (the relay was down, its disk full) */
  | { readonly state: 'frozen', readonly at: number, readonly loading: boolean, readonly error: string | null, readonly gap?: RecordGap }

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
  /** distinct rounds among online nodes at the best height (heads that share a block, a
   *  tipset seen in part, are one) */
  readonly distinctHeads: number
  /** nodes on the most common round at the best height */
  readonly largestGroup: number
  /** of them, nodes that hold it in part (fewer of its blocks than another node does) */
  readonly partial: number
  /** online nodes at the best height on another round than the largest group, or, while the
   *  relay calls a fork, the nodes on its other branches */
  readonly inDispute: readonly NodeView[]
  /** the relay calls a fork in the shown network (heads split for a block time and more) */
  readonly forked: boolean
  /** the relay's open fork; null when none */
  readonly fork: OpenFork | null
  /** nodes connected to the relay on other networks (another genesis) */
  readonly otherNetwork: number
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
  /** the network shown (?genesis=, or the largest), its fork panel, and the others */
  readonly network: NetworkChoice
  /** every node the feed describes, by peer ID, and the feed's ids (`i`) for them: the fork
   *  panel names nodes by id */
  readonly entries: ReadonlyMap<string, NodeEntry>
  readonly byIndex: ReadonlyMap<number, string>
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
  /** ?genesis=: the network to show (a CID or its unique ending); null: the largest */
  genesis?: string | null
}

/** A node's status with the feed's word up to `at` (relay clock). */
export function nodeStatus (node: NodeEntry, bestHeight: number, bestRoseAt: number, at: number): NodeStatus {
  if (node.missing && !node.connected) return 'missing'
  if (!node.connected) return 'offline'
  if (at - silentSince(node) > staleAfterMs(node)) return 'stale'
  if (!isReporting(node)) return 'waiting'
  if (!isBehind(lagOf(node, bestHeight), at, bestRoseAt, node.beatPeriodMs)) return 'in-sync'
  return node.syncing === true ? 'syncing' : 'behind'
}

/** Heights behind the best; 0 for a node whose height judges nothing (missing, waiting). A
 *  number apart from the status, so a view update makes no object per node for the two. */
function lagOf (node: NodeEntry, bestHeight: number, status?: NodeStatus): number {
  return status === 'missing' || status === 'waiting' ? 0 : Math.max(0, bestHeight - node.height)
}

const STATUS_ONLINE: Readonly<Record<NodeStatus, boolean>> = { 'in-sync': true, forked: true, behind: true, syncing: true, waiting: false, stale: true, offline: false, missing: false, 'other-network': false }

/**
 * Node views by peer ID to lend to the next derivation, kept by whoever derives views one after
 * another (the store) and updated in place by each: a map built afresh from the last view's
 * thousand nodes on every update was garbage. Whatever it holds, a view is reused only when
 * every field is equal to what the derivation computed.
 */
export type ViewLender = Map<string, NodeView>

/**
 * Derives the view. `lender` lends node views from earlier derivations (and takes this one's): a
 * node view whose inputs are equal is reused. `previous` lends its node list when every element
 * is the same.
 */
export function deriveView (
  state: FeedState,
  connection: ConnectionState,
  localNow: number,
  options: ViewOptions,
  previous: DashboardView | null,
  lender: ViewLender = new Map()
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

  // the network shown; nodes of others are counted apart and judge nothing here
  const network = chooseNetwork(state.forks, state.nodes, options.genesis ?? null)
  const panel = network.panel
  const branches = panelBranches(panel, state.byIndex)

  // the best height among online nodes; the state's best can be higher after the top node
  // left or a reorg, and then what is online now is what the chain is. A node not heard from
  // since it reconnected has a height from before: it counts as online, not for the best.
  let bestHeight = -1
  let online = 0
  let known = 0
  let missing = 0
  let otherNetwork = 0
  for (const node of state.nodes.values()) {
    if (!inNetwork(node, network)) {
      if (node.connected) otherNetwork++
      continue
    }
    known++
    if (node.missing && !node.connected) missing++
    if (!node.connected) continue
    online++
    if (isReporting(node) && node.height > bestHeight) bestHeight = node.height
  }
  const roseAt = state.best.roseAt

  // heads per height, grouped into rounds (heads sharing a block are one round seen in part);
  // colours go to rounds ranked by height, then by group size
  const headsAt = new Map<number, Map<string, number>>()
  for (const node of state.nodes.values()) {
    if (!isReporting(node) || !inNetwork(node, network)) continue
    let heads = headsAt.get(node.height)
    if (heads === undefined) headsAt.set(node.height, heads = new Map())
    heads.set(node.head, (heads.get(node.head) ?? 0) + 1)
  }
  const ranked: Array<{ height: number, heads: string[], count: number }> = []
  for (const [height, heads] of headsAt) for (const round of roundsOf(heads)) ranked.push({ height, ...round })
  ranked.sort((a, b) => b.height - a.height || b.count - a.count || compareText(a.heads.slice().sort()[0] ?? '', b.heads.slice().sort()[0] ?? ''))
  const colorOf = new Map<string, number>()
  ranked.forEach((round, k) => { for (const head of round.heads) colorOf.set(head, k < options.headColors ? k : -1) })
  let distinctHeads = 0
  let largestGroup = 0
  let consensusHeads: ReadonlySet<string> = new Set()
  for (const round of ranked) {
    if (round.height !== bestHeight) break
    distinctHeads++
    // ranked puts the largest round at the best height first
    if (distinctHeads === 1) {
      consensusHeads = new Set(round.heads)
      largestGroup = round.count
    }
  }
  // the round's blocks as the most complete head holds them: fewer is a partial view
  let wholeBlocks = 0
  for (const head of consensusHeads) wholeBlocks = Math.max(wholeBlocks, blocksOf(head))

  const blockTimeMs = state.best.blockTimeMs
  const fork = panel?.fork ?? null
  const forked = fork !== null

  const reuse = lender
  // bounded by the nodes known: those forgotten since go
  if (reuse.size > state.nodes.size) for (const peerId of reuse.keys()) if (!state.nodes.has(peerId)) reuse.delete(peerId)
  const shown: NodeView[] = []
  const inDispute: NodeView[] = []
  let partial = 0
  for (const node of state.nodes.values()) {
    const ours = inNetwork(node, network)
    const computed = nodeStatus(node, bestHeight, roseAt, at)
    const lag = lagOf(node, bestHeight, computed)
    const onBranch = ours ? branches.get(node.peerId) : undefined
    const minority = onMinorityBranch(onBranch, panel)
    const judged = computed === 'in-sync' || computed === 'behind'
    const status: NodeStatus = !ours && node.connected ? 'other-network' : minority && judged ? 'forked' : computed
    const atBest = ours && STATUS_ONLINE[computed] && node.height === bestHeight
    const disputed = forked ? status === 'forked' : atBest && !consensusHeads.has(node.head)
    if (atBest && consensusHeads.has(node.head) && blocksOf(node.head) < wholeBlocks) partial++
    if (status === 'offline' && at - (node.disconnectedAt ?? node.lastHeartbeatAt) > options.offlineKeepMs) continue
    const pinned = pins.has(node.nickname) || pins.has(node.peerId)
    if (!pinned && filter !== '' && !node.nickname.toLowerCase().includes(filter)) continue
    const headColor = status === 'offline' || !ours ? -1 : colorOf.get(node.head) ?? -1
    const branch = onBranch ?? null
    const propagationMs = state.propagation.get(node.peerId) ?? null
    const old = reuse.get(node.peerId)
    const view = old !== undefined && old.node === node && old.status === status && old.lag === lag &&
      old.pinned === pinned && old.headColor === headColor && old.branch === branch && old.propagationMs === propagationMs
      ? old
      : { node, status, lag, pinned, headColor, branch, propagationMs }
    if (view !== old) reuse.set(node.peerId, view)
    shown.push(view)
    if (disputed) inDispute.push(view)
  }
  shown.sort(compareViews)
  inDispute.sort(compareViews)
  const nodes = previous !== null && sameElements(previous.nodes, shown) ? previous.nodes : shown

  const sinceRiseMs = bestHeight < 0 ? null : Math.max(0, now - roseAt)
  const summary: Summary = {
    online,
    known,
    missing,
    bestHeight,
    sinceRiseMs,
    roseAt,
    blockTimeMs,
    // roseAt dates the model's best height: while what is online is lower (nodes back from a
    // gap on another chain, before the model settles on it), it dates nothing shown
    stalled: bestHeight >= 0 && bestHeight === state.best.height && at - roseAt > stallAfterMs(blockTimeMs),
    distinctHeads,
    largestGroup,
    partial,
    inDispute: previous !== null && sameElements(previous.summary.inDispute, inDispute) ? previous.summary.inDispute : inDispute,
    forked,
    fork,
    otherNetwork
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
    windowMs: options.windowMs,
    network,
    entries: state.nodes,
    byIndex: state.byIndex
  }
}

/**
 * Pinned first; online before offline and missing; then height (in-sync nodes count as the best height, so
 * a node one beat late with a new block does not jump), nickname and peer ID.
 */
function compareViews (a: NodeView, b: NodeView): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1
  // another network's nodes last, below this one's offline ones: not part of what is shown
  const otherA = a.status === 'other-network'
  const otherB = b.status === 'other-network'
  if (otherA !== otherB) return otherA ? 1 : -1
  const offA = a.status === 'offline' || a.status === 'missing'
  const offB = b.status === 'offline' || b.status === 'missing'
  if (offA !== offB) return offA ? 1 : -1
  const heightA = a.status === 'in-sync' || a.status === 'forked' ? a.node.height + a.lag : a.node.height
  const heightB = b.status === 'in-sync' || b.status === 'forked' ? b.node.height + b.lag : b.node.height
  if (heightA !== heightB) return heightB - heightA
  return compareText(a.node.nickname, b.node.nickname) || compareText(a.node.peerId, b.node.peerId)
}

/** A head's words (`{`, each block, `}`): more is more blocks. Counted, not split: this runs
 *  for every node at the best height on every update. */
function blocksOf (head: string): number {
  if (head === '') return 0
  let words = 1
  for (let k = head.indexOf(' '); k !== -1; k = head.indexOf(' ', k + 1)) words++
  return words
}

function compareText (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function sameElements<T> (a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false
  return true
}
