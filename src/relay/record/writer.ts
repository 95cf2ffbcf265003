// Writes the record: batches of changes in one transaction each, minutes closed into
// segments, coarser levels rolled up, keyframes on their boundaries, and retention in small
// steps. Synchronous (node:sqlite is) and driven by the record service's timers; time comes
// from the changes and from the `now` each call is given, so tests run it on a fake clock.
import { logger } from '@libp2p/logger'
import { JournalEncoder, PackEncoder, PACK_SUBS, SegmentEncoder, decodeJournal } from './blobs.ts'
import { FORK_BEGAN, FORK_ENDED } from '../../protocol/forks.ts'
import { FINE_LEVEL, FINE_MS, INTERN_EPOCH_MS, KEYFRAME_MS, LAST_FORK_ID, MAX_INTERNED, ROLLUP_LEVELS_MS, SEGMENT_MS, SIZE_HIGH_WATER } from './constants.ts'
import { readForks } from './reader.ts'
import { usedBytes } from './schema.ts'
import { flagsOf, IdResolver, infoKey, loadState, SEG_CONNECTED, SEG_NO_BEAT, SEG_OTHER } from './state.ts'
import {
  CHANGE_BACK, CHANGE_BEAT, CHANGE_CONNECTED, CHANGE_DISCONNECTED, CHANGE_FINALIZED, CHANGE_FORGOTTEN, CHANGE_INFO,
  CHANGE_STALE, CHANGE_SYNCING, NO_PARENT
} from './types.ts'
import type { ChangeBatch } from './queue.ts'
import type { ChangeKind, NodeInfo } from './types.ts'
import type { DatabaseSync, StatementSync } from 'node:sqlite'

const log = logger('devnet:relay:record')

interface NodeState {
  id: number
  peer: string
  height: number
  head: string
  /** the head's parent as the beat that brought the head reported it; '' for none */
  parent: string
  info: NodeInfo
  infoKey: string
  connected: boolean
  stale: boolean
  syncing: boolean | null
  finalized: number | null
  changedAt: number
}

interface Segment {
  encoder: SegmentEncoder
  lastT: number
  /** height at the last change; lowest and highest beat of the minute */
  h: number
  lo: number
  hi: number
  c: boolean
  /** holds an info, finalized, syncing or forgotten change (a reader must decode it for those) */
  other: boolean
  /** the finest level (FINE_MS sub-buckets of the minute): which had beats and connection
   *  changes, which of those ended connected, and each one's last, lowest and highest beat */
  beats: number
  connMask: number
  connEnd: number
  subH: number[]
  subLo: number[]
  subHi: number[]
}

/** A node's summary over a coarser level's bucket; `beat`: it had a beat in it. */
interface Aggregate { t: number, h: number, lo: number, hi: number, c: boolean, beat: boolean }

export interface PendingEvent { at: number, kind: string, peers: string[], data?: Record<string, unknown> }

export interface WriterInit {
  /** the last heartbeat heard from a peer (beats that change nothing are not queued) */
  lastBeatAt?: (peer: string) => number | undefined
}

export interface RetentionLimits {
  maxAgeMs: number
  maxBytes: number
}

export interface RetentionResult {
  /** data older than this was deleted by the step (undefined: nothing was) */
  cut?: number
  /** there is more to delete now */
  more: boolean
}

// forks looked at for one left open by a killed run (open ones are the newest: one per network)
const FORKS_CHECKED_AFTER_CRASH = 20
const NO_INFO: NodeInfo = { nickname: '', minerAddress: null, genesisCid: null }
const NO_INFO_KEY = infoKey(NO_INFO)

function minuteOf (t: number): number {
  return Math.floor(t / SEGMENT_MS)
}

export class RecordWriter {
  readonly #db: DatabaseSync
  readonly #lastBeatAt: (peer: string) => number | undefined
  readonly #s: Record<string, StatementSync>
  readonly #states = new Map<string, NodeState>()
  readonly #nodeIds = new Map<string, number>()
  #heads = new Map<string, number>()
  #infos = new Map<string, number>()
  /** the open minute; -1 before the first change */
  #minute = -1
  readonly #segments = new Map<number, Segment>()
  readonly #journal = new JournalEncoder()
  #journalSeq = 0
  /** minutes the journal holds that are not loaded yet (after a reopen or a failed write) */
  #journalMinutes: number[] = []
  readonly #aggregates: Array<Map<number, Aggregate>> = ROLLUP_LEVELS_MS.map(() => new Map())
  /** time of the last change written: later changes are clamped to it, so time never runs back */
  #lastT = 0
  #changesSinceKeyframe = 0
  #headFloor = 1
  #infoFloor = 1
  #recording = true
  /** changes written since this writer opened */
  changesWritten = 0

  constructor (db: DatabaseSync, init: WriterInit = {}) {
    this.#db = db
    this.#lastBeatAt = init.lastBeatAt ?? (() => undefined)
    this.#s = {
      nodeInsert: db.prepare('INSERT INTO node (peer, first_t) VALUES (?, ?)'),
      nodeReborn: db.prepare('UPDATE node SET first_t = ? WHERE id = ?'),
      headInsert: db.prepare('INSERT INTO head (text) VALUES (?)'),
      infoInsert: db.prepare('INSERT INTO info (json) VALUES (?)'),
      journalInsert: db.prepare('INSERT INTO journal (b, seq, data) VALUES (?, ?, ?)'),
      journalDelete: db.prepare('DELETE FROM journal WHERE b <= ?'),
      segInsert: db.prepare('INSERT INTO seg (b, node, t, h, lo, hi, c, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      packInsert: db.prepare('INSERT OR REPLACE INTO pack (level, b, data) VALUES (?, ?, ?)'),
      keyframeInsert: db.prepare('INSERT OR REPLACE INTO keyframe (t, head_floor, info_floor) VALUES (?, ?, ?)'),
      kfNodeInsert: db.prepare('INSERT OR REPLACE INTO kf_node (t, node, h, head, info, flags, fin, changed_t, beat_t, parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      eventInsert: db.prepare('INSERT INTO event (t, kind, peers, data) VALUES (?, ?, ?, ?)'),
      metaSet: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
    }
    this.#recover()
  }

  get recording (): boolean {
    return this.#recording
  }

  /** Stops writing (until resume()) after a failure outside write(): the start on a full disk. */
  pause (): void {
    this.#recording = false
  }

  /** Nodes the record knows now (not forgotten). */
  get nodeCount (): number {
    return this.#states.size
  }

  #meta (key: string): number | undefined {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number } | undefined
    return row == null ? undefined : Number(row.value)
  }

  #loadNodeIds (): void {
    this.#nodeIds.clear()
    for (const row of this.#db.prepare('SELECT id, peer FROM node').iterate() as Iterable<{ id: number, peer: string }>) {
      this.#nodeIds.set(row.peer, row.id)
    }
  }

  /** On open: the state at the end of the record, the open minute's changes from the journal,
   *  and the open buckets of the coarser levels from the minutes already closed. */
  #recover (): void {
    this.#loadNodeIds()
    const last = this.#db.prepare('SELECT t, head_floor, info_floor FROM keyframe ORDER BY t DESC LIMIT 1').get() as
      { t: number, head_floor: number, info_floor: number } | undefined
    if (last != null) {
      this.#headFloor = last.head_floor
      this.#infoFloor = last.info_floor
    }
    const flushedAt = this.#meta('flushed_at') ?? 0
    const { states } = loadState(this.#db, Number.MAX_SAFE_INTEGER - 1)
    const resolver = new IdResolver(this.#db)
    for (const raw of states.values()) {
      const node = resolver.node(raw.node)
      if (node == null) continue
      const info = raw.info === 0 ? NO_INFO : resolver.info(raw.info)
      this.#states.set(node.peer, {
        id: raw.node,
        peer: node.peer,
        height: raw.height,
        head: resolver.head(raw.head),
        parent: raw.parent === NO_PARENT ? '' : resolver.head(raw.parent),
        info,
        infoKey: infoKey(info),
        connected: raw.connected,
        stale: raw.stale,
        syncing: raw.syncing,
        finalized: raw.finalized,
        changedAt: raw.changedAt
      })
    }
    this.#replayJournal()
    this.#lastT = Math.max(this.#lastT, flushedAt)
    if (this.#minute < 0 && flushedAt > 0) this.#minute = minuteOf(flushedAt)
    if (this.#minute >= 0) this.#rebuildAggregates()
  }

  /** Finds the minutes the journal holds (on open, and after a failed write rolled back what
   *  memory held) and loads the first: the next advance closes it and loads the next. */
  #replayJournal (): void {
    this.#segments.clear()
    this.#journal.reset(-1, 0)
    const rows = this.#db.prepare('SELECT b, max(seq) AS seq FROM journal GROUP BY b ORDER BY b').all() as Array<{ b: number, seq: number }>
    this.#journalMinutes = rows.map(row => row.b)
    for (const row of rows) this.#journalSeq = Math.max(this.#journalSeq, row.seq)
    const first = this.#journalMinutes[0]
    if (first != null) {
      this.#minute = first
      this.#loadJournalMinute(first)
    }
    const last = this.#journalMinutes[this.#journalMinutes.length - 1]
    if (last != null) {
      for (const row of this.#db.prepare('SELECT b, data FROM journal WHERE b = ?').iterate(last) as Iterable<{ b: number, data: Uint8Array }>) {
        decodeJournal(row.data, row.b * SEGMENT_MS, (_node, _kind, t) => { if (t > this.#lastT) this.#lastT = t })
      }
    }
  }

  /** The open minute's changes that are in the journal, back into its segments. */
  #loadJournalMinute (minute: number): void {
    const k = this.#journalMinutes.indexOf(minute)
    if (k < 0) return
    this.#journalMinutes.splice(k, 1)
    const byId = new Map<number, NodeState>()
    for (const state of this.#states.values()) byId.set(state.id, state)
    for (const row of this.#db.prepare('SELECT data FROM journal WHERE b = ? ORDER BY seq').iterate(minute) as Iterable<{ data: Uint8Array }>) {
      decodeJournal(row.data, minute * SEGMENT_MS, (node, kind, t, a, b, parent) => {
        this.#addToSegment(node, kind, t, a, b, parent, byId.get(node))
      })
    }
  }

  #rebuildAggregates (): void {
    for (const aggregates of this.#aggregates) aggregates.clear()
    const coarsest = ROLLUP_LEVELS_MS[ROLLUP_LEVELS_MS.length - 1] ?? SEGMENT_MS
    const start = Math.floor(this.#minute * SEGMENT_MS / coarsest) * coarsest
    const rows = this.#db.prepare('SELECT b, node, t, h, lo, hi, c FROM seg WHERE b >= ? AND b < ? ORDER BY b').iterate(minuteOf(start), this.#minute) as
      Iterable<{ b: number, node: number, t: number, h: number, lo: number, hi: number, c: number }>
    for (const row of rows) {
      this.#fold(row.b, row.node, { t: row.b * SEGMENT_MS + row.t, h: row.h, lo: row.h - row.lo, hi: row.h + row.hi, c: (row.c & SEG_CONNECTED) !== 0, beat: (row.c & SEG_NO_BEAT) === 0 })
    }
  }

  #fold (minute: number, node: number, s: Aggregate): void {
    ROLLUP_LEVELS_MS.forEach((level, k) => {
      const aggregates = this.#aggregates[k]
      if (aggregates == null) return
      // only the bucket the open minute is in is kept: earlier ones are closed
      if (Math.floor(minute * SEGMENT_MS / level) !== Math.floor(this.#minute * SEGMENT_MS / level)) return
      const a = aggregates.get(node)
      if (a == null) {
        aggregates.set(node, { ...s })
      } else {
        a.t = s.t
        a.h = s.h
        a.c = s.c
        // the lowest and highest of its beats (a minute without one holds its height carried)
        if (s.beat && !a.beat) {
          a.lo = s.lo
          a.hi = s.hi
        } else if (s.beat || !a.beat) {
          if (s.lo < a.lo) a.lo = s.lo
          if (s.hi > a.hi) a.hi = s.hi
        }
        a.beat ||= s.beat
      }
    })
  }

  #nodeId (peer: string, t: number): number {
    let id = this.#nodeIds.get(peer)
    if (id == null) {
      id = Number(this.#s.nodeInsert!.run(peer, t).lastInsertRowid)
      this.#nodeIds.set(peer, id)
    }
    return id
  }

  #headId (head: string): number {
    let id = this.#heads.get(head)
    if (id == null) {
      if (this.#heads.size >= MAX_INTERNED) this.#heads.clear()
      id = Number(this.#s.headInsert!.run(head).lastInsertRowid)
      this.#heads.set(head, id)
    }
    return id
  }

  #infoId (key: string): number {
    let id = this.#infos.get(key)
    if (id == null) {
      if (this.#infos.size >= MAX_INTERNED) this.#infos.clear()
      id = Number(this.#s.infoInsert!.run(key).lastInsertRowid)
      this.#infos.set(key, id)
    }
    return id
  }

  /** Adds a change to its node's open segment. */
  #addToSegment (node: number, kind: ChangeKind, t: number, a: number, b: number, parent: number, state: NodeState | undefined): void {
    let seg = this.#segments.get(node)
    if (seg == null) {
      const h = state?.height ?? (kind === CHANGE_BEAT ? a : 0)
      seg = {
        encoder: new SegmentEncoder(this.#minute * SEGMENT_MS), lastT: t, h, lo: Infinity, hi: -Infinity, c: state?.connected ?? false, other: false,
        beats: 0, connMask: 0, connEnd: 0, subH: [0, 0, 0, 0, 0], subLo: [0, 0, 0, 0, 0], subHi: [0, 0, 0, 0, 0]
      }
      this.#segments.set(node, seg)
    }
    seg.encoder.add(kind, t, a, b, parent)
    seg.lastT = t
    // the sub-bucket of the finest level (a change clamped into the minute stays in it)
    const j = Math.max(0, Math.min(PACK_SUBS - 1, Math.floor((t - this.#minute * SEGMENT_MS) / FINE_MS)))
    const bit = 1 << j
    if (kind === CHANGE_BEAT) {
      seg.h = a
      if (a < seg.lo) seg.lo = a
      if (a > seg.hi) seg.hi = a
      if ((seg.beats & bit) === 0) {
        seg.beats |= bit
        seg.subLo[j] = a
        seg.subHi[j] = a
      } else {
        if (a < (seg.subLo[j] ?? a)) seg.subLo[j] = a
        if (a > (seg.subHi[j] ?? a)) seg.subHi[j] = a
      }
      seg.subH[j] = a
    } else {
      // a reader decodes a minute with anything but beats in it; only beats it may skip
      seg.other = true
      if (kind === CHANGE_CONNECTED || kind === CHANGE_DISCONNECTED || kind === CHANGE_FORGOTTEN) {
        seg.c = kind === CHANGE_CONNECTED
        seg.connMask |= bit
        if (seg.c) seg.connEnd |= bit
        else seg.connEnd &= ~bit
      }
    }
  }

  #record (state: NodeState, kind: ChangeKind, t: number, a: number, b: number, parent = NO_PARENT): void {
    this.#addToSegment(state.id, kind, t, a, b, parent, state)
    if (this.#journal.minute !== this.#minute) this.#journal.reset(this.#minute, this.#minute * SEGMENT_MS)
    this.#journal.add(state.id, kind, t, a, b, parent)
    this.changesWritten++
  }

  #writeJournal (): void {
    if (this.#journal.minute < 0 || this.#journal.bytes.length === 0) return
    this.#s.journalInsert!.run(this.#journal.minute, ++this.#journalSeq, this.#journal.bytes.toBytes())
    this.#journal.reset(this.#journal.minute, this.#journal.minute * SEGMENT_MS)
    // the journal encoder continues from the minute's start: each row decodes alone
  }

  #closeMinute (): void {
    const minute = this.#minute
    // in key order (minute, node): pages fill and are never rewritten; the pack wants it too
    const nodes = [...this.#segments.keys()].sort((x, y) => x - y)
    const pack = new PackEncoder()
    for (const node of nodes) {
      const seg = this.#segments.get(node)
      if (seg == null) continue
      const beat = Number.isFinite(seg.lo)
      const lo = beat ? seg.lo : seg.h
      const hi = beat ? seg.hi : seg.h
      this.#s.segInsert!.run(minute, node, seg.lastT - minute * SEGMENT_MS, seg.h, seg.h - lo, hi - seg.h, (seg.c ? SEG_CONNECTED : 0) | (seg.other ? SEG_OTHER : 0) | (beat ? 0 : SEG_NO_BEAT), seg.encoder.finish(seg.h))
      pack.add({ node, beats: seg.beats, connMask: seg.connMask, connEnd: seg.connEnd, h: seg.subH, lo: seg.subLo, hi: seg.subHi })
      this.#fold(minute, node, { t: seg.lastT, h: seg.h, lo, hi, c: seg.c, beat })
    }
    // a row even when no node beat or (dis)connected: the minute is covered, no segment need be read
    if (nodes.length > 0) this.#s.packInsert!.run(FINE_LEVEL, minute, pack.toBytes())
    if (this.#segments.size > 0) this.#changesSinceKeyframe++
    this.#segments.clear()
    this.#s.journalDelete!.run(minute)
    this.#journal.reset(-1, 0)
  }

  #closeBuckets (boundary: number): void {
    ROLLUP_LEVELS_MS.forEach((level, k) => {
      const aggregates = this.#aggregates[k]
      if (aggregates == null || boundary % level !== 0) return
      if (aggregates.size === 0) return
      const b = boundary / level - 1
      const pack = new PackEncoder()
      const one = [0]
      const lo = [0]
      const hi = [0]
      for (const node of [...aggregates.keys()].sort((x, y) => x - y)) {
        const a = aggregates.get(node)
        if (a == null) continue
        one[0] = a.h
        lo[0] = a.lo
        hi[0] = a.hi
        // the connection as the bucket ends, always: a level's summary does not know whether it changed
        pack.add({ node, beats: a.beat ? 1 : 0, connMask: 1, connEnd: a.c ? 1 : 0, h: one, lo, hi })
      }
      this.#s.packInsert!.run(k + 1, b, pack.toBytes())
      aggregates.clear()
    })
  }

  /** Closes every minute before `t`'s, with the roll-ups and keyframes on the way. */
  #advanceTo (t: number, keyframes: boolean): void {
    const target = minuteOf(t)
    if (this.#minute >= target) return
    if (this.#minute < 0) {
      this.#minute = target
      this.#s.metaSet!.run('open_minute', target)
      return
    }
    while (this.#minute < target) {
      const idle = this.#segments.size === 0 && this.#aggregates.every(a => a.size === 0) && (this.#changesSinceKeyframe === 0 || !keyframes)
      if (idle) {
        // nothing open: straight to the target, or to the next minute the journal still holds
        const next = this.#journalMinutes.find(m => m > this.#minute)
        this.#minute = Math.min(target, next ?? target)
        this.#loadJournalMinute(this.#minute)
        continue
      }
      if (this.#segments.size > 0) this.#closeMinute()
      else this.#s.journalDelete!.run(this.#minute)
      const boundary = (this.#minute + 1) * SEGMENT_MS
      this.#minute++
      this.#loadJournalMinute(this.#minute)
      this.#closeBuckets(boundary)
      if (keyframes && boundary % KEYFRAME_MS === 0 && this.#changesSinceKeyframe > 0) this.#keyframe(boundary, boundary % INTERN_EPOCH_MS === 0)
    }
    this.#s.metaSet!.run('open_minute', this.#minute)
  }

  /**
   * Writes every node's state as of now. On an epoch boundary the ids of heads and infos
   * start over (the ones in use are written again), so retention can delete older ones by id.
   */
  #keyframe (at: number, newEpoch: boolean): void {
    if (newEpoch) {
      this.#heads = new Map()
      this.#infos = new Map()
      this.#headFloor = Number((this.#db.prepare('SELECT coalesce(max(id), 0) + 1 AS n FROM head').get() as { n: number }).n)
      this.#infoFloor = Number((this.#db.prepare('SELECT coalesce(max(id), 0) + 1 AS n FROM info').get() as { n: number }).n)
    }
    this.#s.keyframeInsert!.run(at, this.#headFloor, this.#infoFloor)
    for (const state of this.#states.values()) {
      const head = state.head === '' ? 0 : this.#headId(state.head)
      const info = state.infoKey === NO_INFO_KEY ? 0 : this.#infoId(state.infoKey)
      // a parent in use is interned again in a new epoch, as heads are (retention drops by id)
      const parent = state.parent === '' ? null : this.#headId(state.parent)
      this.#s.kfNodeInsert!.run(at, state.id, state.height, head, info, flagsOf(state), state.finalized,
        state.changedAt, Math.min(at, this.#lastBeatAt(state.peer) ?? state.changedAt), parent)
    }
    this.#changesSinceKeyframe = 0
  }

  /** Applies one change to the state and, while recording, to the record; `parent`: a beat's
   *  head's parent, when the heartbeat reported one. */
  #apply (kind: ChangeKind, at: number, peer: string, num: number, ref: string | NodeInfo | undefined, parent?: string): void {
    let t = Math.round(at)
    if (t < this.#lastT) t = this.#lastT
    if (this.#recording) this.#advanceTo(t, true)
    this.#lastT = t
    let state = this.#states.get(peer)
    if (kind === CHANGE_FORGOTTEN) {
      if (state == null) return
      this.#states.delete(peer)
      if (this.#recording) this.#record(state, kind, t, 0, 0)
      return
    }
    if (state == null) {
      const known = this.#nodeIds.get(peer)
      const id = this.#recording ? this.#nodeId(peer, t) : (known ?? -1)
      // heard again after being forgotten: its first-seen time starts over
      if (known != null && this.#recording) this.#s.nodeReborn!.run(t, id)
      state = { id, peer, height: 0, head: '', parent: '', info: NO_INFO, infoKey: NO_INFO_KEY, connected: false, stale: false, syncing: null, finalized: null, changedAt: t }
      this.#states.set(peer, state)
    } else if (state.id < 0 && this.#recording) {
      state.id = this.#nodeId(peer, t)
    }
    switch (kind) {
      case CHANGE_BEAT: {
        const head = typeof ref === 'string' ? ref : ''
        if (state.height === num && state.head === head) return
        state.height = num
        state.head = head
        state.parent = parent ?? ''
        state.changedAt = t
        if (this.#recording) {
          // the parent first: one not interned yet (no node reported it) then sits just
          // before its child, which the segment writes in no bytes at all (blobs.ts)
          const parentId = parent === undefined || parent === '' ? NO_PARENT : this.#headId(parent)
          this.#record(state, kind, t, num, this.#headId(head), parentId)
        }
        return
      }
      case CHANGE_CONNECTED:
      case CHANGE_DISCONNECTED: {
        const connected = kind === CHANGE_CONNECTED
        if (state.connected === connected) return
        state.connected = connected
        state.stale = false
        if (this.#recording) this.#record(state, kind, t, 0, 0)
        return
      }
      case CHANGE_STALE:
      case CHANGE_BACK: {
        const stale = kind === CHANGE_STALE
        if (state.stale === stale || !state.connected) return
        state.stale = stale
        if (this.#recording) this.#record(state, kind, t, 0, 0)
        return
      }
      case CHANGE_INFO: {
        const info = typeof ref === 'object' && ref != null ? ref : NO_INFO
        const key = infoKey(info)
        if (key === state.infoKey) return
        state.info = info
        state.infoKey = key
        state.changedAt = t
        if (this.#recording) this.#record(state, kind, t, this.#infoId(key), 0)
        return
      }
      case CHANGE_FINALIZED:
        if (state.finalized === num) return
        state.finalized = num
        if (this.#recording) this.#record(state, kind, t, num, 0)
        return
      case CHANGE_SYNCING: {
        const syncing = num === 1
        if (state.syncing === syncing) return
        state.syncing = syncing
        if (this.#recording) this.#record(state, kind, t, syncing ? 1 : 0, 0)
      }
    }
  }

  #transaction (body: () => void): void {
    this.#db.exec('BEGIN')
    try {
      body()
      this.#db.exec('COMMIT')
    } catch (err) {
      try { this.#db.exec('ROLLBACK') } catch {}
      this.#afterRollback()
      throw err
    }
  }

  /** A rolled-back transaction took ids and rows that memory still holds: start again from
   *  what the file has. The state of nodes (memory's truth) is kept. */
  #afterRollback (): void {
    this.#loadNodeIds()
    for (const state of this.#states.values()) state.id = this.#nodeIds.get(state.peer) ?? -1
    this.#heads = new Map()
    this.#infos = new Map()
    const minute = this.#minute
    this.#minute = -1
    this.#replayJournal()
    if (this.#minute < 0) this.#minute = minute
  }

  /**
   * Writes a batch of changes and events in one transaction, closing minutes, buckets and
   * keyframes that `now` has passed. While not recording (a full disk), only the state in
   * memory follows the changes. Throws what SQLite throws; the record is then as before the
   * call and the writer stops recording until resume() succeeds.
   */
  write (batch: ChangeBatch | undefined, events: readonly PendingEvent[], now: number): void {
    if (!this.#recording) {
      if (batch != null) for (let k = 0; k < batch.length; k++) this.#apply(batch.kind[k] as ChangeKind, batch.at[k] ?? now, batch.peer[k] ?? '', batch.num[k] ?? 0, batch.ref[k], batch.parent[k])
      return
    }
    try {
      this.#transaction(() => {
        if (batch != null) for (let k = 0; k < batch.length; k++) this.#apply(batch.kind[k] as ChangeKind, batch.at[k] ?? now, batch.peer[k] ?? '', batch.num[k] ?? 0, batch.ref[k], batch.parent[k])
        for (const event of events) this.#writeEvent(event)
        this.#advanceTo(Math.max(now, this.#lastT), true)
        this.#writeJournal()
        this.#s.metaSet!.run('flushed_at', Math.max(now, this.#lastT))
      })
    } catch (err) {
      this.#recording = false
      // the batch's changes are lost to the record, not to the state
      if (batch != null) for (let k = 0; k < batch.length; k++) this.#apply(batch.kind[k] as ChangeKind, batch.at[k] ?? now, batch.peer[k] ?? '', batch.num[k] ?? 0, batch.ref[k], batch.parent[k])
      throw err
    }
  }

  #writeEvent (event: PendingEvent): void {
    const t = Math.round(event.at)
    this.#s.eventInsert!.run(t, event.kind, JSON.stringify(event.peers), event.data == null ? null : JSON.stringify(event.data))
    // the fork log's numbering outlives the events retention deletes: a relay started again
    // goes on from here (src/relay/fork-service.ts)
    const forkId = event.kind === FORK_BEGAN ? event.data?.id : undefined
    if (typeof forkId === 'number' && Number.isSafeInteger(forkId) && forkId > (this.#meta(LAST_FORK_ID) ?? 0)) this.#s.metaSet!.run(LAST_FORK_ID, forkId)
  }

  /** The highest fork id the record has seen (0: none). */
  lastForkId (): number {
    return this.#meta(LAST_FORK_ID) ?? 0
  }

  /**
   * After a failed write: tries to record again. Closes the minutes the journal still holds,
   * writes a keyframe of the state now (what happened meanwhile is not in the record) and a
   * `record_gap` event. Throws if the record still cannot be written.
   */
  resume (now: number, pausedAt: number, reason: string): void {
    this.#recording = true
    try {
      this.#transaction(() => {
        // the minutes the journal held close as they were; no keyframe on their boundaries, the
        // state now is not the state then
        this.#advanceTo(Math.max(now, this.#lastT), false)
        this.#startKeyframe(now)
        this.#writeEvent({ at: now, kind: 'record_gap', peers: [], data: { from: pausedAt, to: now, reason } })
        this.#s.metaSet!.run('flushed_at', Math.max(now, this.#lastT))
      })
    } catch (err) {
      this.#recording = false
      throw err
    }
  }

  /** A keyframe off the boundaries (after a gap): the state as it is, at a time after every
   *  change written so far. */
  #startKeyframe (now: number): void {
    // ids may have been rolled back: every node needs one again
    for (const state of this.#states.values()) if (state.id < 0) state.id = this.#nodeId(state.peer, now)
    const at = Math.max(Math.round(now), this.#lastT + 1)
    this.#keyframe(at, false)
    this.#lastT = at
  }

  /**
   * Called once after open: nodes the record had as connected were not heard while the relay
   * was down; they are marked disconnected as of the last flush, a `record_gap` event says how
   * long nothing was recorded, and a keyframe starts the new run.
   */
  start (now: number, minGapMs: number): void {
    const flushedAt = this.#meta('flushed_at')
    // a run that ended without stop() (killed, crashed) is a gap however short it was
    const crashed = flushedAt != null && this.#meta('stopped') !== 1
    this.#transaction(() => {
      this.#s.metaSet!.run('stopped', 0)
      const down = flushedAt ?? now
      for (const state of this.#states.values()) {
        if (state.connected && state.id >= 0) this.#apply(CHANGE_DISCONNECTED, down, state.peer, 0, undefined)
      }
      this.#advanceTo(Math.max(now, this.#lastT), true)
      this.#writeJournal()
      if (crashed && flushedAt != null) this.#endForksLeftOpen(flushedAt)
      if (flushedAt != null && (crashed || now - flushedAt >= minGapMs)) {
        this.#writeEvent({ at: now, kind: 'record_gap', peers: [], data: { from: flushedAt, to: now, reason: 'relay_down', stopped: !crashed } })
      }
      this.#startKeyframe(now)
      this.#s.metaSet!.run('flushed_at', Math.max(now, this.#lastT))
    })
  }

  /**
   * After a run that was killed: a fork it had open never got its `fork_ended` (a stopped relay
   * writes one, marked interrupted). It ends as of the killed run's last flush, marked the same
   * way, so the log does not show it open for ever. Open forks are the latest ones (one per
   * network at most), so the newest FORKS_CHECKED_AFTER_CRASH are looked at.
   */
  #endForksLeftOpen (flushedAt: number): void {
    for (const fork of readForks(this.#db, { from: 0, to: flushedAt, limit: FORKS_CHECKED_AFTER_CRASH })) {
      if (fork.endedAt !== null) continue
      const endedAt = Math.max(flushedAt, fork.startedAt)
      log('fork %d was open when the relay was killed: ended as of %d', fork.id, endedAt)
      const peers = fork.sides.filter(side => !side.largest).flatMap(side => side.nodes.map(node => node.peerId))
      this.#writeEvent({ at: endedAt, kind: FORK_ENDED, peers, data: { ...fork, endedAt, durationMs: endedAt - fork.startedAt, interrupted: true } })
    }
  }

  /** The run ends cleanly: the next start knows the relay was stopped, not killed. */
  markStopped (): void {
    try {
      this.#s.metaSet!.run('stopped', 1)
    } catch {}
  }

  /**
   * One step of retention: deletes the oldest keyframe period (everything before the
   * keyframe after the oldest) when it is older than maxAgeMs, or when the record takes more
   * than maxBytes. The newest keyframe period is never deleted.
   */
  retentionStep (now: number, limits: RetentionLimits): RetentionResult {
    const kfs = this.#db.prepare('SELECT t FROM keyframe ORDER BY t LIMIT 2').all() as Array<{ t: number }>
    const latest = this.#db.prepare('SELECT t FROM keyframe ORDER BY t DESC LIMIT 1').get() as { t: number } | undefined
    const oldest = this.#oldestData()
    const size = usedBytes(this.#db)
    const overSize = size.used > limits.maxBytes * SIZE_HIGH_WATER
    // the first keyframe after the oldest data: deleting before it keeps a base for every
    // moment after (the minute a keyframe falls in belongs to it)
    const first = kfs[0]
    const cutCandidate = (first != null && oldest != null && minuteOf(oldest) < minuteOf(first.t)) ? first.t : kfs[1]?.t
    let cut: number | undefined
    if (cutCandidate != null && latest != null && cutCandidate <= latest.t) {
      const ageCutoff = now - limits.maxAgeMs
      // age: only whole periods older than the cutoff; size: the oldest period, whatever its age
      if (cutCandidate <= ageCutoff || overSize) cut = cutCandidate
    }
    if (cut == null && overSize && this.#recording && latest != null && now - latest.t >= SEGMENT_MS) {
      // one keyframe period holds more than the bound: a keyframe now gives a cut there
      this.#transaction(() => { this.#startKeyframe(now) })
      return { more: true }
    }
    if (cut == null) {
      this.#giveBackPages(limits.maxBytes)
      return { more: false }
    }
    const at = cut
    let nodesDropped = false
    this.#transaction(() => {
      const floors = this.#db.prepare('SELECT head_floor, info_floor FROM keyframe WHERE t = ?').get(at) as { head_floor: number, info_floor: number } | undefined
      this.#db.prepare('DELETE FROM seg WHERE b < ?').run(minuteOf(at))
      this.#db.prepare('DELETE FROM pack WHERE level = ? AND b < ?').run(FINE_LEVEL, minuteOf(at))
      ROLLUP_LEVELS_MS.forEach((level, k) => {
        this.#db.prepare('DELETE FROM roll WHERE level = ? AND b < ?').run(k + 1, Math.floor(at / level))
        this.#db.prepare('DELETE FROM pack WHERE level = ? AND b < ?').run(k + 1, Math.floor(at / level))
      })
      this.#db.prepare('DELETE FROM kf_node WHERE t < ?').run(at)
      this.#db.prepare('DELETE FROM keyframe WHERE t < ?').run(at)
      this.#db.prepare('DELETE FROM event WHERE t < ?').run(at)
      if (floors != null) {
        this.#db.prepare('DELETE FROM head WHERE id < ?').run(floors.head_floor)
        this.#db.prepare('DELETE FROM info WHERE id < ?').run(floors.info_floor)
      }
      const dropped = this.#db.prepare('DELETE FROM node WHERE first_t < ? AND id NOT IN (SELECT node FROM kf_node WHERE t = ?)').run(at, at)
      nodesDropped = Number(dropped.changes) > 0
    })
    if (nodesDropped) {
      this.#loadNodeIds()
      for (const state of this.#states.values()) state.id = this.#nodeIds.get(state.peer) ?? -1
    }
    log('retention: deleted the record before %s', new Date(at).toISOString())
    const after = usedBytes(this.#db)
    const stillOld = this.#oldestData()
    const next = this.#db.prepare('SELECT t FROM keyframe WHERE t > ? ORDER BY t LIMIT 1').get(at) as { t: number } | undefined
    const more = next != null && ((after.used > limits.maxBytes * SIZE_HIGH_WATER) || (stillOld != null && next.t <= now - limits.maxAgeMs))
    return { cut: at, more }
  }

  #oldestData (): number | undefined {
    const seg = this.#db.prepare('SELECT b FROM seg ORDER BY b LIMIT 1').get() as { b: number } | undefined
    const kf = this.#db.prepare('SELECT t FROM keyframe ORDER BY t LIMIT 1').get() as { t: number } | undefined
    const ev = this.#db.prepare('SELECT t FROM event ORDER BY t LIMIT 1').get() as { t: number } | undefined
    const times = [seg == null ? undefined : seg.b * SEGMENT_MS, kf?.t, ev?.t].filter((t): t is number => t != null)
    return times.length === 0 ? undefined : Math.min(...times)
  }

  /** A file larger than the bound (the bound was lowered) gives free pages back, a few at a time. */
  #giveBackPages (maxBytes: number): void {
    const size = usedBytes(this.#db)
    if (size.file <= maxBytes) return
    const pages = Math.min(4_096, Math.ceil((size.file - maxBytes) / size.pageSize))
    this.#db.exec(`PRAGMA incremental_vacuum(${pages})`)
  }
}
