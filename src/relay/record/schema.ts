// The record's SQLite file: opening it (WAL), its tables, and what happens to a file that will
// not open (moved aside, a new one started).
//
// Tables, and why they are shaped so (bytes per change is the budget, ≤ 40 B):
// - node, head, info: integers stand for peer IDs, tipset keys and node infos everywhere else.
//   Heads and infos are interned within a keyframe period only, so retention can drop the ones
//   older than its cut by id (the keyframe holds the floor).
// - journal: what each flush wrote, one row per flush and minute, every change of every node
//   in it packed with absolute values. Append-only, so a flush costs one insert whatever the
//   rate; rows live until their minute closes.
// - seg: one row per node per minute with changes: the minute's summary (last height, lowest
//   and highest, connected at the end) and the node's changes in it as a packed blob. Written
//   once, when the minute closes, in key order (minute, node), so pages fill and are never
//   rewritten. Its summaries are the one-minute level of thinned history.
// - pack: the levels of thinned history (12 s, 10 minutes, 1 hour), one row per minute (12 s)
//   or bucket holding every node's summaries packed (blobs.ts): a window is a few dozen rows.
// - roll: the coarser levels as records before version 2 wrote them, one row per node per
//   bucket with changes; read where a bucket has no pack, no longer written.
// - keyframe, kf_node: every known node's state at a keyframe boundary: the base ?at= replays
//   from, and the unit retention deletes; a node's head's parent too, where it was reported.
// - event: node and chain events, rare, with peer IDs spelled out.
import { existsSync, renameSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { logger } from '@libp2p/logger'
import { InvalidBlobError, journalToV3 } from './blobs.ts'
import { TruncatedBlobError } from './codec.ts'
import { PARENTS_FROM, SEGMENT_MS } from './constants.ts'

const log = logger('devnet:relay:record')

// 2: the pack table (version 1 records gain it on open and keep their roll rows)
// 3: beats keep their head's parent (ParentHead): blob format 3 (blobs.ts) and kf_node.parent.
//    Version 2 records are upgraded on open: their segments stay as they are (format 2, read
//    as such: `parents_from` in meta is the first minute written as 3), their journal rows are
//    rewritten as format 3, kf_node gains the column (NULL in the old rows)
export const SCHEMA_VERSION = 3

// SQLite result codes (https://sqlite.org/rescode.html) the record reacts to
export const SQLITE_IOERR = 10
export const SQLITE_CORRUPT = 11
export const SQLITE_FULL = 13
export const SQLITE_CANTOPEN = 14
export const SQLITE_NOTADB = 26

const PACK_DDL = 'CREATE TABLE pack (level INTEGER NOT NULL, b INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (level, b))'

const DDL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE node (id INTEGER PRIMARY KEY, peer TEXT NOT NULL UNIQUE, first_t INTEGER NOT NULL);
CREATE TABLE head (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE info (id INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE journal (b INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (b, seq)) WITHOUT ROWID;
CREATE TABLE seg (
  b INTEGER NOT NULL, node INTEGER NOT NULL,
  t INTEGER NOT NULL, h INTEGER NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL, c INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (b, node)) WITHOUT ROWID;
CREATE TABLE roll (
  level INTEGER NOT NULL, b INTEGER NOT NULL, node INTEGER NOT NULL,
  t INTEGER NOT NULL, h INTEGER NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL, c INTEGER NOT NULL,
  PRIMARY KEY (level, b, node)) WITHOUT ROWID;
${PACK_DDL};
CREATE TABLE keyframe (t INTEGER PRIMARY KEY, head_floor INTEGER NOT NULL, info_floor INTEGER NOT NULL);
CREATE TABLE kf_node (
  t INTEGER NOT NULL, node INTEGER NOT NULL,
  h INTEGER NOT NULL, head INTEGER NOT NULL, info INTEGER NOT NULL, flags INTEGER NOT NULL, fin INTEGER,
  changed_t INTEGER NOT NULL, beat_t INTEGER NOT NULL, parent INTEGER,
  PRIMARY KEY (t, node)) WITHOUT ROWID;
CREATE TABLE event (id INTEGER PRIMARY KEY, t INTEGER NOT NULL, kind TEXT NOT NULL, peers TEXT NOT NULL, data TEXT);
CREATE INDEX event_t ON event (t);
`

/** The file is not a record this relay can use (damaged, or written by a newer version). */
export class RecordUnreadableError extends Error {
  static name = 'RecordUnreadableError'
  readonly file: string
  constructor (file: string, detail: string) {
    super(`${file} is not a usable record: ${detail}`)
    this.name = 'RecordUnreadableError'
    this.file = file
  }
}

export function sqliteCode (err: unknown): number | undefined {
  const code = (err as { errcode?: unknown } | null)?.errcode
  // extended result codes carry the primary code in their low byte
  return typeof code === 'number' ? code & 0xff : undefined
}

export interface OpenOptions {
  /** the file may not grow past this (PRAGMA max_page_count); undefined: no cap */
  maxBytes?: number
  /** what the writer's connection may cache */
  cacheKiB?: number
  /** WAL pages after which a commit checkpoints on this connection (SQLite's default: 1000) */
  walBackstopPages?: number
}

function applyPragmas (db: DatabaseSync, options: OpenOptions): void {
  // a process crash (SIGKILL) loses no committed transaction with WAL and synchronous=NORMAL;
  // only a power loss can take the last ones, and commits skip an fsync each
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  // the WAL file is cut back to this after a checkpoint, so it does not keep its peak size
  db.exec('PRAGMA journal_size_limit = 16777216')
  db.exec(`PRAGMA cache_size = -${options.cacheKiB ?? 8192}`)
  // with several connections (the readers), one waiting briefly beats one failing
  db.exec('PRAGMA busy_timeout = 1000')
  db.exec(`PRAGMA wal_autocheckpoint = ${options.walBackstopPages ?? 1000}`)
  if (options.maxBytes != null) setMaxBytes(db, options.maxBytes)
}

export function setMaxBytes (db: DatabaseSync, maxBytes: number): void {
  const pageSize = Number((db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size)
  db.exec(`PRAGMA max_page_count = ${Math.max(16, Math.ceil(maxBytes / pageSize))}`)
}

function createOrCheck (db: DatabaseSync, file: string): void {
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }
  if (Number(tables.n) === 0) {
    // only possible before the first table: lets retention give pages back to the filesystem
    db.exec('PRAGMA auto_vacuum = INCREMENTAL')
    db.exec('BEGIN')
    db.exec(DDL)
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run('schema', SCHEMA_VERSION, 'created_at', Date.now())
    db.exec('COMMIT')
    return
  }
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: number } | undefined
  if (row == null) throw new RecordUnreadableError(file, 'no schema version')
  let version = Number(row.value)
  if (version === 1) {
    // version 1 had no packs: its roll rows and segments are read where a bucket has no pack
    // (reader.ts), and packs are written from now on. A relay of version 1 would not read them
    // (it would miss the roll rows this one no longer writes), hence the new version
    db.exec('BEGIN')
    db.exec(PACK_DDL)
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema'").run(2)
    db.exec('COMMIT')
    log('%s: schema version 1 upgraded to 2 (packed levels from now on)', file)
    version = 2
  }
  if (version === 2) {
    // version 2 kept no parents. Its segments are read as they were written (format 2) up to
    // the first minute this relay closes; the journal (the open minute, a few rows) is
    // rewritten, so the writer and readers take every row of it as format 3. A relay of
    // version 2 would fail on format 3 blobs, hence the new version
    db.exec('BEGIN')
    db.exec('ALTER TABLE kf_node ADD COLUMN parent INTEGER')
    const last = db.prepare('SELECT max(b) AS b FROM seg').get() as { b: number | null }
    db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(PARENTS_FROM, last.b == null ? 0 : Number(last.b) + 1)
    const rewrite = db.prepare('UPDATE journal SET data = ? WHERE b = ? AND seq = ?')
    for (const j of db.prepare('SELECT b, seq, data FROM journal').all() as Array<{ b: number, seq: number, data: Uint8Array }>) {
      try {
        rewrite.run(journalToV3(j.data, Number(j.b) * SEGMENT_MS), j.b, j.seq)
      } catch (err) {
        if (!(err instanceof InvalidBlobError || err instanceof TruncatedBlobError)) throw err
        // a damaged row costs its flush's changes, not the record
        log.error('%s: a damaged journal row (minute %d) dropped in the upgrade: %e', file, j.b, err)
        db.prepare('DELETE FROM journal WHERE b = ? AND seq = ?').run(j.b, j.seq)
      }
    }
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema'").run(3)
    db.exec('COMMIT')
    log('%s: schema version 2 upgraded to 3 (heads\' parents kept from now on)', file)
    version = 3
  }
  if (version !== SCHEMA_VERSION) throw new RecordUnreadableError(file, `schema version ${row.value}, this relay reads ${SCHEMA_VERSION}`)
}

/** The first minute whose segments are blob format 3 (blobs.ts): 0 for a record made with
 *  parents, the first minute closed after the upgrade for one made before. */
export function parentsFrom (db: DatabaseSync): number {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(PARENTS_FROM) as { value: number } | undefined
  return row == null ? 0 : Number(row.value)
}

/** Opens (or creates) a record file for writing. Throws what SQLite throws, or RecordUnreadableError. */
export function openRecordFile (file: string, options: OpenOptions = {}): DatabaseSync {
  const db = new DatabaseSync(file, { timeout: 1000 })
  try {
    // the first statement that reads the file is where a damaged one shows
    db.prepare('SELECT count(*) FROM sqlite_schema').get()
    applyPragmas(db, options)
    createOrCheck(db, file)
    // the fork log reads its two kinds of event by time (/api/forks); an index a record made
    // before the fork log gains on open (an added index is no new schema: older relays ignore it)
    db.exec('CREATE INDEX IF NOT EXISTS event_kind ON event (kind, t)')
    return db
  } catch (err) {
    try { db.close() } catch {}
    throw err
  }
}

function isUnreadable (err: unknown): boolean {
  if (err instanceof RecordUnreadableError) return true
  const code = sqliteCode(err)
  return code === SQLITE_NOTADB || code === SQLITE_CORRUPT
}

export interface OpenedRecord {
  db: DatabaseSync
  /** where a file that would not open was moved, if one was */
  movedAside?: string
}

/**
 * Opens the record; a file that is not a usable record (damaged, not SQLite, another schema)
 * is moved aside with its WAL, logged, and a new record started in its place. Other failures
 * (permissions, a full disk) are thrown: moving the file would not help.
 */
export function openOrReplaceRecord (file: string, options: OpenOptions = {}, now = Date.now()): OpenedRecord {
  try {
    return { db: openRecordFile(file, options) }
  } catch (err) {
    if (!isUnreadable(err)) throw err
    const aside = `${file}.damaged-${now}`
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix)
    }
    log.error('%s could not be opened (%s); moved to %s, starting a new record', file, (err as Error).message, aside)
    return { db: openRecordFile(file, options), movedAside: aside }
  }
}

/** A second connection for queries: sees committed data only, never writes. */
export function openRecordReader (file: string): DatabaseSync {
  const db = new DatabaseSync(file, { readOnly: true, timeout: 1000 })
  db.exec('PRAGMA cache_size = -4096')
  return db
}

/** Bytes the record's pages take (free pages not counted: new rows reuse them). */
export function usedBytes (db: DatabaseSync): { used: number, file: number, pageSize: number } {
  const pageSize = Number((db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size)
  const pages = Number((db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count)
  const free = Number((db.prepare('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count)
  return { used: (pages - free) * pageSize, file: pages * pageSize, pageSize }
}
