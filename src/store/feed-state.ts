// The dashboard's model of the feed: a reducer over feed messages. It touches nothing outside
// the state it is given, with one deliberate exception: a node's height history is a ring
// buffer that the reducer appends to in place (copying it on every heartbeat would cost a
// thousand nodes megabytes a second), so an old state shares the newer points. The store
// keeps only the newest state, so nothing observes the difference.
// What the page may say about the devnet is bounded by what the feed has told it: `heardAt` is
// the relay time up to which every change has been applied. It moves only with the relay's own
// timestamps (a snapshot's, then each event's), never with the page's clock, so a lost feed, a
// hidden tab or a batch of queued messages cannot make time seem to pass on the devnet.
import type { FeedMessage, HistoryPoint, NodeRecord } from '../protocol/feed.ts'
import type { ForksMessage } from '../protocol/forks.ts'
import type { HistoryHeader, HistorySeries } from '../protocol/history.ts'
import { median, nextBeatPeriod, staleAfterMs as staleAfter } from '../protocol/status-rules.ts'
import { BLOCK_TIME_SAMPLES, FEED_CURRENT_MS, HISTORY_CAPACITY, MAX_FEED_GAPS, MAX_NODES } from './constants.ts'
import { HeightHistory } from './height-history.ts'

/** One node as the feed describes it, plus what the dashboard has observed of it. Immutable:
 *  a change makes a new object, so a view can tell "this node changed" by identity. */
export interface NodeEntry extends Readonly<Omit<NodeRecord, 'firstSeenAt' | 'lastHeartbeatAt'>> {
  /** relay clock; -Infinity for a node on the relay's roster never heard yet (`missing`) */
  readonly firstSeenAt: number
  /** relay clock; -Infinity for a node on the relay's roster never heard yet (`missing`) */
  readonly lastHeartbeatAt: number
  /** on the relay's expected roster and never heard: the feed sent it with null times */
  readonly missing: boolean
  /** relay clock; when the feed last said it disconnected (null while connected) */
  readonly disconnectedAt: number | null
  /**
   * relay clock; since when the page counts its current connection: the `conn` event's time, or
   * the snapshot's for a node a snapshot shows connected but silent past its stale bound (a node
   * that just reconnected to a restarted relay and one silent all along look the same there, so
   * the page waits a full stale bound of its own before calling it stale). null: connected
   * before anything the page saw, or offline. A node has not reported on this connection while
   * its last heartbeat is older: its height and head are from before, so they judge nothing.
   */
  readonly connectedAt: number | null
  /** moving average of the intervals between its heartbeats; null until two were seen */
  readonly beatPeriodMs: number | null
  readonly history: HeightHistory
}

export interface BestHeight {
  /** the highest height an online node has reported; -1 before any */
  readonly height: number
  /** relay clock; when it was first reported */
  readonly roseAt: number
  /** median time per height step over the last rises seen live; null until seen */
  readonly blockTimeMs: number | null
  /** time per height step of the last BLOCK_TIME_SAMPLES rises seen live */
  readonly samples: readonly number[]
  /** the best height was reported on the current subscription: a rise from a height last seen
   *  before a gap in the feed spans time nobody watched, and teaches no block time */
  readonly seen: boolean
}

/** A stretch of relay time the page did not hear: from the last word of one subscription to
 *  the snapshot of the next. What the relay's histories say of it, the page did not watch. */
export interface FeedGap {
  readonly from: number
  readonly to: number
}

interface PendingSnapshot {
  /** relay clock; the snapshot is the relay's state as of this */
  readonly serverTime: number
  readonly count: number
  readonly nodes: Map<string, NodeEntry>
  readonly byIndex: Map<number, string>
  /** the fork monitor's panel and medians as the snapshot carries them (its node ids) */
  forks: ForksMessage | null
  propagation: ReadonlyMap<string, number>
}

export interface FeedState {
  /** by peer ID */
  readonly nodes: ReadonlyMap<string, NodeEntry>
  /** the relay's small integer `i` → peer ID, valid for the current subscription */
  readonly byIndex: ReadonlyMap<number, string>
  /** a snapshot being received; the old nodes stay shown until it is complete */
  readonly pending: PendingSnapshot | null
  /** a snapshot completed on the current subscription */
  readonly synced: boolean
  /** relay clock; every change up to this moment has been applied: the last snapshot's time,
   *  then each stamped event's (heartbeats, connects, disconnects, pings) on its subscription.
   *  null before any snapshot. Stays put while the feed is lost or a new snapshot comes in. */
  readonly heardAt: number | null
  /** snapshots completed; a view derived on another one has a gap in the feed behind it */
  readonly subscription: number
  /** the last MAX_FEED_GAPS gaps longer than a quiet feed's silence, oldest first */
  readonly gaps: readonly FeedGap[]
  readonly relayPeerId: string | null
  /** relay clock minus local clock, from the last hello, snapshot or ping (as received) */
  readonly clockOffsetMs: number
  readonly best: BestHeight
  /** events that named an `i` the dashboard does not know (a relay bug or a lost line) */
  readonly unknownEvents: number
  /** the relay's fork monitor: its latest `forks` message on this subscription (its node ids
   *  are this subscription's `i`); null until one came. The relay judges forks, in one place;
   *  the page shows what it said, as of its `at`. */
  readonly forks: ForksMessage | null
  /** per node (peer ID), its median propagation delay (ms), from the relay's latest `prop` */
  readonly propagation: ReadonlyMap<string, number>
  /** new height histories keep points at least this far apart (but the newest): the chart's
   *  window over their capacity, so a week-long window holds a week */
  readonly spacingMs: number
}

export function initialFeedState (spacingMs = 0): FeedState {
  return {
    nodes: new Map(),
    byIndex: new Map(),
    pending: null,
    synced: false,
    heardAt: null,
    subscription: 0,
    gaps: [],
    relayPeerId: null,
    clockOffsetMs: 0,
    best: { height: -1, roseAt: 0, blockTimeMs: null, samples: [], seen: false },
    unknownEvents: 0,
    forks: null,
    propagation: new Map(),
    spacingMs
  }
}

/** The relay's clock now, estimated from the local one. */
export function relayTime (state: FeedState, now: number): number {
  return now + state.clockOffsetMs
}

/** A node whose silence counts: connected, silent since its last heartbeat or since it
 *  (re)connected, whichever came later (relay clock). */
export function silentSince (node: NodeEntry): number {
  return Math.max(node.lastHeartbeatAt, node.connectedAt ?? -Infinity)
}

/** How long a node may be silent before it is stale: STALE_BEATS of its observed period. */
export function staleAfterMs (node: NodeEntry): number {
  return staleAfter(node.beatPeriodMs)
}

/** Connected and heard from on this connection, so its height and head are current. */
export function isReporting (node: NodeEntry): boolean {
  return node.connected && (node.connectedAt === null || node.lastHeartbeatAt >= node.connectedAt)
}

/** Applies one feed message; `now` is the local clock (ms since epoch) when it was received. */
export function reduce (state: FeedState, message: FeedMessage, now: number): FeedState {
  return reduceAll(state, [message], now)
}

/**
 * Applies messages in order, copying the node maps at most once for the whole batch (the store
 * calls this once per animation frame with everything that arrived since the last one).
 * `receivedAt[k]` is the local time message k arrived (`now` when not given): a batch queued
 * in a hidden tab is applied long after its pings came, and the clock offset is theirs.
 */
export function reduceAll (state: FeedState, messages: readonly FeedMessage[], now: number, receivedAt?: readonly number[]): FeedState {
  const draft = new Draft(state)
  for (let k = 0; k < messages.length; k++) {
    const message = messages[k]
    if (message !== undefined) draft.apply(message, receivedAt?.[k] ?? now)
  }
  return draft.finish()
}

type Writable<T> = { -readonly [K in keyof T]: T[K] }

/** Each node's median propagation by peer ID, from the relay's `[i, ms]` (a `prop` message, a
 *  recorded moment's branches); ids `peerOf` does not know are left out. */
export function propagationByPeer (medians: ReadonlyArray<readonly [number, number]>, peerOf: (i: number) => string | undefined): Map<string, number> {
  const byPeer = new Map<string, number>()
  for (const [i, ms] of medians) {
    const peerId = peerOf(i)
    if (peerId !== undefined) byPeer.set(peerId, ms)
  }
  return byPeer
}

/**
 * A copy of a map made with forEach: `new Map(map)` goes through the iterator protocol, an
 * entry array per entry, and took ~1.8 ms and ~160 KiB for 1,000 nodes against ~0.1 ms and
 * ~56 KiB (Node 24; the reducer copies the node map once per view update).
 */
function copyMap<K, V> (map: ReadonlyMap<K, V>): Map<K, V> {
  const copy = new Map<K, V>()
  map.forEach((value, key) => { copy.set(key, value) })
  return copy
}

class Draft {
  readonly #base: FeedState
  #state: FeedState
  /** the batch's own copy of the state, made at its first change and changed in place after
   *  (a copy per heartbeat was ~200 KB/s of garbage at 1,000 nodes); null until then */
  #own: Writable<FeedState> | null = null
  #nodes: Map<string, NodeEntry> | null = null
  #byIndex: Map<number, string> | null = null

  constructor (state: FeedState) {
    this.#base = state
    this.#state = state
  }

  finish (): FeedState {
    if (this.#nodes === null && this.#byIndex === null) return this.#state
    const own = this.#writable()
    own.nodes = this.#nodes ?? own.nodes
    own.byIndex = this.#byIndex ?? own.byIndex
    return own
  }

  #writable (): Writable<FeedState> {
    if (this.#own === null) {
      this.#own = { ...this.#state }
      this.#state = this.#own
    }
    return this.#own
  }

  #writableNodes (): Map<string, NodeEntry> {
    this.#nodes ??= copyMap(this.#base.nodes)
    return this.#nodes
  }

  #currentNodes (): ReadonlyMap<string, NodeEntry> {
    return this.#nodes ?? this.#state.nodes
  }

  #currentIndex (): ReadonlyMap<number, string> {
    return this.#byIndex ?? this.#state.byIndex
  }

  #set (patch: Partial<FeedState>): void {
    Object.assign(this.#writable(), patch)
  }

  apply (message: FeedMessage, now: number): void {
    switch (message.t) {
      case 'hello':
        this.#set({
          relayPeerId: message.relayPeerId,
          clockOffsetMs: message.serverTime - now,
          // a new subscription: its `i` numbering and snapshot are still to come, and what
          // happened since the last message of the one before is unknown
          synced: false,
          pending: null,
          best: { ...this.#state.best, seen: false }
        })
        return
      case 'ping':
        this.#set({ clockOffsetMs: message.serverTime - now })
        this.#heard(message.serverTime)
        return
      case 'snapshot':
        this.#set({
          clockOffsetMs: message.serverTime - now,
          pending: { serverTime: message.serverTime, count: message.count, nodes: new Map(), byIndex: new Map(), forks: null, propagation: new Map() }
        })
        return
      case 'forks': {
        const pending = this.#state.pending
        if (pending !== null) {
          pending.forks = message
          return
        }
        this.#heard(message.at)
        this.#set({ forks: message })
        return
      }
      case 'prop': {
        const pending = this.#state.pending
        const byIndex = pending?.byIndex ?? this.#currentIndex()
        const medians = propagationByPeer(message.medians, i => byIndex.get(i))
        if (pending !== null) pending.propagation = medians
        else this.#set({ propagation: medians })
        return
      }
      case 'node':
        this.#node(message.i, message.node, message.history)
        return
      case 'synced':
        this.#synced()
        return
      case 'hb': {
        this.#heard(message.at)
        const node = this.#byI(message.i)
        if (node === undefined) return
        this.#put({
          ...node,
          height: message.height,
          head: message.head,
          firstSeenAt: node.missing ? message.at : node.firstSeenAt,
          missing: false,
          lastHeartbeatAt: Math.max(node.lastHeartbeatAt, message.at),
          // a heartbeat arrives only over an open stream
          connected: true,
          disconnectedAt: null,
          connectedAt: node.connected ? node.connectedAt : message.at,
          // the time since a beat from before it (re)connected is an outage, not a period
          beatPeriodMs: isReporting(node) ? nextBeatPeriod(node.beatPeriodMs, message.at - node.lastHeartbeatAt) : node.beatPeriodMs
        })
        recordHeight(node.history, message.at, message.height)
        this.#observeHeight(message.height, message.at, true)
        if (node.height === this.#state.best.height && message.height < node.height) this.#settleBest(message.at)
        return
      }
      case 'conn': {
        this.#heard(message.at)
        const node = this.#byI(message.i)
        if (node === undefined || node.connected) return
        this.#put({ ...node, connected: true, disconnectedAt: null, connectedAt: message.at })
        return
      }
      case 'disc': {
        this.#heard(message.at)
        const node = this.#byI(message.i)
        if (node === undefined || !node.connected) return
        this.#put({ ...node, connected: false, disconnectedAt: message.at, connectedAt: null })
        if (node.height === this.#state.best.height) this.#settleBest(message.at)
        return
      }
      case 'forget': {
        const peerId = this.#currentIndex().get(message.i)
        if (peerId === undefined) {
          this.#set({ unknownEvents: this.#state.unknownEvents + 1 })
          return
        }
        this.#writableNodes().delete(peerId)
        this.#byIndex ??= copyMap(this.#base.byIndex)
        this.#byIndex.delete(message.i)
        return
      }
    }
  }

  #byI (i: number): NodeEntry | undefined {
    const peerId = this.#currentIndex().get(i)
    const node = peerId === undefined ? undefined : this.#currentNodes().get(peerId)
    if (node === undefined) this.#set({ unknownEvents: this.#state.unknownEvents + 1 })
    return node
  }

  #put (node: NodeEntry): void {
    this.#writableNodes().set(node.peerId, node)
  }

  /** A stamped event of the current subscription: everything up to `at` has been applied. */
  #heard (at: number): void {
    const { heardAt, synced, pending } = this.#state
    if (!synced || pending !== null) return
    if (heardAt === null || at > heardAt) this.#writable().heardAt = at
  }

  /** See NodeEntry.connectedAt. `at`: the time the record is as of. */
  #connectedAt (record: Pick<NodeEntry, 'connected' | 'lastHeartbeatAt'>, known: NodeEntry | undefined, at: number): number | null {
    if (!record.connected) return null
    // the page saw it connected and silent since this same beat: what it knew still holds,
    // and a silence it had already called stale stays stale
    if (known?.connected === true && known.lastHeartbeatAt === record.lastHeartbeatAt) {
      const horizon = this.#state.heardAt
      if (known.connectedAt !== null || (horizon !== null && horizon - silentSince(known) > staleAfterMs(known))) return known.connectedAt
    }
    // it went offline, and has come back without a beat since
    if (known !== undefined && !known.connected && record.lastHeartbeatAt <= (known.disconnectedAt ?? -Infinity)) return at
    const bound = staleAfter(known?.beatPeriodMs ?? null)
    if (at - record.lastHeartbeatAt > bound) return at
    return known?.connected === true ? known.connectedAt : null
  }

  #node (i: number, wire: NodeRecord, history: HistoryPoint[] | undefined): void {
    const pending = this.#state.pending
    const missing = wire.lastHeartbeatAt === null
    // a node never heard is as if heard infinitely long ago: offline, behind everyone, stale
    const record = { ...wire, firstSeenAt: wire.firstSeenAt ?? -Infinity, lastHeartbeatAt: wire.lastHeartbeatAt ?? -Infinity }
    // a node seen before keeps its ring buffer and observed beat period across resubscribes
    const known = pending?.nodes.get(record.peerId) ?? this.#currentNodes().get(record.peerId)
    const connectedAt = this.#connectedAt(record, known, pending?.serverTime ?? this.#state.heardAt ?? record.lastHeartbeatAt)
    // an unchanged node keeps its object, so its row is not drawn again: after a resubscribe,
    // or when the feed's snapshot replaces the first paint's (http-snapshot.ts), most are
    const entry: NodeEntry = known !== undefined && sameRecord(known, record) && known.connectedAt === connectedAt
      ? known
      : {
          ...record,
          missing,
          disconnectedAt: record.connected ? null : (known !== undefined && !known.connected ? known.disconnectedAt : record.lastHeartbeatAt),
          connectedAt,
          beatPeriodMs: known?.beatPeriodMs ?? null,
          history: known?.history ?? new HeightHistory(HISTORY_CAPACITY, this.#state.spacingMs)
        }
    for (const [at, height] of history ?? []) recordHeight(entry.history, at, height)
    if (!missing) recordHeight(entry.history, record.lastHeartbeatAt, record.height)
    if (pending !== null) {
      pending.nodes.set(record.peerId, entry)
      pending.byIndex.set(i, record.peerId)
      return
    }
    if (known === undefined) this.#makeRoom()
    this.#put(entry)
    this.#byIndex ??= copyMap(this.#base.byIndex)
    this.#byIndex.set(i, record.peerId)
    if (isReporting(entry)) this.#observeHeight(record.height, firstAtHeight(entry.history, record.height, record.lastHeartbeatAt), false)
  }

  #synced (): void {
    const pending = this.#state.pending
    if (pending === null) return
    // the snapshot is the whole truth: nodes missing from it are gone
    this.#nodes = pending.nodes
    this.#byIndex = pending.byIndex
    const { heardAt, gaps } = this.#state
    this.#set({
      pending: null,
      synced: true,
      heardAt: pending.serverTime,
      // what the relay's fork monitor said in this snapshot, or nothing: a panel from before
      // names nodes by the old subscription's ids
      forks: pending.forks,
      propagation: pending.propagation,
      subscription: this.#state.subscription + 1,
      gaps: heardAt !== null && pending.serverTime - heardAt > FEED_CURRENT_MS
        ? [...gaps.slice(1 - MAX_FEED_GAPS), { from: heardAt, to: pending.serverTime }]
        : gaps
    })
    for (const node of pending.nodes.values()) {
      if (isReporting(node)) this.#observeHeight(node.height, firstAtHeight(node.history, node.height, node.lastHeartbeatAt), false)
    }
    // nobody is at the best height from before the gap any more (a reorg down, a reset devnet,
    // a restarted relay whose nodes are not back): the best is what they report now
    this.#settleBest(pending.serverTime)
  }

  /** The relay bounds its known nodes and says `forget`; this bound holds even if it did not:
   *  past MAX_NODES the longest-silent offline node is dropped to make room. */
  #makeRoom (): void {
    const nodes = this.#currentNodes()
    if (nodes.size < MAX_NODES) return
    let oldest: NodeEntry | undefined
    for (const node of nodes.values()) {
      if (!node.connected && (oldest === undefined || node.lastHeartbeatAt < oldest.lastHeartbeatAt)) oldest = node
    }
    if (oldest === undefined) return
    this.#writableNodes().delete(oldest.peerId)
    this.#byIndex ??= copyMap(this.#base.byIndex)
    for (const [i, peerId] of this.#byIndex) if (peerId === oldest.peerId) this.#byIndex.delete(i)
  }

  /**
   * A node left the best height (it went offline, reorged down, or the devnet was reset to
   * genesis). When no online node is at the best height any more, the best is what the online
   * nodes hold now, risen when the first of them reached it; otherwise a reset devnet would
   * look stalled, and every node behind, until it climbed past its old height.
   */
  #settleBest (at: number): void {
    const best = this.#state.best
    let height = -1
    for (const node of this.#currentNodes().values()) {
      if (isReporting(node) && node.height > height) height = node.height
    }
    if (height >= best.height) return
    let roseAt = at
    for (const node of this.#currentNodes().values()) {
      if (isReporting(node) && node.height === height) roseAt = Math.min(roseAt, firstAtHeight(node.history, height, node.lastHeartbeatAt))
    }
    this.#set({ best: { ...best, height, roseAt: height < 0 ? 0 : roseAt } })
  }

  /**
   * Notes a height reported by an online node; a rise seen live from a best height seen on
   * this subscription also teaches the block time. Times are the relay's, so rises applied in
   * one batch (a tab that was hidden) teach what they would have taught one by one.
   */
  #observeHeight (height: number, at: number, live: boolean): void {
    const best = this.#state.best
    if (height < best.height) return
    if (height === best.height) {
      // the same height reported earlier (a snapshot's history) moves the rise back in time
      if (at < best.roseAt || !best.seen) this.#set({ best: { ...best, roseAt: Math.min(at, best.roseAt), seen: true } })
      return
    }
    let { blockTimeMs, samples } = best
    if (live && best.seen && best.height >= 0 && at > best.roseAt) {
      samples = [...samples.slice(1 - BLOCK_TIME_SAMPLES), (at - best.roseAt) / (height - best.height)]
      blockTimeMs = median(samples)
    }
    this.#set({ best: { height, roseAt: at, blockTimeMs, samples, seen: true } })
  }
}

type NodeFields = Omit<NodeEntry, 'missing' | 'disconnectedAt' | 'connectedAt' | 'beatPeriodMs' | 'history'>

function sameRecord (a: NodeFields, b: NodeFields): boolean {
  return a.peerId === b.peerId && a.nickname === b.nickname && a.height === b.height && a.head === b.head &&
    a.minerAddress === b.minerAddress && a.genesisCid === b.genesisCid && a.connected === b.connected &&
    a.firstSeenAt === b.firstSeenAt && a.lastHeartbeatAt === b.lastHeartbeatAt &&
    a.client === b.client && a.clientVersion === b.clientVersion && a.nodePeerId === b.nodePeerId &&
    a.syncing === b.syncing && a.finalizedHeight === b.finalizedHeight
}

/** The chart draws steps, so only height changes are kept, which makes the ring last longer. */
function recordHeight (history: HeightHistory, at: number, height: number): void {
  if (history.size > 0 && (history.lastHeight() === height || at < history.lastAt())) return
  history.push(at, height)
}

/** When the node first reported the height it is at now, as far as its history tells. */
function firstAtHeight (history: HeightHistory, height: number, fallback: number): number {
  let at = fallback
  for (let k = history.size - 1; k >= 0 && history.heightOf(k) === height; k--) at = history.atOf(k)
  return at
}


/**
 * The relay's record of the chart's window (/api/history) behind what the feed gave: each
 * known node's history gets the recorded heights older than its first point, as steps at the
 * end of each bucket where the height changed. Nodes the feed does not know are left out.
 */
export function mergePast (state: FeedState, header: HistoryHeader, series: readonly HistorySeries[]): FeedState {
  let nodes: Map<string, NodeEntry> | undefined
  for (const s of series) {
    const node = (nodes ?? state.nodes).get(s.peerId)
    if (node === undefined) continue
    const past: Array<[number, number]> = []
    let previous = -1
    for (let j = 0; j < s.heights.length; j++) {
      const height = s.heights[j] ?? previous
      if (height === previous) continue
      const k = s.first + j
      // where the bucket ends: the height was this by then (the last bucket ends at `to`)
      past.push([k === header.buckets - 1 ? header.to : header.from + (k + 1) * header.stepMs, height])
      previous = height
    }
    if (past.length === 0) continue
    nodes ??= copyMap(state.nodes)
    // in place, as the reducer's pushes are (this file's head); a new entry all the same, as
    // the view reuses a node's view only for the same entry (view.ts), and the chart draws
    // from new views
    node.history.mergePast(past)
    nodes.set(s.peerId, { ...node })
  }
  return nodes === undefined ? state : { ...state, nodes }
}
