// The packed formats of the record.
//
// Segment (one node, one minute): entries oldest first, each
//   uint(dt * 2 + (kind === beat ? 0 : 1)), then for other kinds a byte with the kind, then
//   beat: uint(zigzag(height − previous height) * 3 + p), int(head id − previous head id),
//     and when p = 2, int(head id − parent id)
//   info: uint(info id)   finalized: uint(height)   syncing: byte(0 | 1)   others (connected,
//   disconnected, forgotten, stale, back): nothing
// p says where the head's parent (ParentHead) is: 0 the heartbeat gave none, 1 the head id
// before the head's own (the parent was interned just before it: a chain's previous head, the
// common case, which costs nothing), 2 written after the head. Ids, not hashes: a parent is
// almost always a head some node reported already.
// dt is ms since the previous entry (the first: since the minute began). The first beat's
// height is relative to the row's own height column (its last height), the first head id to 0,
// so a segment decodes alone. A beat, the common entry, is ~4 bytes at a beat every few s.
//
// Journal (one flush, one minute, every node): entries oldest first, each
//   uint(dt), uint(node id), byte(kind), then the payloads with absolute values; a beat's is
//   uint(height), uint(head id), uint(parent id, 0 for none).
//
// Format 2 (records of schemas 1 and 2, which kept no parents) is the same but for a beat:
//   segment int(height − previous height), int(head id − previous head id); journal
//   uint(height), uint(head id). It is still read: segments of minutes before the record's
//   `parents_from` meta (schema.ts); journal rows are rewritten as format 3 when the record
//   is upgraded.
//
// Pack (one stored level's bucket, or a minute of the finest level's, every node in one row):
// what history needs of each node in each of the row's sub-buckets (at most 5), nodes by id:
//   uint(mask + 32·ranges + 64·conn + 128·gap)  mask: the sub-buckets with a beat or a
//     connection change; gap: node id − previous node id − 1 (usually 0: one byte in all)
//   if conn: uint(beats), uint(connMask), uint(connEnd): the sub-buckets with beats (else all
//     of mask), with connection changes, and which of those end connected
//   per sub-bucket with beats, oldest first: int(last height − the previous one in the row)
//   if ranges: uint(rangeMask), then per sub-bucket in it: uint(last − lowest), uint(highest − last)
// Rows are few (a minute, 10 minutes, an hour) and hold every node: a window is read as a few
// dozen blobs instead of a row per node per minute, which node:sqlite turns into JS values
// at ~1 µs each.
import { ByteReader, ByteWriter, TruncatedBlobError, unzigzag, zigzag } from './codec.ts'
import { CHANGE_BEAT, CHANGE_CONNECTED, CHANGE_DISCONNECTED, CHANGE_FINALIZED, CHANGE_FORGOTTEN, CHANGE_INFO, CHANGE_SYNCING, NO_PARENT } from './types.ts'
import type { ChangeKind } from './types.ts'

/** Blob formats of segments and journal rows (above): 2 without parents, 3 with. */
export type BlobFormat = 2 | 3
export const BLOB_V2 = 2
export const BLOB_V3 = 3

// where a format 3 beat's parent is (p, above)
const P_NONE = 0
const P_HEAD_BEFORE = 1
const P_WRITTEN = 2

/** Called per decoded entry: `a` is the height (beat), info id, finalized height or syncing
 *  flag; `b` the head id (beat); `parent` the beat's parent's head id (NO_PARENT: none). */
export type EntryVisitor = (kind: ChangeKind, t: number, a: number, b: number, parent: number) => void
export type JournalVisitor = (node: number, kind: ChangeKind, t: number, a: number, b: number, parent: number) => void

export class InvalidBlobError extends Error {
  static name = 'InvalidBlobError'
  constructor (detail: string) {
    super(`invalid record blob: ${detail}`)
    this.name = 'InvalidBlobError'
  }
}

function checkKind (kind: number): ChangeKind {
  if (kind > 8) throw new InvalidBlobError(`unknown change kind ${kind}`)
  return kind as ChangeKind
}

/** Builds one segment (format 3; format 2 only to test the reading of old records). */
export class SegmentEncoder {
  readonly bytes = new ByteWriter()
  readonly #format: BlobFormat
  #prevT: number
  #prevHeight = 0
  #prevHead = 0
  /** where the first beat's height goes (a one-byte placeholder until finish()), the height
   *  and its parent's place */
  #firstAt = -1
  #firstEnd = -1
  #firstHeight = 0
  #firstP = P_NONE

  constructor (start: number, format: BlobFormat = BLOB_V3) {
    this.#prevT = start
    this.#format = format
  }

  /** `parent`: a beat's parent's head id, NO_PARENT when the heartbeat gave none. */
  add (kind: ChangeKind, t: number, a: number, b: number, parent = NO_PARENT): void {
    const w = this.bytes
    const dt = t - this.#prevT
    this.#prevT = t
    if (kind === CHANGE_BEAT) {
      w.uint(dt * 2)
      const p = this.#format === BLOB_V2 || parent === NO_PARENT ? P_NONE : parent === b - 1 ? P_HEAD_BEFORE : P_WRITTEN
      if (this.#firstAt < 0) {
        // written by finish(), relative to the row's height: a height itself (up to 2^53) is
        // never multiplied here, so it stays exact. Deltas are exact up to 2^49 (× 3 below): a
        // sender whose height jumps further within a minute has its raw changes there
        // approximate (its summaries, kept apart, are not)
        this.#firstAt = w.length
        this.#firstHeight = a
        this.#firstP = p
        w.byte(0)
        this.#firstEnd = w.length
      } else if (this.#format === BLOB_V2) {
        w.int(a - this.#prevHeight)
      } else {
        w.uint(zigzag(a - this.#prevHeight) * 3 + p)
      }
      w.int(b - this.#prevHead)
      if (p === P_WRITTEN) w.int(b - parent)
      this.#prevHeight = a
      this.#prevHead = b
      return
    }
    w.uint(dt * 2 + 1)
    w.byte(kind)
    if (kind === CHANGE_INFO || kind === CHANGE_FINALIZED) w.uint(a)
    else if (kind === CHANGE_SYNCING) w.byte(a)
  }

  /** The segment's bytes, its first height made relative to `base` (the row's height): a few
   *  bytes instead of the whole height. */
  finish (base: number): Uint8Array {
    const bytes = this.bytes.toBytes()
    if (this.#firstAt < 0) return bytes
    const w = new ByteWriter(bytes.length)
    if (this.#format === BLOB_V2) w.int(this.#firstHeight - base)
    else w.uint(zigzag(this.#firstHeight - base) * 3 + this.#firstP)
    const delta = w.toBytes()
    const out = new Uint8Array(bytes.length - (this.#firstEnd - this.#firstAt) + delta.length)
    out.set(bytes.subarray(0, this.#firstAt), 0)
    out.set(delta, this.#firstAt)
    out.set(bytes.subarray(this.#firstEnd), this.#firstAt + delta.length)
    return out
  }
}

/** Decodes a segment; `base` is the row's height column, `format` the one its minute was
 *  written in. */
export function decodeSegment (data: Uint8Array, start: number, base: number, visit: EntryVisitor, format: BlobFormat = BLOB_V3): void {
  const r = new ByteReader(data)
  let t = start
  let height = base
  let head = 0
  while (!r.done) {
    const tag = r.uint()
    t += Math.floor(tag / 2)
    if (tag % 2 === 0) {
      let parent = NO_PARENT
      if (format === BLOB_V2) {
        height += r.int()
        head += r.int()
      } else {
        const field = r.uint()
        height += unzigzag(Math.floor(field / 3))
        head += r.int()
        const p = field % 3
        if (p === P_HEAD_BEFORE) parent = head - 1
        else if (p === P_WRITTEN) parent = head - r.int()
      }
      visit(CHANGE_BEAT, t, height, head, parent)
      continue
    }
    const kind = checkKind(r.byte())
    if (kind === CHANGE_INFO || kind === CHANGE_FINALIZED) visit(kind, t, r.uint(), 0, NO_PARENT)
    else if (kind === CHANGE_SYNCING) visit(kind, t, r.byte(), 0, NO_PARENT)
    else visit(kind, t, 0, 0, NO_PARENT)
  }
}

/** Builds one journal row (format 3; format 2 only to test the upgrade of old records). */
export class JournalEncoder {
  readonly bytes = new ByteWriter(4_096)
  readonly #format: BlobFormat
  #prevT = 0
  minute = -1

  constructor (format: BlobFormat = BLOB_V3) {
    this.#format = format
  }

  reset (minute: number, start: number): void {
    this.bytes.clear()
    this.minute = minute
    this.#prevT = start
  }

  add (node: number, kind: ChangeKind, t: number, a: number, b: number, parent = NO_PARENT): void {
    const w = this.bytes
    w.uint(t - this.#prevT)
    this.#prevT = t
    w.uint(node)
    w.byte(kind)
    if (kind === CHANGE_BEAT) {
      w.uint(a)
      w.uint(b)
      if (this.#format === BLOB_V3) w.uint(parent)
    } else if (kind === CHANGE_INFO || kind === CHANGE_FINALIZED) {
      w.uint(a)
    } else if (kind === CHANGE_SYNCING) {
      w.byte(a)
    }
  }
}

export function decodeJournal (data: Uint8Array, start: number, visit: JournalVisitor, format: BlobFormat = BLOB_V3): void {
  const r = new ByteReader(data)
  let t = start
  while (!r.done) {
    t += r.uint()
    const node = r.uint()
    const kind = checkKind(r.byte())
    if (kind === CHANGE_BEAT) {
      const height = r.uint()
      const head = r.uint()
      visit(node, kind, t, height, head, format === BLOB_V2 ? NO_PARENT : r.uint())
    } else if (kind === CHANGE_INFO || kind === CHANGE_FINALIZED) {
      visit(node, kind, t, r.uint(), 0, NO_PARENT)
    } else if (kind === CHANGE_SYNCING) {
      visit(node, kind, t, r.byte(), 0, NO_PARENT)
    } else {
      visit(node, kind, t, 0, 0, NO_PARENT)
    }
  }
}

/** A journal row of format 2 as format 3 (its beats with no parent): a record's upgrade. */
export function journalToV3 (data: Uint8Array, start: number): Uint8Array {
  const enc = new JournalEncoder(BLOB_V3)
  enc.reset(0, start)
  decodeJournal(data, start, (node, kind, t, a, b) => { enc.add(node, kind, t, a, b) }, BLOB_V2)
  return enc.bytes.toBytes()
}

/**
 * The beats and connection changes of a segment, for history: calls `beat(t, height)` and
 * `connection(t, connected)` for entries in (from, to]. A loop of its own (no visitor per
 * entry) because a window of an hour at 1,000 nodes is a million entries.
 */
export function scanSegment (data: Uint8Array, start: number, base: number, from: number, to: number,
  beat: (t: number, height: number) => void, connection: (t: number, connected: boolean) => void, format: BlobFormat = BLOB_V3): void {
  const v3 = format === BLOB_V3
  const n = data.length
  let i = 0
  let t = start
  let height = base
  while (i < n) {
    // inline varint reads: tag, then the kind's payload
    let v = 0
    let scale = 1
    let byte: number
    do { byte = data[i++] ?? 0; v += (byte & 0x7f) * scale; scale *= 0x80 } while (byte >= 0x80 && i < n)
    t += Math.floor(v / 2)
    if (v % 2 === 0) {
      let z = 0
      scale = 1
      do { byte = data[i++] ?? 0; z += (byte & 0x7f) * scale; scale *= 0x80 } while (byte >= 0x80 && i < n)
      // format 3: the parent's place is the field's remainder by 3
      const p = v3 ? z % 3 : P_NONE
      if (v3) z = Math.floor(z / 3)
      height += z % 2 === 0 ? z / 2 : -(z + 1) / 2
      // the head delta, and a parent written after it: skipped
      do { byte = data[i++] ?? 0 } while (byte >= 0x80 && i < n)
      if (p === P_WRITTEN) do { byte = data[i++] ?? 0 } while (byte >= 0x80 && i < n)
      if (t > from && t <= to) beat(t, height)
      continue
    }
    const kind = data[i++] ?? 0
    if (kind === CHANGE_INFO || kind === CHANGE_FINALIZED) {
      do { byte = data[i++] ?? 0 } while (byte >= 0x80 && i < n)
    } else if (kind === CHANGE_SYNCING) {
      i++
    } else if (t > from && t <= to) {
      if (kind === CHANGE_CONNECTED) connection(t, true)
      else if (kind === CHANGE_DISCONNECTED || kind === CHANGE_FORGOTTEN) connection(t, false)
    }
  }
}

/** What a pack row holds of one node: per sub-bucket (0..4) its last, lowest and highest beat. */
export interface PackEntry {
  node: number
  /** sub-buckets with beats */
  beats: number
  /** sub-buckets with connection changes, and which of them end connected */
  connMask: number
  connEnd: number
  h: ArrayLike<number>
  lo: ArrayLike<number>
  hi: ArrayLike<number>
}

/** Sub-buckets one pack row holds at most (the mask's bits). */
export const PACK_SUBS = 5

/** Builds one pack row; nodes must be added in increasing id. */
export class PackEncoder {
  readonly bytes = new ByteWriter(4_096)
  #prevNode = 0
  #prevH = 0

  add (e: PackEntry): void {
    const mask = e.beats | e.connMask
    if (mask === 0) return
    if (e.node <= this.#prevNode) throw new InvalidBlobError('pack nodes out of order')
    let ranges = 0
    for (let j = 0; j < PACK_SUBS; j++) {
      if ((e.beats & (1 << j)) !== 0 && (e.lo[j] !== e.h[j] || e.hi[j] !== e.h[j])) ranges |= 1 << j
    }
    const conn = e.connMask !== 0 ? 1 : 0
    const w = this.bytes
    w.uint(mask + 32 * (ranges !== 0 ? 1 : 0) + 64 * conn + 128 * (e.node - this.#prevNode - 1))
    this.#prevNode = e.node
    if (conn === 1) {
      w.uint(e.beats)
      w.uint(e.connMask)
      w.uint(e.connEnd & e.connMask)
    }
    for (let j = 0; j < PACK_SUBS; j++) {
      if ((e.beats & (1 << j)) === 0) continue
      const h = e.h[j] ?? 0
      w.int(h - this.#prevH)
      this.#prevH = h
    }
    if (ranges !== 0) {
      w.uint(ranges)
      for (let j = 0; j < PACK_SUBS; j++) {
        if ((ranges & (1 << j)) === 0) continue
        const h = e.h[j] ?? 0
        w.uint(h - (e.lo[j] ?? h))
        w.uint((e.hi[j] ?? h) - h)
      }
    }
  }

  toBytes (): Uint8Array {
    return this.bytes.toBytes()
  }
}

/**
 * Called per node and sub-bucket of a pack row: `beat` says whether h, lo and hi are there;
 * `conn` is -1 without a connection change, else 1 (ends connected) or 0.
 */
export type PackVisitor = (node: number, sub: number, beat: boolean, h: number, lo: number, hi: number, conn: number) => void

/** Decodes a pack row (throws InvalidBlobError on a damaged one). Varints read inline, as in
 *  scanSegment: an hour of 1,000 nodes is ~300,000 sub-buckets. */
export function decodePack (data: Uint8Array, visit: PackVisitor): void {
  const n = data.length
  const hs = [0, 0, 0, 0, 0]
  const los = [0, 0, 0, 0, 0]
  const his = [0, 0, 0, 0, 0]
  let i = 0
  let node = 0
  let prevH = 0
  const uint = (): number => {
    let v = 0
    let scale = 1
    let byte: number
    do {
      if (i >= n) throw new TruncatedBlobError()
      byte = data[i++] ?? 0
      v += (byte & 0x7f) * scale
      scale *= 0x80
    } while (byte >= 0x80)
    return v
  }
  while (i < n) {
    const v = uint()
    const mask = v & 31
    const ranged = (v & 32) !== 0
    const conn = (v & 64) !== 0
    node += Math.floor(v / 128) + 1
    let beats = mask
    let connMask = 0
    let connEnd = 0
    if (conn) {
      beats = uint()
      connMask = uint()
      connEnd = uint()
      if ((beats | connMask) !== mask) throw new InvalidBlobError('pack masks disagree')
    }
    for (let j = 0; j < PACK_SUBS; j++) {
      if ((beats & (1 << j)) === 0) continue
      const z = uint()
      prevH += z % 2 === 0 ? z / 2 : -(z + 1) / 2
      hs[j] = prevH
      los[j] = prevH
      his[j] = prevH
    }
    if (ranged) {
      const ranges = uint()
      for (let j = 0; j < PACK_SUBS; j++) {
        if ((ranges & (1 << j)) === 0) continue
        const h = hs[j] ?? 0
        los[j] = h - uint()
        his[j] = h + uint()
      }
    }
    for (let j = 0; j < PACK_SUBS; j++) {
      const bit = 1 << j
      if ((mask & bit) === 0) continue
      visit(node, j, (beats & bit) !== 0, hs[j] ?? 0, los[j] ?? 0, his[j] ?? 0, (connMask & bit) === 0 ? -1 : (connEnd & bit) !== 0 ? 1 : 0)
    }
  }
}
