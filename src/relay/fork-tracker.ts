// One network's branches, followed from its nodes' head changes. Heads at one height that
// share a block are one round (src/protocol/heads.ts); a node that moves from one round to a
// higher one says the higher follows the lower, so rounds form lines; a round that no held
// round follows is a tip, and each tip is a branch. Two branches whose split stays put for
// FORK_BLOCKS block times, with evidence that they are two lines and not one seen unevenly
// (two rounds at one height, or two rounds on each side of the split), are a fork, until
// every node is on one branch again. A sender that reports its head's parent (ParentHead)
// links rounds for certain: a round's parent is then the round holding that parent, not the
// one its nodes came from, and one round on each side past a split, each linked down to it,
// is evidence enough (two children of one round); a node that skipped a head is on the line
// of the head it skipped, since its new head's parent chain holds it. All of it on the relay's clock, from calls the caller
// makes (heartbeats, connects, a periodic evaluate): tested on a fake clock.
// Cost: a heartbeat whose head did not change costs a map lookup; a new head costs a split of
// its blocks and a few map updates; evaluate walks the held rounds' lines (bounded by
// FORK_KEEP_HEIGHTS) and the live nodes, a few times a second.
import { headBlocks } from '../protocol/heads.ts'
import { ABANDONED, FORK_BLOCKS, PANEL_HEIGHTS, PANEL_ROUNDS_PER_HEIGHT, PROPAGATION_BLOCKS, PROPAGATION_EDGES_MS, PROPAGATION_MIN_SAMPLES, PROPAGATION_SAMPLES, TRUNK } from '../protocol/forks.ts'
import { DEFAULT_BLOCK_TIME_MS, median, nextBeatPeriod, nextBlockTime, staleAfterMs } from '../protocol/status-rules.ts'
import type { NetworkPanel, PanelBranch, PanelColumn, PanelRound, PropagationHistogram } from '../protocol/forks.ts'

// Heights below the largest branch's tip that rounds are kept for: lines long enough to find
// the split of a fork a few dozen blocks deep; a node further behind is not placed on a line
export const FORK_KEEP_HEIGHTS = 64
// Rounds kept in all, and at one height: a hostile sender that reports a new head every beat
// fills its own height's allowance, then its heads are not placed
export const MAX_ROUNDS = 4_096
export const MAX_ROUNDS_PER_HEIGHT = 64
// Blocks and distinct heads one round collects (a Filecoin round has a handful of blocks)
const MAX_BLOCKS_PER_ROUND = 256
const MAX_HEADS_PER_ROUND = 64
// Lower rounds a round keeps votes for as its parent (a handful: the main line, a branch
// nodes reorged off, a round skipped)
const MAX_PARENT_CANDIDATES = 8
// Blocks of a reported parent kept to find it by (a Filecoin tipset has a handful; the rest of
// a longer key is not needed to find its round)
const MAX_PARENT_BLOCKS = 16

interface Round {
  readonly id: number
  readonly height: number
  readonly blocks: Set<string>
  /** head string → its number of blocks */
  readonly heads: Map<string, number>
  /** the round it follows, as inferred; resolve with find() (it may have merged), and a
   *  pruned one reads as unknown */
  parent: Round | null
  /** the lower rounds nodes came to it from, with how many did: the parent is the one most
   *  came from (a node that reorged onto this line, or skipped a round, is outvoted) */
  readonly from: Map<Round, number>
  /** the blocks of its parent as a sender reported it (ParentHead), null when none did */
  parentBlocks: string[] | null
  /** its parent is the round holding parentBlocks (found), not a vote */
  linked: boolean
  /** senders reported parents with no block in common: they are not believed, votes decide */
  parentConflict: boolean
  /** set when merged into another round (heads found to share a block) */
  merged: Round | null
  pruned: boolean
  readonly holders: Set<TrackedNode>
  seen: number
  firstAt: number
  /** a new best height when first reported: propagation is measured on it */
  timed: boolean
  /** the delays (ms) of the nodes that reported it after the first, counted per bin of
   *  PROPAGATION_EDGES_MS as they come (the histogram sums these, never re-bins a delay) */
  readonly bins: number[]
}

interface TrackedNode {
  readonly i: number
  connected: boolean
  connectedAt: number
  lastBeatAt: number
  beatPeriodMs: number | null
  height: number
  head: string
  round: Round | null
  /** its last PROPAGATION_SAMPLES delays, oldest first */
  readonly delays: number[]
}

/** A fork as the tracker reports it: node ids, not peers (the caller knows who they are). */
export interface TrackedFork {
  id: number
  startedAt: number
  calledAt: number
  endedAt: number | null
  splitHeight: number | null
  depth: number
  sides: TrackedSide[]
}

export interface TrackedSide {
  tipHeight: number
  tipHead: string
  largest: boolean
  nodes: number[]
}

export type ForkTrackerEvent =
  | { kind: 'fork_started', fork: TrackedFork }
  | { kind: 'fork_ended', fork: TrackedFork }

/** The panel's part that one tracker knows (the network's identity is its caller's). */
export interface TrackerPanel extends Pick<NetworkPanel, 'blockTimeMs' | 'columns' | 'branches' | 'fork' | 'divergingSince' | 'propagation'> {
  /** live nodes placed on a round */
  placed: number
}

export interface ForkTrackerInit {
  /** default FORK_KEEP_HEIGHTS */
  keepHeights?: number
}

/** A divergence from the largest branch, kept across evaluations by the round it split at. */
interface Divergence {
  since: number
  lastSeen: number
}

/** Branches as one evaluation found them. */
interface Branch {
  tip: Round
  /** the tip's line, tip first, as far as it is known and kept */
  line: Round[]
  lineSet: Set<Round>
  nodes: TrackedNode[]
  split: Round | null
  evidenced: boolean
  /** wholly below the largest past the split: a node catching up, as far as heads tell; its
   *  heads differ, but it is not shown as diverging */
  lagging: boolean
  /** a side of the open fork */
  forked: boolean
}

const ROOT = Symbol('unknown split')
type SplitKey = Round | typeof ROOT

function find (round: Round): Round {
  let r = round
  while (r.merged !== null) r = r.merged
  // path compression: later lookups of the old round go straight to the survivor
  let s = round
  while (s.merged !== null && s.merged !== r) {
    const next: Round = s.merged
    s.merged = r
    s = next
  }
  return r
}

function live (round: Round | null): Round | null {
  if (round === null) return null
  const r = find(round)
  return r.pruned ? null : r
}

export class ForkTracker {
  readonly #keepHeights: number
  readonly #nodes = new Map<number, TrackedNode>()
  readonly #rounds = new Set<Round>()
  readonly #byHeight = new Map<number, Set<Round>>()
  /** `${height} ${block}` → its round */
  readonly #byBlock = new Map<string, Round>()
  /** `${height} ${head}` → its round */
  readonly #byHead = new Map<string, Round>()
  /** block → a round holding it, at any height: where a reported parent is looked up */
  readonly #roundOfBlock = new Map<string, Round>()
  /** a reported parent's block not placed yet → the rounds waiting for it as their parent */
  readonly #awaiting = new Map<string, Set<Round>>()
  readonly #divergences = new Map<SplitKey, Divergence>()
  /** rounds measured for propagation, oldest first */
  readonly #timed: Round[] = []
  #nextRound = 1
  #best = { height: -1, roseAt: 0, samples: [] as number[], blockTimeMs: null as number | null }
  /** the live nodes' median height at the last evaluation: what "far" is measured from */
  #reference = -1
  #branches: Branch[] = []
  #fork: OpenTrackedFork | null = null
  #forksSoFar = 0
  #nextForkId: () => number
  /** heads that could not be placed (no blocks, too far behind, past a bound) */
  unplaced = 0
  /** the last head found in or added to #byHead, and its round then */
  #lastPlaced: { height: number, head: string, round: Round } | null = null

  constructor (init: ForkTrackerInit & { nextForkId?: () => number } = {}) {
    this.#keepHeights = init.keepHeights ?? FORK_KEEP_HEIGHTS
    this.#nextForkId = init.nextForkId ?? (() => ++this.#forksSoFar)
  }

  get size (): number {
    return this.#nodes.size
  }

  get roundCount (): number {
    return this.#rounds.size
  }

  get blockTimeMs (): number | null {
    return this.#best.blockTimeMs
  }

  /** The fork open now, if any. */
  get openFork (): TrackedFork | null {
    return this.#fork === null ? null : reported(this.#fork)
  }

  /** The node's last beat, to hand it to another tracker (its network changed). */
  lastBeat (i: number): { height: number, head: string, at: number } | undefined {
    const node = this.#nodes.get(i)
    return node === undefined || node.lastBeatAt === -Infinity ? undefined : { height: node.height, head: node.head, at: node.lastBeatAt }
  }

  #node (i: number, at: number): TrackedNode {
    let node = this.#nodes.get(i)
    if (node === undefined) {
      node = { i, connected: false, connectedAt: at, lastBeatAt: -Infinity, beatPeriodMs: null, height: -1, head: '', round: null, delays: [] }
      this.#nodes.set(i, node)
    }
    return node
  }

  connected (i: number, at: number): void {
    const node = this.#node(i, at)
    if (node.connected) return
    node.connected = true
    node.connectedAt = at
  }

  disconnected (i: number): void {
    const node = this.#nodes.get(i)
    if (node === undefined) return
    node.connected = false
  }

  /** The node is no longer this network's (forgotten, or it reports another genesis now). */
  forget (i: number): void {
    const node = this.#nodes.get(i)
    if (node === undefined) return
    node.round?.holders.delete(node)
    this.#nodes.delete(i)
  }

  /** A heartbeat: the node's height and head at `at` (relay clock), and the head's parent
   *  when the sender reports it (ParentHead). */
  beat (i: number, height: number, head: string, at: number, parent?: string): void {
    const node = this.#node(i, at)
    if (!node.connected) this.connected(i, at)
    // as on the page: an interval counts only between beats of one connection
    const reporting = node.lastBeatAt >= node.connectedAt
    if (reporting) node.beatPeriodMs = nextBeatPeriod(node.beatPeriodMs, at - node.lastBeatAt)
    node.lastBeatAt = at
    if (head === node.head && height === node.height) {
      // the same head, its parent perhaps known only now; a round whose parent is already
      // reported costs a comparison
      const round = live(node.round)
      if (parent !== undefined && round !== null && round.parentBlocks === null && !round.parentConflict) this.#reportParent(round, parent)
      return
    }
    const wasBest = this.#best.height
    this.#observeHeight(height, at, reporting)
    const before = node.round
    const round = this.#place(height, head, at, reporting && height > wasBest)
    if (round !== null && parent !== undefined) this.#reportParent(round, parent)
    // placing may have merged the node's round into this one
    const previous = live(before)
    node.head = head
    node.height = height
    if (round === previous) return
    if (node.round !== null) find(node.round).holders.delete(node)
    node.round = round
    if (round === null) return
    round.holders.add(node)
    round.seen++
    if (previous !== null && previous.height < round.height) this.#vote(round, previous)
    if (round.timed && reporting) {
      const delay = at - round.firstAt
      if (delay > 0) {
        const bin = binOf(delay)
        round.bins[bin] = (round.bins[bin] ?? 0) + 1
      }
      node.delays.push(delay)
      if (node.delays.length > PROPAGATION_SAMPLES) node.delays.shift()
    }
  }

  /**
   * A node moved from `previous` to `round`: a vote for `previous` as its parent. The parent is
   * the round most nodes came from; on a tie the nearer one (a node that skipped a round came
   * from further down), then the one more nodes have seen (the main line, not a branch a node
   * reorged off: at a reorg, the first node onto the new head may well come from the old
   * branch, and the next beats of the majority outvote it).
   */
  #vote (round: Round, previous: Round): void {
    const votes = round.from
    if (!votes.has(previous) && votes.size >= MAX_PARENT_CANDIDATES) return
    votes.set(previous, (votes.get(previous) ?? 0) + 1)
    if (!round.linked) round.parent = bestParent(votes)
  }

  /**
   * A sender says `round`'s parent is `parent` (a head string). The first report is kept and
   * the round linked to the round holding it, now or once it is placed; a later one that
   * shares no block with it is a conflict (a sender that lies, or a bug), and then votes
   * decide as for a sender without the field.
   */
  #reportParent (round: Round, parent: string): void {
    if (round.parentConflict) return
    const blocks = headBlocks(parent).slice(0, MAX_PARENT_BLOCKS)
    if (blocks.length === 0) return
    const known = round.parentBlocks
    if (known === null) {
      round.parentBlocks = blocks
      this.#resolveParent(round)
      return
    }
    if (blocks.some(block => known.includes(block))) return
    this.#unawait(round)
    round.parentConflict = true
    round.parentBlocks = null
    round.linked = false
    round.parent = bestParent(round.from)
  }

  /** Links the round to the round holding its reported parent, or waits for that to be placed. */
  #resolveParent (round: Round): void {
    const blocks = round.parentBlocks
    if (blocks === null || round.linked) return
    for (const block of blocks) {
      const found = this.#roundOfBlock.get(block)
      const parent = found === undefined ? null : live(found)
      // a parent is lower; anything else is not this round's parent, whatever a sender says
      if (parent === null || parent.height >= round.height) continue
      this.#unawait(round)
      round.parent = parent
      round.linked = true
      return
    }
    for (const block of blocks) {
      let waiting = this.#awaiting.get(block)
      if (waiting === undefined) this.#awaiting.set(block, waiting = new Set())
      waiting.add(round)
    }
  }

  #unawait (round: Round): void {
    for (const block of round.parentBlocks ?? []) {
      const waiting = this.#awaiting.get(block)
      if (waiting === undefined) continue
      waiting.delete(round)
      if (waiting.size === 0) this.#awaiting.delete(block)
    }
  }

  /** A block placed: the rounds that were waiting for it as their parent are linked. */
  #placedBlock (block: string, round: Round): void {
    if (!this.#roundOfBlock.has(block)) this.#roundOfBlock.set(block, round)
    const waiting = this.#awaiting.get(block)
    if (waiting === undefined) return
    this.#awaiting.delete(block)
    for (const child of waiting) {
      const r = live(child)
      if (r !== null) this.#resolveParent(r)
    }
  }

  /** The best height and the block time, on the shared rules (src/protocol/status-rules.ts). */
  #observeHeight (height: number, at: number, live: boolean): void {
    const best = this.#best
    if (height <= best.height) return
    const next = live && best.height >= 0 ? nextBlockTime(best.samples, best.height, best.roseAt, height, at) : { samples: best.samples, blockTimeMs: best.blockTimeMs }
    this.#best = { height, roseAt: at, samples: next.samples, blockTimeMs: next.blockTimeMs }
  }

  /** The round a head belongs to, made or merged as its blocks say; null when it cannot be
   *  placed. `fresh`: the head is a new best height, reported live. */
  #place (height: number, head: string, at: number, fresh: boolean): Round | null {
    // the head placed last: after a block, beat after beat brings the same one (the index's
    // key would be built and hashed for each). An entry the index still holds resolves as it
    // would; a pruned one is looked up again
    const last = this.#lastPlaced
    if (last !== null && last.height === height && last.head === head && !find(last.round).pruned) return live(last.round)
    const known = this.#byHead.get(`${height} ${head}`)
    if (known !== undefined) {
      this.#lastPlaced = { height, head, round: known }
      return live(known)
    }
    const blocks = headBlocks(head)
    if (blocks.length === 0 || (this.#reference >= 0 && height < this.#reference - this.#keepHeights)) {
      this.unplaced++
      return null
    }
    const found = new Set<Round>()
    for (const block of blocks) {
      const round = this.#byBlock.get(`${height} ${block}`)
      if (round !== undefined) {
        const r = live(round)
        if (r !== null) found.add(r)
      }
    }
    let round: Round
    if (found.size === 0) {
      const atHeight = this.#byHeight.get(height)
      if (this.#rounds.size >= MAX_ROUNDS || (atHeight?.size ?? 0) >= MAX_ROUNDS_PER_HEIGHT) {
        this.unplaced++
        return null
      }
      round = {
        id: this.#nextRound++,
        height,
        blocks: new Set(),
        heads: new Map(),
        parent: null,
        from: new Map(),
        parentBlocks: null,
        linked: false,
        parentConflict: false,
        merged: null,
        pruned: false,
        holders: new Set(),
        seen: 0,
        firstAt: at,
        timed: fresh,
        bins: new Array<number>(PROPAGATION_EDGES_MS.length + 1).fill(0)
      }
      this.#rounds.add(round)
      if (atHeight === undefined) this.#byHeight.set(height, new Set([round]))
      else atHeight.add(round)
      if (fresh) {
        this.#timed.push(round)
        if (this.#timed.length > PROPAGATION_BLOCKS) this.#timed.shift()
      }
    } else {
      const [first, ...rest] = [...found].sort((a, b) => a.id - b.id)
      round = first as Round
      for (const other of rest) this.#merge(other, round)
    }
    if (round.heads.size < MAX_HEADS_PER_ROUND) {
      round.heads.set(head, blocks.length)
      this.#byHead.set(`${height} ${head}`, round)
      this.#lastPlaced = { height, head, round }
    }
    for (const block of blocks) {
      if (round.blocks.size >= MAX_BLOCKS_PER_ROUND) break
      if (round.blocks.has(block)) continue
      round.blocks.add(block)
      this.#byBlock.set(`${height} ${block}`, round)
      this.#placedBlock(block, round)
    }
    return round
  }

  /** `from` turned out to be part of `into` (a head holds blocks of both). */
  #merge (from: Round, into: Round): void {
    from.merged = into
    this.#rounds.delete(from)
    this.#byHeight.get(from.height)?.delete(from)
    for (const block of from.blocks) {
      if (into.blocks.size < MAX_BLOCKS_PER_ROUND) into.blocks.add(block)
      this.#byBlock.set(`${from.height} ${block}`, into)
    }
    for (const [head, count] of from.heads) {
      if (into.heads.size < MAX_HEADS_PER_ROUND) into.heads.set(head, count)
      this.#byHead.set(`${from.height} ${head}`, into)
    }
    for (const node of from.holders) {
      node.round = into
      into.holders.add(node)
    }
    from.holders.clear()
    into.seen += from.seen
    into.firstAt = Math.min(into.firstAt, from.firstAt)
    for (let b = 0; b < from.bins.length; b++) into.bins[b] = (into.bins[b] ?? 0) + (from.bins[b] ?? 0)
    for (const [candidate, count] of from.from) {
      if (into.from.has(candidate) || into.from.size < MAX_PARENT_CANDIDATES) into.from.set(candidate, (into.from.get(candidate) ?? 0) + count)
    }
    // one round has one parent: the reports of both parts, if they agree (parts of a Filecoin
    // round seen apart share their parents, in whole or in part)
    this.#unawait(from)
    this.#unawait(into)
    const theirs = from.parentBlocks
    const mine = into.parentBlocks
    into.parentConflict ||= from.parentConflict || (theirs !== null && mine !== null && !theirs.some(block => mine.includes(block)))
    into.parentBlocks = into.parentConflict ? null : mine ?? theirs
    into.linked = false
    into.parent = bestParent(into.from)
    this.#resolveParent(into)
    if (from.timed && !into.timed) {
      into.timed = true
      const k = this.#timed.indexOf(from)
      if (k >= 0) this.#timed[k] = into
    }
  }

  #isLive (node: TrackedNode, now: number): boolean {
    return node.connected && node.lastBeatAt >= node.connectedAt && now - node.lastBeatAt <= staleAfterMs(node.beatPeriodMs)
  }

  #forkWindow (): number {
    return FORK_BLOCKS * (this.#best.blockTimeMs ?? DEFAULT_BLOCK_TIME_MS)
  }

  /** A round's line: it, its parent, and so on, as far as known and kept. */
  #line (tip: Round): Round[] {
    const line: Round[] = [tip]
    // a parent is always lower, so a line never loops; it is bounded all the same
    let r = live(tip.parent)
    while (r !== null && line.length <= this.#keepHeights) {
      line.push(r)
      r = live(r.parent)
    }
    return line
  }

  /**
   * Finds the branches as of `now`, opens a fork when a split has lasted FORK_BLOCKS block
   * times, closes it when every node is on one branch again, and drops rounds far below the
   * largest branch. Returns what started and ended.
   */
  evaluate (now: number): ForkTrackerEvent[] {
    const events: ForkTrackerEvent[] = []
    const held = new Map<Round, TrackedNode[]>()
    const heights: number[] = []
    for (const node of this.#nodes.values()) {
      if (!this.#isLive(node, now)) continue
      heights.push(node.height)
      const round = live(node.round)
      if (round === null) continue
      const list = held.get(round)
      if (list === undefined) held.set(round, [node])
      else list.push(node)
    }
    // tips: held rounds that no other held round follows
    const lines = new Map<Round, Round[]>()
    const followed = new Set<Round>()
    for (const round of held.keys()) {
      const line = this.#line(round)
      lines.set(round, line)
      for (let k = 1; k < line.length; k++) followed.add(line[k] as Round)
    }
    const branches: Branch[] = []
    for (const [round, line] of lines) {
      if (followed.has(round)) continue
      branches.push({ tip: round, line, lineSet: new Set(line), nodes: [], split: null, evidenced: false, lagging: false, forked: false })
    }
    // each held round's nodes belong to the one branch whose line holds it; a round on more
    // than one (before their split) belongs to none
    for (const [round, nodes] of held) {
      let only: Branch | null = null
      let count = 0
      for (const branch of branches) {
        if (branch.lineSet.has(round)) {
          only = branch
          count++
        }
      }
      if (count === 1 && only !== null) only.nodes.push(...nodes)
    }
    branches.sort((a, b) => b.nodes.length - a.nodes.length || b.tip.height - a.tip.height || a.tip.id - b.tip.id)
    const largest = branches[0]
    this.#settle(heights, now)

    // every other branch against the largest: where it split, and whether that is evidenced
    const present = new Map<SplitKey, number>()
    for (const branch of branches.slice(1)) {
      if (largest === undefined) break
      const split = branch.line.find(round => largest.lineSet.has(round)) ?? null
      branch.split = split
      const after = (line: Round[]): Round[] => split === null ? line : line.filter(round => round.height > split.height)
      const mine = after(branch.line)
      const theirs = after(largest.line)
      const theirHeights = new Set(theirs.map(round => round.height))
      // two lines, not one seen unevenly: two rounds at one height, or two rounds on each side
      // whose heights overlap. A side wholly below the other's lowest round past the split is,
      // as far as heads tell, a node catching up on blocks made before the window (it shares no
      // round with the others because they were there before the relay kept rounds), not a fork
      const lowest = (line: Round[]): number => Math.min(...line.map(round => round.height))
      const highest = (line: Round[]): number => Math.max(...line.map(round => round.height))
      const overlap = mine.length > 0 && theirs.length > 0 && highest(mine) >= lowest(theirs) && highest(theirs) >= lowest(mine)
      // or, where senders report parents: a round on each side, each side linked by reported
      // parents down to the split: two children of one round, whatever their heights
      const linked = (line: Round[]): boolean => line.every(round => round.linked)
      const byParents = split !== null && mine.length > 0 && theirs.length > 0 && linked(mine) && linked(theirs)
      branch.evidenced = byParents || (mine.length >= 2 && theirs.length >= 2 && overlap) || mine.some(round => theirHeights.has(round.height))
      branch.lagging = !branch.evidenced && mine.length > 0 && theirs.length > 0 && highest(mine) < lowest(theirs)
      // the heads began to differ when both sides had a round past the split
      const began = split === null || mine.length === 0 || theirs.length === 0
        ? now
        : Math.max(Math.min(...mine.map(round => round.firstAt)), Math.min(...theirs.map(round => round.firstAt)))
      const key = split ?? ROOT
      present.set(key, Math.min(began, present.get(key) ?? now))
    }
    this.#trackDivergences(present, now)
    this.#branches = branches

    // a fork is called when an evidenced split has lasted the window; while it is open, every
    // evidenced split is a side of it; it ends when none has been seen for the grace
    const window = this.#forkWindow()
    const sinceOf = (branch: Branch): number => this.#divergences.get(branch.split ?? ROOT)?.since ?? now
    const evidenced = branches.slice(1).filter(branch => branch.evidenced)
    const called = evidenced.filter(branch => now - sinceOf(branch) >= window)
    if (evidenced.length > 0) this.#lastEvidencedAt = now
    if (this.#fork === null && called.length > 0 && largest !== undefined) {
      const startedAt = Math.min(...called.map(sinceOf))
      this.#fork = { id: this.#nextForkId(), startedAt, calledAt: now, endedAt: null, splitHeight: null, depth: 0, tally: new Map(), tips: new Map(), widestOff: -1, widest: new Map() }
      this.#updateFork(largest, evidenced)
      events.push({ kind: 'fork_started', fork: reported(this.#fork) })
    } else if (this.#fork !== null && largest !== undefined && evidenced.length > 0) {
      this.#updateFork(largest, evidenced)
    } else if (this.#fork !== null && now - (this.#lastEvidencedAt ?? now) > window) {
      // every node on one branch for the grace: it ended when they last differed
      this.#fork.endedAt = this.#lastEvidencedAt ?? now
      events.push({ kind: 'fork_ended', fork: reported(this.#fork) })
      this.#fork = null
    }
    if (this.#fork !== null && largest !== undefined) {
      largest.forked = true
      for (const branch of evidenced) branch.forked = true
    }
    this.#prune()
    return events
  }

  /** when an evidenced split was last seen (the fork's end, once none is left) */
  #lastEvidencedAt: number | null = null

  /** Keeps each split's first sighting while it lasts; a split gone for a block time is over
   *  (a minority node's one late beat does not end a fork and start another). */
  #trackDivergences (present: Map<SplitKey, number>, now: number): void {
    // rounds merge: carry an entry to the round that took its key in
    for (const [key, divergence] of [...this.#divergences]) {
      if (key === ROOT) continue
      const r = find(key)
      if (r === key) continue
      this.#divergences.delete(key)
      const other = this.#divergences.get(r)
      this.#divergences.set(r, other === undefined ? divergence : { since: Math.min(other.since, divergence.since), lastSeen: Math.max(other.lastSeen, divergence.lastSeen) })
    }
    for (const [key, began] of present) {
      const divergence = this.#divergences.get(key)
      if (divergence === undefined) this.#divergences.set(key, { since: began, lastSeen: now })
      else divergence.lastSeen = now
    }
    const grace = this.#forkWindow()
    for (const [key, divergence] of this.#divergences) {
      if (!present.has(key) && now - divergence.lastSeen > grace) this.#divergences.delete(key)
    }
  }

  #updateFork (largest: Branch, called: Branch[]): void {
    const fork = this.#fork
    if (fork === null) return
    const splits = called.map(branch => branch.split)
    const lowest = splits.some(split => split === null) ? null : Math.min(...splits.map(split => split?.height ?? 0))
    const bottom = (branch: Branch): number => branch.split?.height ?? Math.min(...branch.line.map(round => round.height))
    const depth = Math.max(...called.map(branch => Math.max(branch.tip.height, largest.tip.height) - bottom(branch)))
    fork.depth = Math.max(fork.depth, depth)
    if (fork.splitHeight === null || (lowest !== null && lowest < fork.splitHeight)) fork.splitHeight = lowest
    // each node's tally of sides, for a node not seen at the widest (below): the side it was
    // on for most of the fork; each side with its latest tip. A side is a line off the
    // largest: its first round past the split, so three groups leaving one round (a devnet
    // cut in three) are three sides, and a side's tip moving on keeps it one
    const keyOf = (branch: Branch): string => {
      if (branch === largest) return 'largest'
      if (branch.split === null) return 'root'
      const child = branch.line[branch.line.indexOf(branch.split) - 1]
      return `r${find(branch.split).id}:${child === undefined ? '' : find(child).id}`
    }
    for (const branch of [largest, ...called]) {
      const key = keyOf(branch)
      fork.tips.set(key, { tipHeight: branch.tip.height, tipHead: representativeHead(branch.tip) })
      for (const node of branch.nodes) {
        let counts = fork.tally.get(node.i)
        if (counts === undefined) fork.tally.set(node.i, counts = new Map())
        counts.set(key, (counts.get(key) ?? 0) + 1)
      }
    }
    // the log's sides are the fork at its widest: the evaluation with the most nodes off the
    // largest branch (the first such), so a node that joined the minority for part of the fork
    // is named on it; the tally settles a node seen nowhere then
    const off = called.reduce((sum, branch) => sum + branch.nodes.length, 0)
    if (off > fork.widestOff) {
      fork.widestOff = off
      fork.widest.clear()
      for (const branch of [largest, ...called]) {
        const key = keyOf(branch)
        const list = fork.widest.get(key) ?? []
        for (const node of branch.nodes) list.push(node.i)
        fork.widest.set(key, list)
      }
    }
  }

  /**
   * Where the live nodes are: the median of their heights (one node reporting a height far from
   * everyone's moves it nowhere), which rounds are kept around and new heads are placed near.
   * When no live node is at the best height any more (a reorg down, a devnet reset to genesis),
   * the best is what they hold now, so new best heights are measured again.
   */
  #settle (heights: number[], now: number): void {
    if (heights.length === 0) return
    heights.sort((a, b) => a - b)
    this.#reference = heights[heights.length >> 1] ?? this.#reference
    const top = heights[heights.length - 1] ?? -1
    if (top < this.#best.height) this.#best = { ...this.#best, height: top, roseAt: now }
  }

  /** Rounds far from where the live nodes are go (held ones only when far below), with their
   *  index entries: a devnet reset to genesis leaves nothing behind at its old heights. */
  #prune (): void {
    if (this.#reference < 0 || this.#byHeight.size === 0) return
    const floor = this.#reference - this.#keepHeights
    const ceiling = this.#reference + this.#keepHeights
    for (const [height, rounds] of this.#byHeight) {
      if (height >= floor && height <= ceiling) continue
      for (const round of rounds) {
        if (height >= floor && round.holders.size > 0) continue
        round.pruned = true
        this.#rounds.delete(round)
        rounds.delete(round)
        for (const block of round.blocks) {
          this.#byBlock.delete(`${height} ${block}`)
          const holder = this.#roundOfBlock.get(block)
          if (holder !== undefined && find(holder) === round) this.#roundOfBlock.delete(block)
        }
        this.#unawait(round)
        for (const head of round.heads.keys()) this.#byHead.delete(`${height} ${head}`)
        for (const node of round.holders) node.round = null
        round.holders.clear()
      }
      if (rounds.size === 0) this.#byHeight.delete(height)
    }
  }

  /** What the fork panel shows of this network, as of the last evaluate(). */
  panel (now: number): TrackerPanel {
    const branches = this.#branches
    const largest = branches[0]
    const panelBranches: PanelBranch[] = branches.map((branch, k) => {
      const divergence = k === 0 ? undefined : this.#divergences.get(branch.split ?? ROOT)
      return {
        tip: branch.tip.id,
        height: branch.tip.height,
        nodes: branch.nodes.length,
        largest: k === 0,
        splitHeight: k === 0 ? null : branch.split?.height ?? null,
        since: branch.lagging ? null : divergence?.since ?? null,
        forked: branch.forked
      }
    })
    // the largest branch's tip, or a higher one near it: a node reporting a height far above
    // every other does not drag the panel off the devnet
    let top = largest?.tip.height ?? -1
    for (const branch of branches) if (branch.tip.height <= top + PANEL_HEIGHTS / 2) top = Math.max(top, branch.tip.height)
    const columns: PanelColumn[] = []
    if (top >= 0) {
      const heights = [...this.#byHeight.keys()].filter(height => height <= top && height > top - 4 * PANEL_HEIGHTS).sort((a, b) => b - a).slice(0, PANEL_HEIGHTS)
      for (const height of heights.reverse()) {
        const rounds = [...this.#byHeight.get(height) ?? []]
        const place = (round: Round): number => {
          let found = ABANDONED
          for (let k = 0; k < branches.length; k++) {
            if (!(branches[k] as Branch).lineSet.has(round)) continue
            if (found !== ABANDONED) return TRUNK
            found = k
          }
          return found
        }
        const placed = rounds.map(round => ({ round, branch: place(round) }))
          .filter(({ round, branch }) => branch !== ABANDONED || round.seen > 0)
          // rounds on a branch first, then those most seen
          .sort((a, b) => Number(b.branch !== ABANDONED) - Number(a.branch !== ABANDONED) || b.round.seen - a.round.seen || a.round.id - b.round.id)
        const shown = placed.slice(0, PANEL_ROUNDS_PER_HEIGHT)
        columns.push({
          height,
          rounds: shown.map(({ round, branch }) => this.#panelRound(round, branch, now)),
          more: placed.length - shown.length
        })
      }
    }
    let divergingSince: number | null = null
    for (const branch of branches.slice(1)) {
      if (branch.lagging) continue
      const since = this.#divergences.get(branch.split ?? ROOT)?.since
      if (since !== undefined && (divergingSince === null || since < divergingSince)) divergingSince = since
    }
    const fork = this.#fork
    return {
      blockTimeMs: this.#best.blockTimeMs,
      columns,
      branches: panelBranches,
      fork: fork === null ? null : { id: fork.id, startedAt: fork.startedAt, calledAt: fork.calledAt, splitHeight: fork.splitHeight, depth: fork.depth, sides: fork.tips.size },
      divergingSince,
      propagation: this.#histogram(),
      placed: largest === undefined ? 0 : branches.reduce((sum, branch) => sum + branch.nodes.length, 0)
    }
  }

  #panelRound (round: Round, branch: number, now: number): PanelRound {
    const nodes: number[] = []
    let partial = 0
    const counts = new Map<string, number>()
    for (const node of round.holders) {
      if (!this.#isLive(node, now)) continue
      nodes.push(node.i)
      counts.set(node.head, (counts.get(node.head) ?? 0) + 1)
      if ((round.heads.get(node.head) ?? round.blocks.size) < round.blocks.size) partial++
    }
    nodes.sort((a, b) => a - b)
    let head = representativeHead(round)
    let most = 0
    for (const [h, n] of counts) {
      if (n > most) {
        most = n
        head = h
      }
    }
    const parent = live(round.parent)
    return {
      id: round.id,
      head,
      blocks: round.blocks.size,
      views: round.heads.size,
      nodes,
      partial,
      seen: round.seen,
      parent: parent?.id ?? null,
      branch,
      at: round.firstAt
    }
  }

  #histogram (): PropagationHistogram {
    const counts = new Array<number>(PROPAGATION_EDGES_MS.length + 1).fill(0)
    for (const round of this.#timed) {
      for (let b = 0; b < counts.length; b++) counts[b] = (counts[b] ?? 0) + (round.bins[b] ?? 0)
    }
    return { blocks: this.#timed.length, counts }
  }

  /** Per node, its median propagation delay (ms), for nodes with enough samples. */
  medians (): Array<[i: number, ms: number]> {
    const out: Array<[number, number]> = []
    for (const node of this.#nodes.values()) {
      if (node.delays.length >= PROPAGATION_MIN_SAMPLES) out.push([node.i, Math.round(median(node.delays))])
    }
    return out
  }
}

/** The histogram bin of a delay: the first edge it is at or under, or the last bin past them. */
function binOf (delay: number): number {
  let bin = 0
  while (bin < PROPAGATION_EDGES_MS.length && delay > (PROPAGATION_EDGES_MS[bin] as number)) bin++
  return bin
}

/** The round most nodes came from; ties: the nearer (higher), then the more seen, then the older. */
function bestParent (votes: ReadonlyMap<Round, number>): Round | null {
  let best: Round | null = null
  let most = 0
  for (const [candidate, count] of votes) {
    const r = live(candidate)
    if (r === null) continue
    if (best === null || count > most || (count === most && (r.height > best.height || (r.height === best.height && (r.seen > best.seen || (r.seen === best.seen && r.id < best.id)))))) {
      best = r
      most = count
    }
  }
  return best
}

function representativeHead (round: Round): string {
  // the head with the most blocks: the round as whole as anyone saw it
  let best = ''
  let most = -1
  for (const [head, count] of round.heads) {
    if (count > most) {
      most = count
      best = head
    }
  }
  return best
}

/** A fork as it is being followed: the log's sides are made from its tallies when reported. */
interface OpenTrackedFork extends Omit<TrackedFork, 'sides'> {
  /** node → side key ('largest', or the split it went off at) → evaluations it was seen there */
  readonly tally: Map<number, Map<string, number>>
  /** the most nodes seen off the largest branch at once, and side key → its nodes then */
  widestOff: number
  readonly widest: Map<string, number[]>
  /** side key → its latest tip */
  readonly tips: Map<string, { tipHeight: number, tipHead: string }>
}

/** The fork as reported: each node on the side it was on at the fork's widest (one not seen
 *  then: the side it was seen on most), the largest side first, each with its latest tip. */
function reported (fork: OpenTrackedFork): TrackedFork {
  const members = new Map<string, number[]>()
  const placed = new Set<number>()
  for (const [key, nodes] of fork.widest) {
    members.set(key, [...nodes])
    for (const i of nodes) placed.add(i)
  }
  for (const [i, counts] of fork.tally) {
    if (placed.has(i)) continue
    let side = ''
    let most = 0
    for (const [key, count] of counts) {
      if (count > most || (count === most && key === 'largest')) {
        side = key
        most = count
      }
    }
    const list = members.get(side)
    if (list === undefined) members.set(side, [i])
    else list.push(i)
  }
  const sides: TrackedSide[] = []
  for (const [key, tip] of fork.tips) {
    const nodes = (members.get(key) ?? []).sort((a, b) => a - b)
    if (nodes.length === 0 && key !== 'largest') continue
    sides.push({ ...tip, largest: key === 'largest', nodes })
  }
  sides.sort((a, b) => Number(b.largest) - Number(a.largest) || b.nodes.length - a.nodes.length)
  const { tally: _t, tips: _s, widest: _w, widestOff: _o, ...rest } = fork
  return { ...rest, sides }
}
