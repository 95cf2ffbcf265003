// The relay's fork monitor as the feed carries it to the page: per network (genesis) the last
// heights with their rounds (a box per round: its head, the nodes on it now, its parent), the
// branches (one per tip), the fork open now, and block propagation. The relay decides what is
// a fork (src/relay/fork-tracker.ts), in one place, the same for every viewer; the page draws
// it. Rules and bounds shared by both sides live here.
import { MAX_CID_LENGTH, MAX_HEAD_LENGTH, MAX_HEIGHT } from './constants.ts'
import { InvalidFeedMessageError } from './errors.ts'

// Heads that differ for this many block times are a fork, not propagation: a round's blocks
// reach every node within one block time, or the next round's do
export const FORK_BLOCKS = 1

// Heights the panel shows as columns: enough to see a split, its branches and the merge on a
// wall; the relay keeps more (FORK_KEEP_HEIGHTS) to find where long branches split
export const PANEL_HEIGHTS = 12

// Boxes per column: more rounds at one height than this are a hostile sender or chaos, and
// are counted, not drawn
export const PANEL_ROUNDS_PER_HEIGHT = 6

// Networks (geneses) the relay tracks branches for; one relay serving more devnets than this
// is a misconfiguration, and the rest are counted only
export const MAX_NETWORKS = 4

// Upper edges (ms) of the propagation histogram's bins; the last bin is everything above.
// Doubling widths: a LAN devnet's tens of ms and a beat-bounded 3 s both stay readable
export const PROPAGATION_EDGES_MS: readonly number[] = [100, 250, 500, 1_000, 2_000, 4_000, 8_000, 16_000]

// Blocks the histogram covers (eth-netstats' chart covers its last 40)
export const PROPAGATION_BLOCKS = 40

// Per node, the delays its median is taken over
export const PROPAGATION_SAMPLES = 21

// A median of fewer samples than this says nothing yet
export const PROPAGATION_MIN_SAMPLES = 3

/** Where a round sits among the branches. */
export const TRUNK = -1
export const ABANDONED = -2

/** One round at one height: the heads of it that nodes hold (one, or parts of one round). */
export interface PanelRound {
  /** stable for the relay's lifetime: a round keeps its id as nodes move on and come */
  id: number
  /** the head most of its nodes hold (or the first seen) */
  head: string
  /** blocks in the round, as far as any node has seen */
  blocks: number
  /** distinct heads of it seen: more than one when nodes saw it in part */
  views: number
  /** feed ids (`i`) of the nodes on it now (connected, beating) */
  nodes: number[]
  /** of them, the nodes that hold fewer than all its blocks */
  partial: number
  /** nodes that have reported it */
  seen: number
  /** the round it follows, as nodes moved from one to the other; null when not known */
  parent: number | null
  /** index into `branches`; TRUNK: before a split, on more than one branch; ABANDONED: on none
   *  (a branch its nodes left) */
  branch: number
  /** relay clock; first reported */
  at: number
}

export interface PanelColumn {
  height: number
  rounds: PanelRound[]
  /** rounds at this height not drawn (past PANEL_ROUNDS_PER_HEIGHT) */
  more: number
}

/** A branch: the nodes whose heads lie on one line of rounds, up to its tip. */
export interface PanelBranch {
  /** the round at its tip */
  tip: number
  height: number
  /** nodes on it now, on its tip or behind on rounds only it has */
  nodes: number
  /** the largest branch (the others are drawn loud) */
  largest: boolean
  /** the height where it split from the largest; null for the largest, or when the split is
   *  older than what the relay keeps */
  splitHeight: number | null
  /** relay clock; since when it has differed from the largest */
  since: number | null
  /** part of the open fork (not just a moment of propagation) */
  forked: boolean
}

export interface OpenFork {
  /** counts up from 1, and goes on from the record's last after a restart */
  id: number
  /** relay clock; when the heads first differed */
  startedAt: number
  /** relay clock; when they had differed for FORK_BLOCKS block times: the alarm */
  calledAt: number
  splitHeight: number | null
  /** heights from the split to the highest tip of any side, the most it has reached */
  depth: number
  /** branches in it, the largest included */
  sides: number
}

export interface PropagationHistogram {
  /** blocks it covers */
  blocks: number
  /** delays per bin of PROPAGATION_EDGES_MS (one more than the edges: the last is above) */
  counts: number[]
}

/** One network's fork monitor. */
export interface NetworkPanel {
  /** the genesis CID its nodes report; null for nodes that report none */
  genesis: string | null
  /** the relay's network: the largest (by connected nodes); nodes with no genesis count in it */
  main: boolean
  /** connected nodes that report this genesis */
  nodes: number
  /** false past MAX_NETWORKS: counted, not tracked */
  tracked: boolean
  blockTimeMs: number | null
  /** oldest first */
  columns: PanelColumn[]
  /** the largest first */
  branches: PanelBranch[]
  fork: OpenFork | null
  /** relay clock; heads differ from the largest branch since this, not (yet) called a fork */
  divergingSince: number | null
  propagation: PropagationHistogram
}

/** The relay's fork monitor: sent on subscribe and when it changes, at most a few times a second. */
export interface ForksMessage {
  t: 'forks'
  /** relay clock; the moment it describes */
  at: number
  networks: NetworkPanel[]
}

/** Per node, the median time from the first node reporting a new best head to it (ms). */
export interface PropagationMessage {
  t: 'prop'
  at: number
  /** [i, median ms], for nodes with PROPAGATION_MIN_SAMPLES or more */
  medians: Array<[i: number, ms: number]>
}

// The record's event kinds for the fork log: a fork called (its sides as they were then), and
// a fork over (its duration, depth and sides at the end). Both carry a ForkRecord as data
export const FORK_BEGAN = 'fork_began'
export const FORK_ENDED = 'fork_ended'

/** One fork, as the log keeps it (/api/forks, the record, the event list). */
export interface ForkRecord {
  id: number
  genesis: string | null
  startedAt: number
  calledAt: number
  /** null while it is open (or when the relay was killed while it was) */
  endedAt: number | null
  durationMs: number | null
  splitHeight: number | null
  depth: number
  /** the sides at the fork's widest (the most nodes off the largest branch at once), the
   *  largest first, each with its latest tip; the first 16 (the relay's MAX_SIDES_LOGGED), the
   *  largest always among them */
  sides: ForkSide[]
  /** the sides past the first 16, counted, not listed: how many, and the nodes on them (a
   *  partition where each node mines alone is a side per node). Only when there are any */
  otherSides?: ForkOtherSides
  /** the relay stopped while it was open: endedAt is when it stopped, not when the fork healed */
  interrupted?: boolean
}

export interface ForkOtherSides {
  count: number
  nodeCount: number
}

export interface ForkSide {
  tipHeight: number
  tipHead: string
  largest: boolean
  /** nodes on it (`nodes` names the first hundred) */
  nodeCount: number
  nodes: ForkSideNode[]
}

export interface ForkSideNode {
  peerId: string
  nickname: string
  client: string | null
  clientVersion: string | null
}

// ---- the feed's encoding of the panel (the relay) ----

/** A `forks` message as the feed carries it, one line. A round's `nodes` is the list of its
 *  nodes' feed ids, or, where shorter, the set of them as bits (bit i of byte i >> 3, in
 *  base64): a thousand nodes on one round are 3.9 kB as a list and 168 characters as a set, and
 *  the panel goes out up to 4 times a second as nodes move from round to round. Also returns
 *  the networks' part alone, which tells whether the panel changed. */
export function encodeForksLine (at: number, networks: readonly NetworkPanel[]): { line: string, networks: string } {
  const text = JSON.stringify(networks, compactRoundNodes)
  return { line: `{"t":"forks","at":${JSON.stringify(at)},"networks":${text}}\n`, networks: text }
}

/** A `prop` message as the feed carries it, one line: the nodes' ids (a list, or a set where
 *  shorter, as a round's nodes) and their medians in the same order, in place of [i, ms] pairs:
 *  1,000 nodes were 10.5 kB every 2 s, a tenth of the live feed's bytes. `medians` must be
 *  sorted by id, as the monitor gives them. Also returns the part that tells whether it changed. */
export function encodePropagationLine (at: number, medians: ReadonlyArray<readonly [number, number]>): { line: string, medians: string } {
  const ids = compactIds(medians.map(m => m[0]))
  const text = `"ids":${JSON.stringify(ids)},"ms":${JSON.stringify(medians.map(m => m[1]))}`
  return { line: `{"t":"prop","at":${JSON.stringify(at)},${text}}\n`, medians: text }
}

/** JSON.stringify's replacer: a round's `nodes` (the only array of that name in a panel) as
 *  the shorter of its list and its set. */
function compactRoundNodes (key: string, value: unknown): unknown {
  return key === 'nodes' && Array.isArray(value) ? compactIds(value as number[]) : value
}

/** Feed ids as the shorter of their list and their set of bits in base64. */
function compactIds (ids: number[]): number[] | string {
  if (ids.length < 8) return ids
  let listChars = 2
  let top = 0
  for (const i of ids) {
    listChars += String(i).length + 1
    if (i > top) top = i
  }
  const bytes = new Uint8Array((top >> 3) + 1)
  for (const i of ids) bytes[i >> 3] = (bytes[i >> 3] ?? 0) | (1 << (i & 7))
  const setChars = Math.ceil(bytes.length / 3) * 4 + 2
  return setChars < listChars ? toBase64(bytes) : ids
}

// btoa and atob are on both sides (Node and the page's worker); they take bytes as a string
// of char codes 0-255
function toBase64 (bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

// padded base64 only: atob alone would also take it unpadded or with spaces in it
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** null when it is not padded base64. */
function fromBase64 (text: string): Uint8Array | null {
  if (!BASE64.test(text)) return null
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let k = 0; k < binary.length; k++) out[k] = binary.charCodeAt(k)
  return out
}

// ---- checking what the relay sent (the page) ----

function fail (detail: string): never {
  throw new InvalidFeedMessageError(detail)
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function whole (value: unknown, name: string): number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_HEIGHT ? value as number : fail(`${name} must be a whole number`)
}

function integer (value: unknown, name: string): number {
  return Number.isSafeInteger(value) ? value as number : fail(`${name} must be an integer`)
}

function time (value: unknown, name: string): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fail(`${name} must be a time`)
}

function orNull<T> (value: unknown, read: (value: unknown) => T): T | null {
  return value === null ? null : read(value)
}

function array (value: unknown, name: string, max: number): unknown[] {
  return Array.isArray(value) && value.length <= max ? value : fail(`${name} must be an array of at most ${max}`)
}

// a thousand-node devnet's ids, with room; more is a broken relay
const MAX_LISTED_NODES = 20_000
// a set of them as bits, in base64: 4 characters per 3 bytes
const MAX_NODE_SET_CHARS = Math.ceil(MAX_LISTED_NODES / 8 / 3) * 4

/** A round's nodes (or a `prop`'s ids) as the page reads them: from the list, or ascending from
 *  the set. */
function parseRoundNodes (value: unknown, name = 'round.nodes'): number[] {
  if (typeof value !== 'string') return array(value, name, MAX_LISTED_NODES).map(i => whole(i, 'a node id'))
  if (value.length > MAX_NODE_SET_CHARS) fail(`${name} as a set must be at most ${MAX_NODE_SET_CHARS} characters`)
  const bytes = fromBase64(value)
  if (bytes === null) fail(`${name} as a set must be base64`)
  const ids: number[] = []
  for (let byte = 0; byte < bytes.length; byte++) {
    const bits = bytes[byte] ?? 0
    if (bits === 0) continue
    for (let bit = 0; bit < 8; bit++) if ((bits & (1 << bit)) !== 0) ids.push(byte * 8 + bit)
  }
  return ids
}

function parseRound (value: unknown): PanelRound {
  if (!isRecord(value)) fail('a round is an object')
  const head = value.head
  if (typeof head !== 'string' || head.length > MAX_HEAD_LENGTH) fail('round.head must be a head')
  return {
    id: whole(value.id, 'round.id'),
    head,
    blocks: whole(value.blocks, 'round.blocks'),
    views: whole(value.views, 'round.views'),
    nodes: parseRoundNodes(value.nodes),
    partial: whole(value.partial, 'round.partial'),
    seen: whole(value.seen, 'round.seen'),
    parent: orNull(value.parent, v => whole(v, 'round.parent')),
    branch: integer(value.branch, 'round.branch'),
    at: time(value.at, 'round.at')
  }
}

function parseBranch (value: unknown): PanelBranch {
  if (!isRecord(value)) fail('a branch is an object')
  if (typeof value.largest !== 'boolean' || typeof value.forked !== 'boolean') fail('branch.largest and branch.forked are booleans')
  return {
    tip: whole(value.tip, 'branch.tip'),
    height: whole(value.height, 'branch.height'),
    nodes: whole(value.nodes, 'branch.nodes'),
    largest: value.largest,
    splitHeight: orNull(value.splitHeight, v => whole(v, 'branch.splitHeight')),
    since: orNull(value.since, v => time(v, 'branch.since')),
    forked: value.forked
  }
}

function parseFork (value: unknown): OpenFork {
  if (!isRecord(value)) fail('a fork is an object')
  return {
    id: whole(value.id, 'fork.id'),
    startedAt: time(value.startedAt, 'fork.startedAt'),
    calledAt: time(value.calledAt, 'fork.calledAt'),
    splitHeight: orNull(value.splitHeight, v => whole(v, 'fork.splitHeight')),
    depth: whole(value.depth, 'fork.depth'),
    sides: whole(value.sides, 'fork.sides')
  }
}

function parseNetwork (value: unknown): NetworkPanel {
  if (!isRecord(value)) fail('a network is an object')
  if (typeof value.main !== 'boolean' || typeof value.tracked !== 'boolean') fail('network.main and network.tracked are booleans')
  const genesis = value.genesis
  if (genesis !== null && (typeof genesis !== 'string' || genesis.length > MAX_CID_LENGTH)) fail('network.genesis must be a CID or null')
  const propagation = value.propagation
  if (!isRecord(propagation)) fail('network.propagation is an object')
  return {
    genesis,
    main: value.main,
    nodes: whole(value.nodes, 'network.nodes'),
    tracked: value.tracked,
    blockTimeMs: orNull(value.blockTimeMs, v => time(v, 'network.blockTimeMs')),
    columns: array(value.columns, 'network.columns', PANEL_HEIGHTS).map(column => {
      if (!isRecord(column)) fail('a column is an object')
      return {
        height: whole(column.height, 'column.height'),
        rounds: array(column.rounds, 'column.rounds', PANEL_ROUNDS_PER_HEIGHT).map(parseRound),
        more: whole(column.more, 'column.more')
      }
    }),
    branches: array(value.branches, 'network.branches', MAX_LISTED_NODES).map(parseBranch),
    fork: orNull(value.fork, parseFork),
    divergingSince: orNull(value.divergingSince, v => time(v, 'network.divergingSince')),
    propagation: {
      blocks: whole(propagation.blocks, 'propagation.blocks'),
      counts: array(propagation.counts, 'propagation.counts', PROPAGATION_EDGES_MS.length + 1).map(n => whole(n, 'a count'))
    }
  }
}

/** Checks a `forks` message's body (the type tag already read). */
export function parseForksMessage (value: Record<string, unknown>): ForksMessage {
  return {
    t: 'forks',
    at: time(value.at, 'at'),
    networks: array(value.networks, 'networks', MAX_LISTED_NODES).map(parseNetwork)
  }
}

/** The fork panel as it was at a moment (/api/branches?at=, for ?at=): its node ids index `peers`. */
export interface BranchesAnswer {
  at: number
  peers: string[]
  networks: NetworkPanel[]
  /** [i, median ms] of each node's propagation then, as the feed's `prop` has them (a relay
   *  from before they were rebuilt sends none: read as none measured) */
  medians: Array<[i: number, ms: number]>
}

export function parseBranchesAnswer (value: unknown): BranchesAnswer {
  if (!isRecord(value)) fail('a branches answer is { at, peers, networks }')
  return {
    at: time(value.at, 'at'),
    peers: array(value.peers, 'peers', MAX_LISTED_NODES).map(peer => {
      if (typeof peer !== 'string' || peer.length > 128) fail('a peer is a peer ID')
      return peer
    }),
    networks: array(value.networks, 'networks', MAX_LISTED_NODES).map(parseNetwork),
    medians: value.medians === undefined ? [] : parseMedians(value.medians)
  }
}

/** Checks a `prop` message's body (the type tag already read). */
export function parsePropagationMessage (value: Record<string, unknown>): PropagationMessage {
  const ids = parseRoundNodes(value.ids, 'prop.ids')
  const ms = array(value.ms, 'prop.ms', MAX_LISTED_NODES)
  if (ms.length !== ids.length) fail('prop.ms must have a median for each of prop.ids')
  return { t: 'prop', at: time(value.at, 'at'), medians: ids.map((i, k) => [i, time(ms[k], 'a median')]) }
}

function parseMedians (value: unknown): Array<[number, number]> {
  return array(value, 'medians', MAX_LISTED_NODES).map(entry => {
    if (!Array.isArray(entry) || entry.length !== 2) fail('a median is [i, ms]')
    return [whole(entry[0], 'a node id'), time(entry[1], 'a median')]
  })
}
