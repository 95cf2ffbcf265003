// The record as a service of the relay: it takes every change on the heartbeat path into a
// bounded queue (never waiting), writes the queue every FLUSH_INTERVAL_MS in one transaction,
// keeps the record within its age and size bounds in small steps, pauses (logged, counted)
// when the disk is full and resumes when there is room again, and answers queries on
// connections of their own.
import { repeat, systemClock } from '../../p2p/clock.ts'
import type { Clock, ClockTimer } from '../../p2p/clock.ts'
import { extname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { logger } from '@libp2p/logger'
import { MAX_KNOWN_NODES } from '../constants.ts'
import {
  CHECKPOINT_INTERVAL_MS, DEFAULT_HISTORY_DAYS, DEFAULT_HISTORY_MAX_MB, FLUSH_INTERVAL_MS, FULL_DISK_RETRY_MS,
  MAX_CONCURRENT_QUERIES, MAX_QUEUED_CHANGES, MAX_QUEUED_EVENTS, MAX_SIZE_SLACK, MIN_GAP_MS, RECORD_FILE,
  RETENTION_INTERVAL_MS, WAL_BACKSTOP_PAGES, WAL_LIMIT_BYTES
} from './constants.ts'
import { ChangeQueue } from './queue.ts'
import { readChanges, readEvents, readForks, readHistory, readMomentAt, readStateAt } from './reader.ts'
import type { ReplayChange } from './reader.ts'
import { openOrReplaceRecord, openRecordReader, setMaxBytes, sqliteCode, SQLITE_FULL, SQLITE_IOERR, usedBytes } from './schema.ts'
import {
  CHANGE_BACK, CHANGE_BEAT, CHANGE_CONNECTED, CHANGE_DISCONNECTED, CHANGE_FINALIZED, CHANGE_FORGOTTEN, CHANGE_INFO,
  CHANGE_STALE, CHANGE_SYNCING
} from './types.ts'
import { RecordWriter } from './writer.ts'
import { QueryThread } from './query-thread.ts'
import type { ForkRecord } from '../../protocol/forks.ts'
import type { EventsQuery, EventsResult, ForksQuery, HistoryQuery, HistoryResult, MomentAt, NodeAt, NodeInfo } from './types.ts'
import type { PendingEvent, RetentionResult } from './writer.ts'
import type { DatabaseSync } from 'node:sqlite'

const log = logger('devnet:relay:record')

export interface HistoryRecordInit {
  /** the relay's data dir: the record is <dataDir>/history.sqlite */
  dataDir: string
  /** records older than this are deleted; default DEFAULT_HISTORY_DAYS */
  historyDays?: number
  /** the record is kept under this size, oldest first; default DEFAULT_HISTORY_MAX_MB */
  historyMaxMb?: number
  flushIntervalMs?: number
  maxQueuedChanges?: number
  /** what time it is and the flush and retention timers; default the real clock. A relay
   *  passes its own (RelayInit.clock) */
  clock?: Clock
  /** what time it is, over the clock's (tests on a fake clock, with `manual`) */
  now?: () => number
  /** run the WAL checkpoints in a worker thread (default); off, SQLite checkpoints on commit */
  checkpointWorker?: boolean
  /** answer history and state queries in a worker thread (default); off, on the relay's own */
  queryWorker?: boolean
  /** start no timers: the caller calls flush() and retentionStep() (tests with a fake clock) */
  manual?: boolean
}

/** Why recording is paused, when it is. */
export type PauseReason = 'disk_full' | 'io_error' | 'error' | 'unavailable'

export interface HistoryRecordStats {
  /** changes waiting for the next flush */
  queued: number
  /** changes dropped, by why: the queue was full, or recording was paused */
  dropped: { queueFull: number, paused: number, tooManyNodes: number }
  paused: PauseReason | undefined
  /** write failures since start (each pause begins with one; retries that fail count too) */
  writeErrors: number
  changesWritten: number
  flushes: number
  /** how long the last flush took, ms */
  lastFlushMs: number
  /** where a file that would not open was moved at start */
  movedAside: string | undefined
}

/** The record could not be opened at all; the relay runs without it. */
export class RecordUnavailableError extends Error {
  static name = 'RecordUnavailableError'
  constructor () {
    super('the history record is not available')
    this.name = 'RecordUnavailableError'
  }
}

/** MAX_CONCURRENT_QUERIES are running. */
export class RecordBusyError extends Error {
  static name = 'RecordBusyError'
  constructor () {
    super('too many history queries at once')
    this.name = 'RecordBusyError'
  }
}

/** What the record last heard of a node, to queue only what changed. */
interface Mirror {
  height: number
  head: string
  /** the head's parent, as the beat that brought the head reported it */
  parent: string | undefined
  nickname: string
  minerAddress: string | null
  genesisCid: string | null
  client: string | undefined
  clientVersion: string | undefined
  nodePeerId: string | undefined
  syncing: boolean | undefined
  finalized: number | undefined
  connected: boolean
  beatAt: number
}

/**
 * A heartbeat as the record takes it: a BeatInput, or the registry's own NodeRecord as it is
 * (there a field a node does not send is null, not absent), so the heartbeat path makes no
 * object to hand it over.
 */
export interface BeatFields {
  height: number
  head: string
  nickname: string
  minerAddress: string | null
  genesisCid: string | null
  client?: string | null
  clientVersion?: string | null
  nodePeerId?: string | null
  syncing?: boolean | null
  finalizedHeight?: number | null
}

function infoOf (beat: BeatFields): NodeInfo {
  const info: NodeInfo = { nickname: beat.nickname, minerAddress: beat.minerAddress, genesisCid: beat.genesisCid }
  if (beat.client != null) info.client = beat.client
  if (beat.clientVersion != null) info.clientVersion = beat.clientVersion
  if (beat.nodePeerId != null) info.nodePeerId = beat.nodePeerId
  return info
}

export class HistoryRecord {
  readonly file: string
  readonly #now: () => number
  readonly #maxAgeMs: number
  readonly #maxBytes: number
  readonly #flushIntervalMs: number
  readonly #manual: boolean
  readonly #checkpointWorker: boolean
  readonly #queryWorker: boolean
  readonly #queue: ChangeQueue
  readonly #mirror = new Map<string, Mirror>()
  #events: PendingEvent[] = []
  #db: DatabaseSync | undefined
  #writer: RecordWriter | undefined
  #worker: Worker | undefined
  readonly #clock: Clock
  #stopFlushes: (() => void) | undefined
  #retentionTimer: ClockTimer | undefined
  #paused: PauseReason | undefined
  #pausedAt = 0
  #lastRetry = 0
  readonly #queries: RecordQueries
  #stats = { queueFull: 0, paused: 0, tooManyNodes: 0, writeErrors: 0, flushes: 0, lastFlushMs: 0 }
  #movedAside: string | undefined
  #started = false

  constructor (init: HistoryRecordInit) {
    this.file = join(init.dataDir, RECORD_FILE)
    this.#clock = init.clock ?? systemClock
    this.#now = init.now ?? this.#clock.now
    this.#maxAgeMs = (init.historyDays ?? DEFAULT_HISTORY_DAYS) * 86_400_000
    this.#maxBytes = (init.historyMaxMb ?? DEFAULT_HISTORY_MAX_MB) * 1024 * 1024
    this.#flushIntervalMs = init.flushIntervalMs ?? FLUSH_INTERVAL_MS
    this.#manual = init.manual ?? false
    this.#checkpointWorker = init.checkpointWorker ?? true
    this.#queryWorker = init.queryWorker ?? true
    this.#queue = new ChangeQueue(init.maxQueuedChanges ?? MAX_QUEUED_CHANGES)
    this.#queries = new RecordQueries(this.file)
  }

  get stats (): HistoryRecordStats {
    return {
      queued: this.#queue.length,
      dropped: { queueFull: this.#queue.dropped, paused: this.#stats.paused, tooManyNodes: this.#stats.tooManyNodes },
      paused: this.#paused,
      writeErrors: this.#stats.writeErrors,
      changesWritten: this.#writer?.changesWritten ?? 0,
      flushes: this.#stats.flushes,
      lastFlushMs: this.#stats.lastFlushMs,
      movedAside: this.#movedAside
    }
  }

  /** Bytes the record's pages take, and the file's size. */
  size (): { used: number, file: number } {
    if (this.#db == null) return { used: 0, file: 0 }
    const { used, file } = usedBytes(this.#db)
    return { used, file }
  }

  start (): void {
    if (this.#started) return
    this.#started = true
    const now = this.#now()
    this.#open(now)
    if (this.#queryWorker) this.#queries.startThread()
    if (!this.#manual) {
      this.#stopFlushes = repeat(this.#clock, this.#flushIntervalMs, () => { this.flush() })
      this.#scheduleRetention(RETENTION_INTERVAL_MS / 10)
    }
  }

  /** Opens the record; on failure recording is paused and the open is tried again later. */
  #open (now: number): boolean {
    this.#lastRetry = now
    try {
      const opened = openOrReplaceRecord(this.file, {
        // the hard cap is a little above the bound: retention keeps under it, this catches a lag
        maxBytes: this.#maxBytes * MAX_SIZE_SLACK,
        walBackstopPages: this.#checkpointWorker ? WAL_BACKSTOP_PAGES : 1000
      }, now)
      this.#db = opened.db
      this.#movedAside ??= opened.movedAside
      this.#writer = new RecordWriter(opened.db, { lastBeatAt: peer => this.#mirror.get(peer)?.beatAt })
    } catch (err) {
      // the live view goes on without a record; a full disk may have room again later
      const code = sqliteCode(err)
      const reason: PauseReason = code === SQLITE_FULL ? 'disk_full' : code === SQLITE_IOERR ? 'io_error' : 'unavailable'
      if (this.#paused == null) {
        log.error('the history record %s could not be opened (%s), recording is off; opening is tried again every %d s: %e', this.file, reason, FULL_DISK_RETRY_MS / 1000, err)
        this.#pausedAt = now
      }
      this.#paused = reason
      this.#stats.writeErrors++
      this.#closeDb()
      return false
    }
    const writer = this.#writer
    try {
      writer.start(now, MIN_GAP_MS)
      if (this.#paused != null) {
        log.error('the history record is open again after %d s', Math.round((now - this.#pausedAt) / 1000))
        this.#paused = undefined
      }
    } catch (err) {
      // opened but not writable now (a full disk): paused, tried again like any failed write
      writer.pause()
      this.#paused = undefined
      this.#pause(err, now)
    }
    // nodes heard while there was no record: what the record lacks of them is queued again
    // (what it has already is not written twice)
    for (const [peer, m] of this.#mirror) {
      const q = this.#queue
      q.push(CHANGE_INFO, now, peer, 0, { nickname: m.nickname, minerAddress: m.minerAddress, genesisCid: m.genesisCid, ...(m.client != null ? { client: m.client } : {}), ...(m.clientVersion != null ? { clientVersion: m.clientVersion } : {}), ...(m.nodePeerId != null ? { nodePeerId: m.nodePeerId } : {}) })
      q.push(m.connected ? CHANGE_CONNECTED : CHANGE_DISCONNECTED, now, peer, 0)
      q.push(CHANGE_BEAT, now, peer, m.height, m.head, m.parent)
      if (m.finalized != null) q.push(CHANGE_FINALIZED, now, peer, m.finalized)
      if (m.syncing != null) q.push(CHANGE_SYNCING, now, peer, m.syncing ? 1 : 0)
    }
    if (this.#checkpointWorker) this.#startCheckpointer()
    return true
  }

  async stop (): Promise<void> {
    if (!this.#started) return
    this.#started = false
    this.#stopFlushes?.()
    this.#stopFlushes = undefined
    if (this.#retentionTimer != null) this.#clock.clearTimeout(this.#retentionTimer)
    this.#retentionTimer = undefined
    // a clean stop: nodes are not heard from while the relay is down
    const now = this.#now()
    for (const [peer, m] of this.#mirror) if (m.connected) this.disconnected(peer, now)
    this.flush()
    if (this.#paused == null) this.#writer?.markStopped()
    await this.#stopCheckpointer()
    await this.#queries.stopThread()
    this.#closeDb()
  }

  #closeDb (): void {
    try { this.#db?.close() } catch {}
    this.#db = undefined
    this.#writer = undefined
  }

  #startCheckpointer (): void {
    // beside this module and in its language: ./checkpointer.ts in the repository, .js in the
    // installed package (tsc's rewriting of import specifiers does not reach a URL)
    const worker = new Worker(new URL(`./checkpointer${extname(import.meta.url)}`, import.meta.url), {
      workerData: { file: this.file, intervalMs: CHECKPOINT_INTERVAL_MS, walLimitBytes: WAL_LIMIT_BYTES }
    })
    worker.on('message', (message: { t: string, message?: string }) => {
      if (message.t === 'error') log('checkpoint failed: %s', message.message)
    })
    worker.on('error', err => { log.error('the checkpoint worker failed; SQLite checkpoints on commit instead: %e', err) })
    // a worker that is gone (it failed, or was terminated) is not waited for at stop
    worker.once('exit', () => { if (this.#worker === worker) this.#worker = undefined })
    // after the listeners: a 'message' listener added to an unref'd worker refs its port again,
    // and a record never stopped would keep its process alive
    worker.unref()
    this.#worker = worker
  }

  async #stopCheckpointer (): Promise<void> {
    const worker = this.#worker
    if (worker == null) return
    this.#worker = undefined
    const exited = new Promise<void>(resolve => worker.once('exit', () => { resolve() }))
    worker.postMessage('stop')
    // a worker stuck in an fsync still gets a bound: terminate() after a while
    const timer = setTimeout(() => { void worker.terminate() }, 5_000)
    await exited
    clearTimeout(timer)
  }

  // ---- the heartbeat path: O(1), never touches the disk ----

  /** `parentHead`: the head's parent, when the heartbeat reported it (ParentHead); kept with
   *  a change of head (a beat that repeats the head changes nothing, whatever its parent). */
  heartbeat (peer: string, at: number, beat: BeatFields, parentHead?: string): void {
    const q = this.#queue
    // absent and null both mean "not sent"; the mirror keeps undefined
    const client = beat.client ?? undefined
    const clientVersion = beat.clientVersion ?? undefined
    const nodePeerId = beat.nodePeerId ?? undefined
    const syncing = beat.syncing ?? undefined
    const finalized = beat.finalizedHeight ?? undefined
    let m = this.#mirror.get(peer)
    if (m == null) {
      if (this.#mirror.size >= MAX_KNOWN_NODES) {
        this.#stats.tooManyNodes++
        return
      }
      m = {
        height: beat.height,
        head: beat.head,
        parent: parentHead,
        nickname: beat.nickname,
        minerAddress: beat.minerAddress,
        genesisCid: beat.genesisCid,
        client,
        clientVersion,
        nodePeerId,
        syncing,
        finalized,
        connected: true,
        beatAt: at
      }
      this.#mirror.set(peer, m)
      q.push(CHANGE_INFO, at, peer, 0, infoOf(beat))
      q.push(CHANGE_CONNECTED, at, peer, 0)
      q.push(CHANGE_BEAT, at, peer, beat.height, beat.head, parentHead)
      if (finalized != null) q.push(CHANGE_FINALIZED, at, peer, finalized)
      if (syncing != null) q.push(CHANGE_SYNCING, at, peer, syncing ? 1 : 0)
      return
    }
    m.beatAt = at
    if (!m.connected) {
      m.connected = true
      q.push(CHANGE_CONNECTED, at, peer, 0)
    }
    if (m.nickname !== beat.nickname || m.minerAddress !== beat.minerAddress || m.genesisCid !== beat.genesisCid ||
      m.client !== client || m.clientVersion !== clientVersion || m.nodePeerId !== nodePeerId) {
      m.nickname = beat.nickname
      m.minerAddress = beat.minerAddress
      m.genesisCid = beat.genesisCid
      m.client = client
      m.clientVersion = clientVersion
      m.nodePeerId = nodePeerId
      q.push(CHANGE_INFO, at, peer, 0, infoOf(beat))
    }
    if (m.height !== beat.height || m.head !== beat.head) {
      m.height = beat.height
      m.head = beat.head
      m.parent = parentHead
      q.push(CHANGE_BEAT, at, peer, beat.height, beat.head, parentHead)
    }
    if (finalized != null && m.finalized !== finalized) {
      m.finalized = finalized
      q.push(CHANGE_FINALIZED, at, peer, finalized)
    }
    if (syncing != null && m.syncing !== syncing) {
      m.syncing = syncing
      q.push(CHANGE_SYNCING, at, peer, syncing ? 1 : 0)
    }
  }

  connected (peer: string, at: number): void {
    const m = this.#mirror.get(peer)
    if (m == null || m.connected) return
    m.connected = true
    this.#queue.push(CHANGE_CONNECTED, at, peer, 0)
  }

  disconnected (peer: string, at: number): void {
    const m = this.#mirror.get(peer)
    if (m == null || !m.connected) return
    m.connected = false
    this.#queue.push(CHANGE_DISCONNECTED, at, peer, 0)
  }

  /** The event detector's word: a connected node went silent past its stale bound, or beat again. */
  stale (peer: string, at: number, stale: boolean): void {
    if (!this.#mirror.has(peer)) return
    this.#queue.push(stale ? CHANGE_STALE : CHANGE_BACK, at, peer, 0)
  }

  forgotten (peer: string, at: number): void {
    if (!this.#mirror.delete(peer)) return
    this.#queue.push(CHANGE_FORGOTTEN, at, peer, 0)
  }

  /** A node or chain event (joined, stale, stalled…), written with the next flush. */
  event (at: number, kind: string, peers: string[], data?: Record<string, unknown>): void {
    if (this.#events.length >= MAX_QUEUED_EVENTS) {
      this.#stats.queueFull++
      return
    }
    this.#events.push(data == null ? { at, kind, peers } : { at, kind, peers, data })
  }

  // ---- off the heartbeat path ----

  /** Writes what is queued (the timer calls this; tests may too). */
  flush (): void {
    const now = this.#now()
    if (this.#writer == null && this.#started && now - this.#lastRetry >= FULL_DISK_RETRY_MS) this.#open(now)
    const writer = this.#writer
    if (writer == null) {
      // no record: nothing is kept, the queue only must not grow
      const batch = this.#queue.take()
      this.#stats.paused += batch.length
      this.#queue.release(batch)
      this.#events = []
      return
    }
    if (this.#paused != null && now - this.#lastRetry >= FULL_DISK_RETRY_MS) this.#tryResume(now)
    const batch = this.#queue.take()
    const events = this.#events
    this.#events = []
    const started = performance.now()
    try {
      if (this.#paused != null) {
        // the state in memory follows; the record misses this batch
        writer.write(batch, events, now)
        this.#stats.paused += batch.length
      } else {
        writer.write(batch, events, now)
      }
    } catch (err) {
      this.#pause(err, now)
    } finally {
      this.#queue.release(batch)
      this.#stats.flushes++
      this.#stats.lastFlushMs = performance.now() - started
    }
  }

  #pause (err: unknown, now: number): void {
    this.#stats.writeErrors++
    const code = sqliteCode(err)
    const reason: PauseReason = code === SQLITE_FULL ? 'disk_full' : code === SQLITE_IOERR ? 'io_error' : 'error'
    if (this.#paused == null) {
      this.#paused = reason
      this.#pausedAt = now
      this.#lastRetry = now
      log.error('recording paused (%s): %s; the live view goes on, writes are tried again every %d s', reason, (err as Error).message, FULL_DISK_RETRY_MS / 1000)
    }
  }

  #tryResume (now: number): void {
    this.#lastRetry = now
    const writer = this.#writer
    if (writer == null || this.#paused == null) return
    try {
      writer.resume(now, this.#pausedAt, this.#paused)
    } catch (err) {
      this.#stats.writeErrors++
      log('recording still paused: %s', (err as Error).message)
      return
    }
    log.error('recording resumed after %d s (%s)', Math.round((now - this.#pausedAt) / 1000), this.#paused)
    this.#paused = undefined
  }

  /** One step of retention (the timer calls this; tests may too). */
  retentionStep (): RetentionResult {
    const writer = this.#writer
    if (writer == null) return { more: false }
    try {
      const result = writer.retentionStep(this.#now(), { maxAgeMs: this.#maxAgeMs, maxBytes: this.#maxBytes })
      // room was made: a paused record tries again at the next flush
      if (result.cut != null && this.#paused === 'disk_full') this.#lastRetry = 0
      return result
    } catch (err) {
      log.error('retention step failed: %e', err)
      return { more: false }
    }
  }

  #scheduleRetention (delayMs: number): void {
    this.#retentionTimer = this.#clock.setTimeout(() => {
      const { more } = this.retentionStep()
      // catching up (a lowered bound, a long stop): small steps with the event loop free between
      if (this.#started) this.#scheduleRetention(more ? 100 : RETENTION_INTERVAL_MS)
    }, delayMs)
  }

  /** Sets a new size bound for the cap SQLite enforces (tests lower it to fill the record). */
  setHardCap (bytes: number): void {
    if (this.#db != null) setMaxBytes(this.#db, bytes)
  }

  // ---- queries, each on a connection of its own ----

  #queriesOrThrow (): RecordQueries {
    if (this.#writer == null) throw new RecordUnavailableError()
    return this.#queries
  }

  async history (query: HistoryQuery): Promise<HistoryResult> {
    return await this.#queriesOrThrow().history(query)
  }

  async stateAt (at: number): Promise<NodeAt[]> {
    return await this.#queriesOrThrow().stateAt(at)
  }

  async momentAt (at: number): Promise<MomentAt> {
    return await this.#queriesOrThrow().momentAt(at)
  }

  async events (query: EventsQuery): Promise<EventsResult> {
    return await this.#queriesOrThrow().events(query)
  }

  async forks (query: ForksQuery): Promise<ForkRecord[]> {
    return await this.#queriesOrThrow().forks(query)
  }

  /** The highest fork id written to the record, 0 when none (or no record): the fork log's
   *  ids go on from it after a restart. Read once, at the fork service's start. */
  lastForkId (): number {
    try {
      return this.#writer?.lastForkId() ?? 0
    } catch (err) {
      log.error('the record\'s last fork id could not be read: %e', err)
      return 0
    }
  }

  /** The recorded changes in (from, to], oldest first, a minute's worth at a time (replay). */
  changes (from: number, to: number, signal?: AbortSignal): AsyncGenerator<ReplayChange[]> {
    return this.#queriesOrThrow().changes(from, to, signal)
  }
}

/**
 * Queries over a record file, read-only, each on a connection of its own: what the relay's
 * HTTP side asks while it records, and all that replay needs of a record it must not change.
 */
export class RecordQueries {
  readonly file: string
  #running = 0
  #thread: QueryThread | undefined

  constructor (file: string) {
    this.file = file
  }

  /** History and state queries from now on in a worker thread (query-worker.ts), not on this one. */
  startThread (): void {
    this.#thread ??= new QueryThread(this.file)
  }

  async stopThread (): Promise<void> {
    const thread = this.#thread
    this.#thread = undefined
    await thread?.stop()
  }

  /** the worker, while it runs (one that failed is not asked again) */
  #worker (): QueryThread | undefined {
    return this.#thread?.running === true ? this.#thread : undefined
  }

  async #counted<T> (body: () => Promise<T>): Promise<T> {
    if (this.#running >= MAX_CONCURRENT_QUERIES) throw new RecordBusyError()
    this.#running++
    try {
      return await body()
    } finally {
      this.#running--
    }
  }

  async #query<T> (body: (db: DatabaseSync) => T | Promise<T>): Promise<T> {
    if (this.#running >= MAX_CONCURRENT_QUERIES) throw new RecordBusyError()
    this.#running++
    let db: DatabaseSync | undefined
    try {
      db = openRecordReader(this.file)
      return await body(db)
    } finally {
      db?.close()
      this.#running--
    }
  }

  async history (query: HistoryQuery): Promise<HistoryResult> {
    const worker = this.#worker()
    if (worker != null) return await this.#counted(async () => await worker.history(query))
    return await this.#query(async db => await readHistory(db, query))
  }

  async stateAt (at: number): Promise<NodeAt[]> {
    const worker = this.#worker()
    if (worker != null) return await this.#counted(async () => await worker.stateAt(at))
    return await this.#query(db => readStateAt(db, at))
  }

  /** Every node at `at`, and the gap in the record it falls in (/api/state), in one query. */
  async momentAt (at: number): Promise<MomentAt> {
    const worker = this.#worker()
    if (worker != null) return await this.#counted(async () => await worker.momentAt(at))
    return await this.#query(db => readMomentAt(db, at))
  }

  async events (query: EventsQuery): Promise<EventsResult> {
    return await this.#query(db => readEvents(db, query))
  }

  async forks (query: ForksQuery): Promise<ForkRecord[]> {
    return await this.#query(db => readForks(db, query))
  }

  /** What the record covers: from its oldest keyframe to its last write (null when empty). */
  async range (): Promise<{ from: number, to: number } | null> {
    return await this.#query(db => {
      const first = db.prepare('SELECT min(t) AS t FROM keyframe').get() as { t: number | null }
      const last = db.prepare("SELECT value FROM meta WHERE key = 'flushed_at'").get() as { value: number } | undefined
      return first.t == null || last == null ? null : { from: Number(first.t), to: Number(last.value) }
    })
  }

  async * changes (from: number, to: number, signal?: AbortSignal): AsyncGenerator<ReplayChange[]> {
    if (this.#running >= MAX_CONCURRENT_QUERIES) throw new RecordBusyError()
    this.#running++
    const db = openRecordReader(this.file)
    try {
      yield * readChanges(db, from, to, signal)
    } finally {
      db.close()
      this.#running--
    }
  }
}
