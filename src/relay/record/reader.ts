// Queries over the record, each on its own read-only connection inside one read transaction
// (a consistent snapshot while the writer goes on). Long reads let the event loop run every
// READ_CHUNK_ROWS rows, so heartbeats are not held up behind a week of history.
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { BLOB_V2, BLOB_V3, decodeJournal, decodePack, decodeSegment, scanSegment } from './blobs.ts'
import {
  DEFAULT_FORKS_PER_REQUEST, DEFAULT_HISTORY_POINTS, FINE_LEVEL, FINE_MS, MAX_EVENTS_PER_REQUEST, MAX_FORKS_PER_REQUEST, MAX_HISTORY_CELLS, MAX_HISTORY_POINTS, RAW_MAX_WINDOW_MS, READ_CHUNK_PACKS,
  READ_CHUNK_ROWS, ROLLUP_LEVELS_MS, SEGMENT_MS
} from './constants.ts'
import { parentsFrom } from './schema.ts'
import { IdResolver, loadState, parentOf, resolveStates, SEG_CONNECTED } from './state.ts'
import { CHANGE_BACK, CHANGE_BEAT, CHANGE_CONNECTED, CHANGE_DISCONNECTED, CHANGE_FINALIZED, CHANGE_FORGOTTEN, CHANGE_INFO, CHANGE_STALE, CHANGE_SYNCING } from './types.ts'
import { FORK_BEGAN, FORK_ENDED } from '../../protocol/forks.ts'
import type { ForkRecord } from '../../protocol/forks.ts'
import type { ChangeKind, EventsQuery, EventsResult, ForksQuery, HistoryQuery, HistoryResult, MomentAt, NodeAt, NodeInfo, NodeSeries, RecordedEvent } from './types.ts'
import type { RecordGap } from '../../protocol/history.ts'
import type { DatabaseSync } from 'node:sqlite'

export class InvalidQueryError extends Error {
  static name = 'InvalidQueryError'
  constructor (detail: string) {
    super(`invalid record query: ${detail}`)
    this.name = 'InvalidQueryError'
  }
}

/**
 * One node's heights on a grid of `step` ms from `from`: per bucket the height at its end
 * (carried through buckets without a change), the lowest and highest it reported within the
 * bucket when they differ, and its connection changes at that resolution.
 */
class Series {
  first = -1
  readonly heights: number[] = []
  readonly ranges: Array<[number, number, number]> = []
  readonly connection: Array<[number, 0 | 1]> = []
  readonly #from: number
  readonly #step: number
  readonly #buckets: number
  #cur = -1
  #h = 0
  #lo = Infinity
  #hi = -Infinity
  #connected: boolean | undefined

  constructor (from: number, step: number, buckets: number) {
    this.#from = from
    this.#step = step
    this.#buckets = buckets
  }

  #bucket (t: number): number {
    const k = Math.floor((t - this.#from) / this.#step)
    return k >= this.#buckets ? this.#buckets - 1 : k
  }

  /** The node's state at `from`. */
  begin (height: number, connected: boolean): void {
    this.#cur = 0
    this.first = 0
    this.#h = height
    this.#connected = connected
    this.connection.push([0, connected ? 1 : 0])
  }

  #close (): void {
    // a bucket's range is worth sending only where the step from the last bucket's height to
    // this one's does not already show it: a dip below both (a reorg) or a peak above both
    // a node's first bucket has no height before it: what it reported on its way up is no dip
    const prev = this.first < 0 ? this.#lo : (this.heights[this.heights.length - 1] ?? this.#h)
    if (this.first < 0) this.first = this.#cur
    this.heights.push(this.#h)
    if (this.#lo < Math.min(prev, this.#h) || this.#hi > Math.max(prev, this.#h)) this.ranges.push([this.#cur, this.#lo, this.#hi])
  }

  sample (t: number, h: number, lo: number, hi: number): void {
    const k = this.#bucket(t)
    if (k !== this.#cur) {
      if (this.#cur >= 0) {
        this.#close()
        for (let j = this.#cur + 1; j < k; j++) this.heights.push(this.#h)
      }
      this.#cur = k
      this.#lo = lo
      this.#hi = hi
    } else {
      if (lo < this.#lo) this.#lo = lo
      if (hi > this.#hi) this.#hi = hi
    }
    this.#h = h
  }

  connect (t: number, connected: boolean): void {
    if (connected === this.#connected) return
    this.#connected = connected
    const k = this.#bucket(t)
    const last = this.connection[this.connection.length - 1]
    if (last != null && last[0] === k) {
      // one change per bucket at this resolution: the latest state wins, and a bucket that
      // ends as the one before it began shows no change
      this.connection.pop()
      const before = this.connection[this.connection.length - 1]
      if (before != null && before[1] === (connected ? 1 : 0)) return
    }
    this.connection.push([k, connected ? 1 : 0])
  }

  finish (): void {
    if (this.#cur < 0) return
    this.#close()
    for (let j = this.#cur + 1; j < this.#buckets; j++) this.heights.push(this.#h)
    this.#cur = -1
  }
}

async function pause (signal: AbortSignal | undefined): Promise<void> {
  await yieldToLoop()
  signal?.throwIfAborted()
}

/**
 * Rows of a table keyed (b, node), in key order up to b = last, READ_CHUNK_ROWS at a time as
 * arrays (twice as fast to build as objects), with the event loop free between chunks. Within
 * the caller's read transaction the chunks are one snapshot.
 */
async function * keyed (db: DatabaseSync, select: string, params: Array<number | string>, last: number, signal: AbortSignal | undefined): AsyncGenerator<unknown[][]> {
  const stmt = db.prepare(`${select} AND b <= ? AND (b, node) > (?, ?) ORDER BY b, node LIMIT ${READ_CHUNK_ROWS}`)
  stmt.setReturnArrays(true)
  let b = -1
  let node = -1
  while (true) {
    const rows = stmt.all(...params, last, b, node) as unknown as unknown[][]
    if (rows.length > 0) yield rows
    if (rows.length < READ_CHUNK_ROWS) return
    const tail = rows[rows.length - 1] ?? []
    b = Number(tail[0])
    node = Number(tail[1])
    await pause(signal)
  }
}

function meta (db: DatabaseSync, key: string): number | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number } | undefined
  return row == null ? undefined : Number(row.value)
}

function checkRange (from: number, to: number): void {
  if (!Number.isFinite(from) || !Number.isFinite(to) || from < 0) throw new InvalidQueryError('from and to must be times')
  if (to <= from) throw new InvalidQueryError('to must be after from')
}

/**
 * Where a window's points come from: raw changes for short windows with buckets finer than the
 * finest level (12 s), or that its whole 12 s would make much coarser; else a stored level: the
 * finest (12 s) for buckets up to a minute, on a grid of whole 12 s, and past a minute the finest coarser level that gives at most `points`
 * rows per node (so a week is read from the hourly level, not from a thousand rows of the
 * 10-minute one). On a level the grid starts on the level's boundary and a bucket is a whole
 * number of the level's, so each bucket's last height is exact (the window then starts up to
 * one level bucket before `from`).
 */
export function historyGrid (from: number, to: number, points: number): { origin: number, step: number, buckets: number, source: 'raw' | number } {
  const width = to - from
  const want = Math.max(1, Math.ceil(width / points))
  // short windows from the raw changes where whole 12 s buckets would lose more than a quarter
  // of the points asked for (14 s buckets would be 24 s); 12, 24, 36 s… from the finest level
  const fine = Math.ceil(want / FINE_MS) * FINE_MS
  if (width <= RAW_MAX_WINDOW_MS && (want < FINE_MS || fine * 3 > want * 4)) return { origin: from, step: want, buckets: Math.ceil(width / want), source: 'raw' }
  let source: number = FINE_MS
  if (want > SEGMENT_MS) source = ROLLUP_LEVELS_MS.find(level => width / level <= points) ?? ROLLUP_LEVELS_MS[ROLLUP_LEVELS_MS.length - 1] ?? FINE_MS
  const step = Math.max(source, Math.ceil(want / source) * source)
  const origin = Math.floor(from / source) * source
  return { origin, step, buckets: Math.max(1, Math.ceil((to - origin) / step)), source }
}

function hasTable (db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) != null
}

/**
 * Every node's (or the given peers') heights over [from, to] on a grid of at most `points`
 * buckets. Memory and work are bounded: points × nodes is capped, and windows longer than
 * RAW_MAX_WINDOW_MS (or with buckets of 12 s or more) read the stored levels instead of the
 * raw changes.
 *
 * A window on a level is read oldest first in up to three parts, each node's in time order:
 * the coarse level's closed buckets that end by `to` (10 minutes, 1 hour), then the finest
 * level's closed minutes that end by `to`, then the raw changes of the rest (the minute `to`
 * falls in, the open minute's journal). A level's bucket without a pack row (a record from
 * before packs) is read as that record stored it: roll rows, segments.
 */
export async function readHistory (db: DatabaseSync, query: HistoryQuery): Promise<HistoryResult> {
  const { to, signal } = query
  checkRange(query.from, to)
  db.exec('BEGIN')
  try {
    let wanted: Set<number> | undefined
    if (query.peers != null) {
      wanted = new Set()
      const rows = db.prepare('SELECT id FROM node WHERE peer IN (SELECT value FROM json_each(?))').all(JSON.stringify(query.peers)) as Array<{ id: number }>
      for (const row of rows) wanted.add(row.id)
    }
    const nodeCount = wanted?.size ?? Number((db.prepare('SELECT count(*) AS n FROM node').get() as { n: number }).n)
    const points = Math.max(1, Math.min(MAX_HISTORY_POINTS, Math.floor(query.points ?? DEFAULT_HISTORY_POINTS), Math.floor(MAX_HISTORY_CELLS / Math.max(1, nodeCount))))
    const grid = historyGrid(query.from, to, points)
    const { step, source, buckets } = grid
    const from = grid.origin
    const keep = (node: number): boolean => wanted == null || wanted.has(node)
    const series = new Map<number, Series>()
    const seriesOf = (node: number): Series => {
      let s = series.get(node)
      if (s == null) {
        s = new Series(from, step, buckets)
        series.set(node, s)
      }
      return s
    }
    const start = loadState(db, from).states
    for (const state of start.values()) {
      if (keep(state.node)) seriesOf(state.node).begin(state.height, state.connected)
    }
    await pause(signal)
    // minutes from this one on are still in the journal (not closed: no segment, no pack)
    const openMinute = meta(db, 'open_minute') ?? Math.floor(to / SEGMENT_MS) + 1
    const lastMinute = Math.floor(to / SEGMENT_MS)
    const packed = hasTable(db, 'pack')
    const v3From = parentsFrom(db)
    /** what has been read: changes before it */
    let pos = from

    // a stored summary (roll rows, segments' columns: records before packs)
    const summary = (node: number, t: number, h: number, lo: number, hi: number, c: number): void => {
      if (t < from || t > to || !keep(node)) return
      const s = seriesOf(node)
      s.sample(t, h, h - lo, h + hi)
      s.connect(t, (c & SEG_CONNECTED) !== 0)
    }
    const rollRange = async (level: number, size: number, b0: number, b1: number): Promise<void> => {
      for await (const chunk of keyed(db, 'SELECT b, node, t, h, lo, hi, c FROM roll WHERE level = ? AND b >= ?', [level, b0], b1 - 1, signal)) {
        for (const [b, node, t, h, lo, hi, c] of chunk as Array<[number, number, number, number, number, number, number]>) summary(node, b * size + t, h, lo, hi, c)
      }
    }
    const segSummaryRange = async (m0: number, m1: number): Promise<void> => {
      for await (const chunk of keyed(db, 'SELECT b, node, t, h, lo, hi, c FROM seg WHERE b >= ?', [m0], m1 - 1, signal)) {
        for (const [b, node, t, h, lo, hi, c] of chunk as Array<[number, number, number, number, number, number, number]>) summary(node, b * SEGMENT_MS + t, h, lo, hi, c)
      }
    }
    // raw changes at or after `after`, up to `to`. A bucket is [start, end), the first one's
    // too: a change at `from` is in the state the window begins with and in its first bucket's
    // lowest and highest, as a stored level's sub-bucket that begins there has it
    let s: Series | undefined
    const beat = (t: number, h: number): void => { s?.sample(t, h, h, h) }
    const connection = (t: number, c: boolean): void => { s?.connect(t, c) }
    const rawRange = async (m0: number, m1: number, after: number): Promise<void> => {
      const lowT = after - 1
      for await (const chunk of keyed(db, 'SELECT b, node, h, data FROM seg WHERE b >= ?', [m0], m1 - 1, signal)) {
        for (const [b, node, h, data] of chunk as Array<[number, number, number, Uint8Array]>) {
          if (!keep(node)) continue
          s = seriesOf(node)
          scanSegment(data, b * SEGMENT_MS, h, lowT, to, beat, connection, b >= v3From ? BLOB_V3 : BLOB_V2)
        }
      }
    }
    // pack rows of a level over buckets [b0, b1) (each `size` ms of `subs` sub-buckets), oldest
    // first; a bucket without one is read by `fallback` in its place
    let rowStart = 0
    let subMs = 0
    const visit = (node: number, sub: number, isBeat: boolean, h: number, lo: number, hi: number, conn: number): void => {
      const t = rowStart + sub * subMs
      if (t < pos || !keep(node)) return
      const series = seriesOf(node)
      if (isBeat) series.sample(t, h, lo, hi)
      if (conn >= 0) series.connect(t, conn === 1)
    }
    const packRange = async (level: number, size: number, subs: number, b0: number, b1: number, fallback: (b0: number, b1: number) => Promise<void>): Promise<void> => {
      if (b0 >= b1) return
      if (!packed) {
        await fallback(b0, b1)
        return
      }
      subMs = size / subs
      let next = b0
      let rows = 0
      for (const row of db.prepare('SELECT b, data FROM pack WHERE level = ? AND b >= ? AND b < ? ORDER BY b').iterate(level, b0, b1) as Iterable<{ b: number, data: Uint8Array }>) {
        const b = Number(row.b)
        if (b > next) await fallback(next, b)
        rowStart = b * size
        subMs = size / subs
        decodePack(row.data, visit)
        next = b + 1
        if (++rows % READ_CHUNK_PACKS === 0) await pause(signal)
      }
      if (next < b1) await fallback(next, b1)
    }

    if (typeof source === 'number' && source > SEGMENT_MS) {
      // the coarse level's closed buckets that end by `to`
      const k = ROLLUP_LEVELS_MS.indexOf(source as typeof ROLLUP_LEVELS_MS[number])
      const closedEnd = Math.floor(openMinute * SEGMENT_MS / source)
      const end = Math.max(Math.floor(from / source), Math.min(closedEnd, Math.floor(to / source)))
      await packRange(k + 1, source, 1, Math.floor(from / source), end, async (b0, b1) => { await rollRange(k + 1, source, b0, b1) })
      pos = Math.max(pos, end * source)
    }
    if (source !== 'raw') {
      // the finest level's closed minutes that end by `to` (the first may begin before `pos`:
      // its sub-buckets before it are skipped)
      const m0 = Math.floor(pos / SEGMENT_MS)
      const m1 = Math.max(m0, Math.min(openMinute, lastMinute))
      // a record before packs: segments' summaries where minutes are whole buckets, else the raw changes
      const minuteGrid = step % SEGMENT_MS === 0 && from % SEGMENT_MS === 0
      await packRange(FINE_LEVEL, SEGMENT_MS, SEGMENT_MS / FINE_MS, m0, m1, async (b0, b1) => {
        if (minuteGrid) await segSummaryRange(b0, b1)
        else await rawRange(b0, b1, pos)
      })
      if (m1 > m0) pos = Math.max(pos, m1 * SEGMENT_MS)
    }
    // the rest from the raw changes: closed minutes' segments, then the journal
    await rawRange(Math.floor(pos / SEGMENT_MS), lastMinute + 1, pos)
    const lowT = pos - 1
    const journal = db.prepare('SELECT b, data FROM journal WHERE b >= ? AND b <= ? ORDER BY b, seq')
      .iterate(Math.floor(pos / SEGMENT_MS), lastMinute) as Iterable<{ b: number, data: Uint8Array }>
    for (const row of journal) {
      decodeJournal(row.data, row.b * SEGMENT_MS, (node, kind, t, a) => {
        if (t <= lowT || t > to || !keep(node)) return
        if (kind === CHANGE_BEAT) seriesOf(node).sample(t, a, a, a)
        else if (kind === CHANGE_CONNECTED) seriesOf(node).connect(t, true)
        else if (kind === CHANGE_DISCONNECTED || kind === CHANGE_FORGOTTEN) seriesOf(node).connect(t, false)
      })
      await pause(signal)
    }
    await pause(signal)
    // names as of the end of the window (or its start, for nodes forgotten within it)
    const end = loadState(db, to).states
    const resolver = new IdResolver(db)
    resolver.loadNodes()
    resolver.loadInfos([...series.keys()].map(id => end.get(id)?.info ?? start.get(id)?.info ?? 0))
    const nodes: NodeSeries[] = []
    for (const [id, s] of series) {
      const node = resolver.node(id)
      if (node == null) continue
      s.finish()
      const info = end.get(id)?.info ?? start.get(id)?.info ?? 0
      nodes.push({
        peerId: node.peer,
        nickname: info === 0 ? '' : resolver.info(info).nickname,
        first: s.first,
        heights: s.heights,
        ranges: s.ranges,
        connection: s.connection
      })
    }
    nodes.sort((a, b) => a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0)
    return { from, to, stepMs: step, buckets, source, nodes }
  } finally {
    db.exec('COMMIT')
  }
}

/** Every node as it was at `at` (changes at `at` included). */
export function readStateAt (db: DatabaseSync, at: number): NodeAt[] {
  if (!Number.isFinite(at) || at < 0) throw new InvalidQueryError('at must be a time')
  db.exec('BEGIN')
  try {
    const { states } = loadState(db, at)
    return resolveStates(new IdResolver(db), states.values())
  } finally {
    db.exec('COMMIT')
  }
}

/** Every node as it was at `at`, and the gap in the record `at` falls in (none: undefined). */
export function readMomentAt (db: DatabaseSync, at: number): MomentAt {
  const nodes = readStateAt(db, at)
  const gap = readGapAt(db, at)
  return gap === null ? { nodes } : { nodes, gap }
}

/**
 * The stretch of time nothing was recorded in that `at` falls in: a `record_gap` event (the
 * relay down, the disk full), which is written when recording resumes, at the gap's end. Gaps
 * do not overlap, so the first one to end after `at` is the only one that can hold it.
 */
export function readGapAt (db: DatabaseSync, at: number): RecordGap | null {
  const row = db.prepare("SELECT data FROM event WHERE kind = 'record_gap' AND t > ? ORDER BY t LIMIT 1").get(at) as { data: string | null } | undefined
  if (row?.data == null) return null
  try {
    const data = JSON.parse(row.data) as { from?: unknown, to?: unknown, reason?: unknown }
    const { from, to, reason } = data
    if (typeof from !== 'number' || typeof to !== 'number' || typeof reason !== 'string') return null
    return from <= at && at < to ? { from, to, reason } : null
  } catch {
    return null
  }
}

/** Events over [from, to] in the order they were recorded, at most `limit`. */
export function readEvents (db: DatabaseSync, query: EventsQuery): EventsResult {
  checkRange(query.from, query.to)
  const limit = Math.min(MAX_EVENTS_PER_REQUEST, Math.max(1, Math.floor(query.limit ?? MAX_EVENTS_PER_REQUEST)))
  const rows = db.prepare('SELECT id, t, kind, peers, data FROM event WHERE t >= ? AND t <= ? AND id > ? ORDER BY id LIMIT ?')
    .all(query.from, query.to, query.after ?? 0, limit + 1) as Array<{ id: number, t: number, kind: string, peers: string, data: string | null }>
  const events: RecordedEvent[] = []
  for (const row of rows.slice(0, limit)) {
    const event: RecordedEvent = { id: row.id, at: row.t, kind: row.kind, peers: parseStrings(row.peers) }
    if (row.data != null) {
      try {
        const data: unknown = JSON.parse(row.data)
        if (typeof data === 'object' && data != null && !Array.isArray(data)) event.data = data as Record<string, unknown>
      } catch {}
    }
    events.push(event)
  }
  const result: EventsResult = { events }
  const last = events[events.length - 1]
  if (rows.length > limit && last != null) result.next = last.id
  return result
}

/**
 * The fork log over [from, to]: each fork with an event (began, ended) in the window, as its
 * latest event there says (so a fork that ended after `to` is open as of `to`), at most
 * `limit`, those with the latest events first; returned newest first (by id).
 */
export function readForks (db: DatabaseSync, query: ForksQuery): ForkRecord[] {
  checkRange(query.from, query.to)
  const limit = Math.min(MAX_FORKS_PER_REQUEST, Math.max(1, Math.floor(query.limit ?? DEFAULT_FORKS_PER_REQUEST)))
  const rows = db.prepare('SELECT data FROM event WHERE kind IN (?, ?) AND t >= ? AND t <= ? ORDER BY t DESC, id DESC')
    .iterate(FORK_BEGAN, FORK_ENDED, query.from, query.to) as Iterable<{ data: string | null }>
  const forks = new Map<number, ForkRecord>()
  for (const row of rows) {
    const fork = parseForkRecord(row.data)
    // its later event is in already (a fork's two events: at most 2·limit rows are read)
    if (fork === null || forks.has(fork.id)) continue
    if (forks.size >= limit) break
    forks.set(fork.id, fork)
  }
  return [...forks.values()].sort((a, b) => b.id - a.id)
}

/** A fork event's data, as the relay wrote it; null for anything else (a damaged row). */
function parseForkRecord (json: string | null): ForkRecord | null {
  if (json == null) return null
  try {
    const value = JSON.parse(json) as Partial<ForkRecord> | null
    if (value == null || typeof value !== 'object' || !Number.isSafeInteger(value.id) || typeof value.startedAt !== 'number' || !Array.isArray(value.sides)) return null
    // the sides counted past the listed ones: two whole numbers, or absent (a record from before
    // the relay capped its sides has none, and lists them all); anything else is damage
    const other: unknown = value.otherSides
    if (other !== undefined && !(isCount(other, 'count') && isCount(other, 'nodeCount'))) return null
    return value as ForkRecord
  } catch {
    return null
  }
}

/** value[key] is a whole number. */
function isCount (value: unknown, key: string): boolean {
  if (typeof value !== 'object' || value === null) return false
  const n = (value as Record<string, unknown>)[key]
  return Number.isSafeInteger(n) && (n as number) >= 0
}

function parseStrings (json: string): string[] {
  try {
    const value: unknown = JSON.parse(json)
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  } catch {
    return []
  }
}

/** One recorded change, resolved, as replay gives them back; a beat's `parent` is its head's
 *  parent where the heartbeat reported one (and the record still holds it). */
export type ReplayChange =
  | { t: number, peerId: string, kind: 'beat', height: number, head: string, parent?: string }
  | { t: number, peerId: string, kind: 'info', info: NodeInfo }
  | { t: number, peerId: string, kind: 'connected' | 'disconnected' | 'forgotten' | 'stale' | 'back' }
  | { t: number, peerId: string, kind: 'finalized', height: number }
  | { t: number, peerId: string, kind: 'syncing', syncing: boolean }

/**
 * Every change recorded in (from, to], oldest first, a minute at a time (a minute of 1,000
 * nodes is the most held at once). Changes at one moment keep the order they were recorded in.
 */
export async function * readChanges (db: DatabaseSync, from: number, to: number, signal?: AbortSignal): AsyncGenerator<ReplayChange[]> {
  checkRange(from, to)
  {
    const resolver = new IdResolver(db)
    const segs = db.prepare('SELECT node, h, data FROM seg WHERE b = ? ORDER BY node')
    const journal = db.prepare('SELECT data FROM journal WHERE b = ? ORDER BY seq')
    const last = Math.floor(to / SEGMENT_MS)
    // minutes before it were written without parents (a record of schema 2)
    const v3From = parentsFrom(db)
    // minutes with no row are skipped by asking for the next one that has any
    const nextMinute = db.prepare('SELECT min(b) AS b FROM (SELECT min(b) AS b FROM seg WHERE b >= ?1 UNION ALL SELECT min(b) AS b FROM journal WHERE b >= ?1)')
    let minute = Math.floor(from / SEGMENT_MS)
    while (minute <= last) {
      // a transaction per minute, not one for the whole replay: a long-lived reader would keep
      // a recording relay's WAL from being checkpointed
      const found = (nextMinute.get(minute) as { b: number | null } | undefined)?.b
      if (found == null || found > last) return
      minute = found
      db.exec('BEGIN')
      const entries: Array<[number, number, ChangeKind, number, number, number, number]> = []
      let seq = 0
      const format = minute >= v3From ? BLOB_V3 : BLOB_V2
      for (const row of segs.iterate(minute) as Iterable<{ node: number, h: number, data: Uint8Array }>) {
        const node = row.node
        decodeSegment(row.data, minute * SEGMENT_MS, row.h, (kind, t, a, b, parent) => { entries.push([t, seq++, kind, node, a, b, parent]) }, format)
      }
      for (const row of journal.iterate(minute) as Iterable<{ data: Uint8Array }>) {
        decodeJournal(row.data, minute * SEGMENT_MS, (node, kind, t, a, b, parent) => { entries.push([t, seq++, kind, node, a, b, parent]) })
      }
      db.exec('COMMIT')
      entries.sort((x, y) => x[0] - y[0] || x[1] - y[1])
      const out: ReplayChange[] = []
      for (const [t, , kind, node, a, b, parent] of entries) {
        if (t <= from || t > to) continue
        const peerId = resolver.node(node)?.peer
        if (peerId == null) continue
        switch (kind) {
          case CHANGE_BEAT: {
            const p = parentOf(resolver, parent).parentHead
            out.push(p === undefined ? { t, peerId, kind: 'beat', height: a, head: resolver.head(b) } : { t, peerId, kind: 'beat', height: a, head: resolver.head(b), parent: p })
            break
          }
          case CHANGE_INFO: out.push({ t, peerId, kind: 'info', info: resolver.info(a) }); break
          case CHANGE_CONNECTED: out.push({ t, peerId, kind: 'connected' }); break
          case CHANGE_DISCONNECTED: out.push({ t, peerId, kind: 'disconnected' }); break
          case CHANGE_FORGOTTEN: out.push({ t, peerId, kind: 'forgotten' }); break
          case CHANGE_FINALIZED: out.push({ t, peerId, kind: 'finalized', height: a }); break
          case CHANGE_SYNCING: out.push({ t, peerId, kind: 'syncing', syncing: a === 1 }); break
          case CHANGE_STALE: out.push({ t, peerId, kind: 'stale' }); break
          case CHANGE_BACK: out.push({ t, peerId, kind: 'back' }); break
        }
      }
      if (out.length > 0) yield out
      await pause(signal)
      minute++
    }
  }
}
