// The two packed formats of the record.
//
// Segment (one node, one minute): entries oldest first, each
//   uint(dt * 2 + (kind === beat ? 0 : 1)), then for other kinds a byte with the kind, then
//   beat: int(height − previous height), int(head id − previous head id)
//   info: uint(info id)   finalized: uint(height)   syncing: byte(0 | 1)   others (connected,
//   disconnected, forgotten, stale, back): nothing
// dt is ms since the previous entry (the first: since the minute began). The first beat's
// height is relative to the row's own height column (its last height), the first head id to 0,
// so a segment decodes alone. A beat, the common entry, is ~4 bytes at a beat every few s.
//
// Journal (one flush, one minute, every node): entries oldest first, each
//   uint(dt), uint(node id), byte(kind), then the same payloads with absolute values.
import { ByteReader, ByteWriter } from './codec.ts'
import { CHANGE_BEAT, CHANGE_CONNECTED, CHANGE_DISCONNECTED, CHANGE_FINALIZED, CHANGE_FORGOTTEN, CHANGE_INFO, CHANGE_SYNCING } from './types.ts'
import type { ChangeKind } from './types.ts'

/** Called per decoded entry: `a` is the height (beat), info id, finalized height or syncing
 *  flag; `b` the head id (beat). */
export type EntryVisitor = (kind: ChangeKind, t: number, a: number, b: number) => void
export type JournalVisitor = (node: number, kind: ChangeKind, t: number, a: number, b: number) => void

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

/** Builds one segment. */
export class SegmentEncoder {
  readonly bytes = new ByteWriter()
  #prevT: number
  #prevHeight = 0
  #prevHead = 0
  /** where the first beat's height was written (relative to 0 until finish()) */
  #firstAt = -1
  #firstEnd = -1

  constructor (start: number) {
    this.#prevT = start
  }

  add (kind: ChangeKind, t: number, a: number, b: number): void {
    const w = this.bytes
    const dt = t - this.#prevT
    this.#prevT = t
    if (kind === CHANGE_BEAT) {
      w.uint(dt * 2)
      if (this.#firstAt < 0) this.#firstAt = w.length
      w.int(a - this.#prevHeight)
      if (this.#firstEnd < 0) this.#firstEnd = w.length
      w.int(b - this.#prevHead)
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
    const first = new ByteReader(bytes.subarray(this.#firstAt, this.#firstEnd)).int()
    const w = new ByteWriter(bytes.length)
    w.int(first - base)
    const delta = w.toBytes()
    const out = new Uint8Array(bytes.length - (this.#firstEnd - this.#firstAt) + delta.length)
    out.set(bytes.subarray(0, this.#firstAt), 0)
    out.set(delta, this.#firstAt)
    out.set(bytes.subarray(this.#firstEnd), this.#firstAt + delta.length)
    return out
  }
}

/** Decodes a segment; `base` is the row's height column. */
export function decodeSegment (data: Uint8Array, start: number, base: number, visit: EntryVisitor): void {
  const r = new ByteReader(data)
  let t = start
  let height = base
  let head = 0
  while (!r.done) {
    const tag = r.uint()
    t += Math.floor(tag / 2)
    if (tag % 2 === 0) {
      height += r.int()
      head += r.int()
      visit(CHANGE_BEAT, t, height, head)
      continue
    }
    const kind = checkKind(r.byte())
    if (kind === CHANGE_INFO || kind === CHANGE_FINALIZED) visit(kind, t, r.uint(), 0)
    else if (kind === CHANGE_SYNCING) visit(kind, t, r.byte(), 0)
    else visit(kind, t, 0, 0)
  }
}

/** Builds one journal row. */
export class JournalEncoder {
  readonly bytes = new ByteWriter(4_096)
  #prevT = 0
  minute = -1

  reset (minute: number, start: number): void {
    this.bytes.clear()
    this.minute = minute
    this.#prevT = start
  }

  add (node: number, kind: ChangeKind, t: number, a: number, b: number): void {
    const w = this.bytes
    w.uint(t - this.#prevT)
    this.#prevT = t
    w.uint(node)
    w.byte(kind)
    if (kind === CHANGE_BEAT) {
      w.uint(a)
      w.uint(b)
    } else if (kind === CHANGE_INFO || kind === CHANGE_FINALIZED) {
      w.uint(a)
    } else if (kind === CHANGE_SYNCING) {
      w.byte(a)
    }
  }
}

export function decodeJournal (data: Uint8Array, start: number, visit: JournalVisitor): void {
  const r = new ByteReader(data)
  let t = start
  while (!r.done) {
    t += r.uint()
    const node = r.uint()
    const kind = checkKind(r.byte())
    if (kind === CHANGE_BEAT) {
      const height = r.uint()
      visit(node, kind, t, height, r.uint())
    } else if (kind === CHANGE_INFO || kind === CHANGE_FINALIZED) {
      visit(node, kind, t, r.uint(), 0)
    } else if (kind === CHANGE_SYNCING) {
      visit(node, kind, t, r.byte(), 0)
    } else {
      visit(node, kind, t, 0, 0)
    }
  }
}

/**
 * The beats and connection changes of a segment, for history: calls `beat(t, height)` and
 * `connection(t, connected)` for entries in (from, to]. A loop of its own (no visitor per
 * entry) because a window of an hour at 1,000 nodes is a million entries.
 */
export function scanSegment (data: Uint8Array, start: number, base: number, from: number, to: number,
  beat: (t: number, height: number) => void, connection: (t: number, connected: boolean) => void): void {
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
      height += z % 2 === 0 ? z / 2 : -(z + 1) / 2
      // the head delta: skipped
      do { byte = data[i++] ?? 0 } while (byte >= 0x80 && i < n)
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
