// The relay's record over HTTP, as the relay writes it and the page reads it:
// /api/history (NDJSON: a header line, then a line per node), /api/state (every node at a
// moment) and /api/events. The page checks what it reads with these parsers: input from
// another process is unknown until checked.
import { MAX_CID_LENGTH, MAX_HEAD_LENGTH, MAX_HEIGHT, MAX_MINER_ADDRESS_LENGTH, MAX_NICKNAME_LENGTH } from './constants.ts'

// Points per node one history answer may hold: a screen is a few thousand pixels wide
export const MAX_HISTORY_POINTS = 4_000
// Events one answer may hold (the rest with `next`)
export const MAX_EVENTS_PER_REQUEST = 10_000
// A history line is a node: its peer ID, nickname, and up to MAX_HISTORY_POINTS heights as
// differences (a few bytes each), ranges and connection changes; this is far above any
export const MAX_HISTORY_LINE_BYTES = 1024 * 1024
// Longest client and version strings a record keeps (the watcher's facts are shorter)
const MAX_FACT_LENGTH = 256

export class InvalidHistoryError extends Error {
  static name = 'InvalidHistoryError'
  constructor (detail: string) {
    super(`invalid history answer: ${detail}`)
    this.name = 'InvalidHistoryError'
  }
}

export interface HistoryHeader {
  /** the grid's start (on a stored level, up to one of its buckets before the asked-for from) */
  from: number
  to: number
  /** the width of a bucket, ms: bucket k covers [from + k·stepMs, from + (k + 1)·stepMs),
   *  the last one includes `to` */
  stepMs: number
  buckets: number
  /** raw changes, or the stored level the heights come from (its bucket, ms) */
  source: 'raw' | number
  /** node lines that follow */
  nodes: number
}

/** One node over the window, with its heights decoded. */
export interface HistorySeries {
  peerId: string
  nickname: string
  /** the first bucket the node has a height for (0 when it was known at `from`) */
  first: number
  /** the height at the end of each bucket from `first` to the last */
  heights: number[]
  /** [k, lowest, highest] for buckets where the node went below or above both its height
   *  before the bucket and its last in it (a reorg, a brief fork) */
  ranges: Array<[k: number, lo: number, hi: number]>
  /** [k, 1 | 0]: connected or not as of the end of bucket k, where it changed (k = 0: at `from`) */
  connection: Array<[k: number, connected: 0 | 1]>
}

/** A node as it was at a moment (/api/state). */
export interface NodeAtMoment {
  peerId: string
  nickname: string
  minerAddress: string | null
  genesisCid: string | null
  client?: string
  clientVersion?: string
  nodePeerId?: string
  height: number
  head: string
  /** the head's parent, where the heartbeat that brought the head reported it (ParentHead) */
  parentHead?: string
  connected: boolean
  /** connected, but silent past its stale bound then (the relay's event detector said so) */
  stale: boolean
  syncing: boolean | null
  finalizedHeight: number | null
  /** first heard, in its current life */
  firstSeenAt: number
  /** last change of height, head or info at or before the moment */
  lastChangeAt: number
  /** a lower bound: beats that changed nothing are not recorded one by one */
  lastHeartbeatAt: number
}

export interface StateAnswer {
  at: number
  nodes: NodeAtMoment[]
  /** set when nothing was recorded at `at` (the record's record_gap event): the nodes are then
   *  as the record last had them before it (a relay that went down marked them disconnected) */
  gap?: RecordGap
}

/** A stretch of time the record holds nothing for: [from, to), and why (relay_down, disk_full, io_error). */
export interface RecordGap {
  from: number
  to: number
  reason: string
}

export interface DevnetEvent {
  /** unique, increasing in the order recorded */
  id: number
  at: number
  /** joined, left, stale, back, behind, caught_up, stalled, resumed, record_gap, … */
  kind: string
  peers: string[]
  data?: Record<string, unknown>
}

export interface EventsAnswer {
  events: DevnetEvent[]
  /** there are more: ask again with after=next */
  next?: number
}

// ---- writing (the relay) ----

export function encodeHistoryHeader (header: HistoryHeader): string {
  return JSON.stringify(header) + '\n'
}

/** One node's line: `h` is the height at bucket `first`, then the change at each next bucket.
 *  `same`: the index of an earlier node line (0: the first after the header) with the same
 *  first bucket, heights and ranges, written in their place (?same=1). */
export function encodeHistorySeries (series: HistorySeries, same?: number): string {
  if (same !== undefined) return JSON.stringify({ peerId: series.peerId, nickname: series.nickname, same, connection: series.connection }) + '\n'
  const h = new Array<number>(series.heights.length)
  let prev = 0
  for (let k = 0; k < series.heights.length; k++) {
    const v = series.heights[k] ?? prev
    h[k] = k === 0 ? v : v - prev
    prev = v
  }
  return JSON.stringify({ peerId: series.peerId, nickname: series.nickname, first: series.first, h, ranges: series.ranges, connection: series.connection }) + '\n'
}

// ---- reading (the page) ----

function fail (detail: string): never {
  throw new InvalidHistoryError(detail)
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function whole (value: unknown, name: string, max = MAX_HEIGHT): number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max ? value as number : fail(`${name} must be a whole number`)
}

function time (value: unknown, name: string): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fail(`${name} must be a time`)
}

function text (value: unknown, name: string, max: number): string {
  return typeof value === 'string' && value.length <= max ? value : fail(`${name} must be a string of at most ${max} characters`)
}

function textOrNull (value: unknown, name: string, max: number): string | null {
  return value === null ? null : text(value, name, max)
}

export function parseHistoryHeader (value: unknown): HistoryHeader {
  if (!isRecord(value)) fail('the header is not an object')
  const source = value.source === 'raw' ? 'raw' : whole(value.source, 'source')
  const header: HistoryHeader = {
    from: time(value.from, 'from'),
    to: time(value.to, 'to'),
    stepMs: whole(value.stepMs, 'stepMs'),
    buckets: whole(value.buckets, 'buckets', MAX_HISTORY_POINTS + 1),
    source,
    nodes: whole(value.nodes, 'nodes')
  }
  if (header.stepMs < 1 || header.to < header.from) fail('the window is empty')
  return header
}

/**
 * Hands out one array for equal heights, within one answer: a thousand nodes in step have a
 * few distinct lines between them (at 1,000 nodes and a block every 4 s, 4 in an hour's
 * window), and a recorded moment builds and draws each distinct one once (momentState). Holds
 * what one answer holds, no more.
 */
export class HeightsInterner {
  readonly #byHash = new Map<number, number[][]>()

  /** `heights`, or an equal array handed out before; `hash` is any function of its values. */
  intern (hash: number, heights: number[]): number[] {
    const candidates = this.#byHash.get(hash)
    if (candidates === undefined) {
      this.#byHash.set(hash, [heights])
      return heights
    }
    for (const other of candidates) if (sameNumbers(other, heights)) return other
    candidates.push(heights)
    return heights
  }
}

function sameNumbers (a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false
  return true
}

/** A node line, its heights decoded from their differences; every index within the header's
 *  buckets. With `interner`, equal heights come out as one array. `earlier`: the answer's node
 *  lines read so far, in order (a line not read: undefined), for a line that repeats one of
 *  them (`same`, ?same=1). */
export function parseHistorySeries (value: unknown, header: HistoryHeader, interner?: HeightsInterner, earlier?: ReadonlyArray<HistorySeries | undefined>): HistorySeries {
  if (!isRecord(value)) fail('a node line is not an object')
  if (value.same !== undefined) {
    const twin = earlier?.[whole(value.same, 'same', (earlier?.length ?? 0) - 1)]
    if (twin === undefined) fail('same names no line read before it')
    return { peerId: text(value.peerId, 'peerId', 128), nickname: text(value.nickname, 'nickname', MAX_NICKNAME_LENGTH), first: twin.first, heights: twin.heights, ranges: twin.ranges, connection: connectionOf(value.connection, header) }
  }
  const first = whole(value.first, 'first', header.buckets)
  const h = value.h
  if (!Array.isArray(h) || first + h.length > header.buckets) fail('h must be an array that ends within the window')
  let heights = new Array<number>(h.length)
  let height = 0
  let hash = h.length
  for (let k = 0; k < h.length; k++) {
    const d = h[k]
    if (!Number.isSafeInteger(d)) fail('h holds whole numbers')
    height = k === 0 ? d as number : height + (d as number)
    if (height < 0 || height > MAX_HEIGHT) fail('a height is out of range')
    heights[k] = height
    hash = (Math.imul(hash, 31) + (d as number)) | 0
  }
  if (interner !== undefined) heights = interner.intern(hash, heights)
  const bucket = (k: unknown): number => whole(k, 'a bucket index', header.buckets - 1)
  const ranges = value.ranges
  if (!Array.isArray(ranges) || ranges.length > header.buckets) fail('ranges must be an array')
  return {
    peerId: text(value.peerId, 'peerId', 128),
    nickname: text(value.nickname, 'nickname', MAX_NICKNAME_LENGTH),
    first,
    heights,
    ranges: ranges.map((r: unknown) => {
      if (!Array.isArray(r) || r.length !== 3) fail('a range is [k, lo, hi]')
      return [bucket(r[0]), whole(r[1], 'lo'), whole(r[2], 'hi')]
    }),
    connection: connectionOf(value.connection, header)
  }
}

function connectionOf (connection: unknown, header: HistoryHeader): HistorySeries['connection'] {
  if (!Array.isArray(connection) || connection.length > header.buckets + 1) fail('connection must be an array')
  return connection.map((c: unknown) => {
    if (!Array.isArray(c) || c.length !== 2 || (c[1] !== 0 && c[1] !== 1)) fail('a connection change is [k, 0 | 1]')
    return [whole(c[0], 'a bucket index', header.buckets - 1), c[1]]
  })
}

function optionalFact (value: unknown, name: string): string | undefined {
  return value === undefined || value === null ? undefined : text(value, name, MAX_FACT_LENGTH)
}

export function parseNodeAtMoment (value: unknown): NodeAtMoment {
  if (!isRecord(value)) fail('a node is not an object')
  const bool = (v: unknown, name: string): boolean => typeof v === 'boolean' ? v : fail(`${name} must be true or false`)
  const node: NodeAtMoment = {
    peerId: text(value.peerId, 'peerId', 128),
    nickname: text(value.nickname, 'nickname', MAX_NICKNAME_LENGTH),
    minerAddress: textOrNull(value.minerAddress, 'minerAddress', MAX_MINER_ADDRESS_LENGTH),
    genesisCid: textOrNull(value.genesisCid, 'genesisCid', MAX_CID_LENGTH),
    height: whole(value.height, 'height'),
    head: text(value.head, 'head', MAX_HEAD_LENGTH),
    connected: bool(value.connected, 'connected'),
    stale: bool(value.stale, 'stale'),
    syncing: value.syncing === null ? null : bool(value.syncing, 'syncing'),
    finalizedHeight: value.finalizedHeight === null ? null : whole(value.finalizedHeight, 'finalizedHeight'),
    firstSeenAt: time(value.firstSeenAt, 'firstSeenAt'),
    lastChangeAt: time(value.lastChangeAt, 'lastChangeAt'),
    lastHeartbeatAt: time(value.lastHeartbeatAt, 'lastHeartbeatAt')
  }
  const client = optionalFact(value.client, 'client')
  const clientVersion = optionalFact(value.clientVersion, 'clientVersion')
  const nodePeerId = optionalFact(value.nodePeerId, 'nodePeerId')
  if (client != null) node.client = client
  if (clientVersion != null) node.clientVersion = clientVersion
  if (nodePeerId != null) node.nodePeerId = nodePeerId
  // answers of relays before it have none; an absent parent is the same as one not reported
  if (value.parentHead !== undefined && value.parentHead !== null) node.parentHead = text(value.parentHead, 'parentHead', MAX_HEAD_LENGTH)
  return node
}

export function parseStateAnswer (value: unknown): StateAnswer {
  if (!isRecord(value) || !Array.isArray(value.nodes)) fail('a state answer is { at, nodes }')
  const answer: StateAnswer = { at: time(value.at, 'at'), nodes: value.nodes.map(parseNodeAtMoment) }
  if (value.gap !== undefined) {
    const gap = value.gap
    if (!isRecord(gap)) fail('a state answer\'s gap is { from, to, reason }')
    answer.gap = { from: time(gap.from, 'gap.from'), to: time(gap.to, 'gap.to'), reason: text(gap.reason, 'gap.reason', 32) }
  }
  return answer
}

export function parseEventsAnswer (value: unknown): EventsAnswer {
  if (!isRecord(value) || !Array.isArray(value.events) || value.events.length > MAX_EVENTS_PER_REQUEST) fail('an events answer is { events }')
  const answer: EventsAnswer = {
    events: value.events.map((e: unknown) => {
      if (!isRecord(e) || !Array.isArray(e.peers) || e.peers.length > 10_000) fail('an event is { id, at, kind, peers }')
      const event: DevnetEvent = {
        id: whole(e.id, 'id'),
        at: time(e.at, 'at'),
        kind: text(e.kind, 'kind', 64),
        peers: e.peers.map((p: unknown) => text(p, 'a peer', 128))
      }
      if (isRecord(e.data)) event.data = e.data
      return event
    })
  }
  if (value.next !== undefined) answer.next = whole(value.next, 'next')
  return answer
}
