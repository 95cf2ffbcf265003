import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ByteReader, ByteWriter, TruncatedBlobError } from './codec.ts'
import { BLOB_V2, decodeJournal, decodeSegment, InvalidBlobError, JournalEncoder, journalToV3, scanSegment, SegmentEncoder } from './blobs.ts'
import { CHANGE_BEAT, CHANGE_CONNECTED, CHANGE_DISCONNECTED, CHANGE_FINALIZED, CHANGE_FORGOTTEN, CHANGE_INFO, CHANGE_SYNCING, NO_PARENT } from './types.ts'
import type { BlobFormat } from './blobs.ts'
import type { ChangeKind } from './types.ts'

/** kind, t, a, b, parent */
type Entry = [ChangeKind, number, number, number, number]

function segment (start: number, last: number, entries: readonly Entry[], format?: BlobFormat): Uint8Array {
  const enc = new SegmentEncoder(start, format)
  for (const e of entries) enc.add(...e)
  return enc.finish(last)
}

function decoded (bytes: Uint8Array, start: number, last: number, format?: BlobFormat): Entry[] {
  const out: Entry[] = []
  decodeSegment(bytes, start, last, (...e) => { out.push(e) }, format)
  return out
}

function scanned (bytes: Uint8Array, start: number, last: number, format?: BlobFormat): { beats: Array<[number, number]>, conns: Array<[number, boolean]> } {
  const beats: Array<[number, number]> = []
  const conns: Array<[number, boolean]> = []
  // (from, to]: the entries at `from` itself are left out
  scanSegment(bytes, start, last, start + 5, start + 60_000, (t, h) => beats.push([t, h]), (t, c) => conns.push([t, c]), format)
  return { beats, conns }
}

describe('record blobs', () => {
  it('varints carry whole numbers up to 2^53 - 1 and signed deltas', () => {
    const values = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]
    const signed = [0, -1, 1, -64, 64, -(2 ** 40), 2 ** 40]
    const w = new ByteWriter(1)
    for (const v of values) w.uint(v)
    for (const v of signed) w.int(v)
    const r = new ByteReader(w.toBytes())
    assert.deepEqual(values.map(() => r.uint()), values)
    assert.deepEqual(signed.map(() => r.int()), signed)
    assert.equal(r.done, true)
    assert.throws(() => r.uint(), { name: 'TruncatedBlobError' })
    assert.throws(() => new ByteReader(new Uint8Array([0x80, 0x80])).uint(), TruncatedBlobError)
  })

  it('a segment decodes to the entries it was given, its first height relative to the row', () => {
    const start = 1_700_000_040_000
    const entries: Entry[] = [
      [CHANGE_CONNECTED, start + 5, 0, 0, NO_PARENT],
      [CHANGE_INFO, start + 5, 42, 0, NO_PARENT],
      [CHANGE_BEAT, start + 5, 2_000_000, 70_001, NO_PARENT],
      [CHANGE_BEAT, start + 4_005, 2_000_001, 70_002, NO_PARENT],
      [CHANGE_FINALIZED, start + 4_005, 1_999_990, 0, NO_PARENT],
      [CHANGE_SYNCING, start + 8_000, 1, 0, NO_PARENT],
      // a reorg: lower height, an older head
      [CHANGE_BEAT, start + 8_100, 1_999_999, 69_990, NO_PARENT],
      [CHANGE_DISCONNECTED, start + 59_999, 0, 0, NO_PARENT]
    ]
    const last = 1_999_999
    const bytes = segment(start, last, entries)
    assert.deepEqual(decoded(bytes, start, last), entries)
    // the first height costs a byte or two, not four
    assert.ok(bytes.length < entries.length * 4, `${bytes.length} bytes`)
    const { beats, conns } = scanned(bytes, start, last)
    assert.deepEqual(beats, [[start + 4_005, 2_000_001], [start + 8_100, 1_999_999]])
    assert.deepEqual(conns, [[start + 59_999, false]])
  })

  it('a segment keeps each beat\'s parent: the head interned just before it in no bytes, any other in a few', () => {
    const start = 1_700_000_040_000
    const beats: Entry[] = [
      // the chain's previous head: interned just before
      [CHANGE_BEAT, start + 5, 2_000_000, 70_001, 70_000],
      // a head whose parent some other head came between (two branches interleave)
      [CHANGE_BEAT, start + 4_005, 2_000_001, 70_004, 70_001],
      [CHANGE_INFO, start + 4_005, 42, 0, NO_PARENT],
      // a parent interned after its child (a sender that reported it late), and none
      [CHANGE_BEAT, start + 8_000, 2_000_002, 70_005, 70_009],
      [CHANGE_BEAT, start + 12_000, 2_000_003, 70_006, NO_PARENT],
      [CHANGE_DISCONNECTED, start + 59_999, 0, 0, NO_PARENT]
    ]
    const last = 2_000_003
    const bytes = segment(start, last, beats)
    assert.deepEqual(decoded(bytes, start, last), beats)
    const { beats: heights, conns } = scanned(bytes, start, last)
    assert.deepEqual(heights, [[start + 4_005, 2_000_001], [start + 8_000, 2_000_002], [start + 12_000, 2_000_003]], 'history skips the parents')
    assert.deepEqual(conns, [[start + 59_999, false]])

    const without = segment(start, last, beats.map(([kind, t, a, b]) => [kind, t, a, b, NO_PARENT]))
    // the first beat's parent is the head before it: free; the next two take a byte each
    assert.equal(bytes.length - without.length, 2)
  })

  it('keeps heights up to the protocol\'s bound (2^53 - 1) exact, with parents', () => {
    const start = 1_700_000_040_000
    const top = Number.MAX_SAFE_INTEGER
    const entries: Entry[] = [
      [CHANGE_BEAT, start + 5, top - 2, 9, 8],
      [CHANGE_BEAT, start + 3_005, top - 1, 10, 9],
      [CHANGE_BEAT, start + 6_005, top, 12, 10]
    ]
    const bytes = segment(start, top, entries)
    assert.deepEqual(decoded(bytes, start, top), entries)
    // (the entry at `from` itself is left out)
    assert.deepEqual(scanned(bytes, start, top).beats, entries.slice(1).map(e => [e[1], e[2]]))
  })

  it('reads a segment of a record before parents (format 2) as it was written, with no parents', () => {
    const start = 1_700_000_040_000
    const entries: Entry[] = [
      [CHANGE_CONNECTED, start + 5, 0, 0, NO_PARENT],
      [CHANGE_BEAT, start + 5, 2_000_000, 70_001, NO_PARENT],
      [CHANGE_BEAT, start + 4_005, 2_000_001, 70_002, NO_PARENT],
      [CHANGE_BEAT, start + 8_100, 1_999_999, 69_990, NO_PARENT],
      [CHANGE_DISCONNECTED, start + 59_999, 0, 0, NO_PARENT]
    ]
    const last = 1_999_999
    const old = segment(start, last, entries, BLOB_V2)
    assert.deepEqual(decoded(old, start, last, BLOB_V2), entries)
    assert.deepEqual(scanned(old, start, last, BLOB_V2).beats, [[start + 4_005, 2_000_001], [start + 8_100, 1_999_999]])
    // the two formats differ: read as the other, it is refused or comes out wrong
    let misread: Entry[] | undefined
    try { misread = decoded(old, start, last) } catch {}
    assert.notDeepEqual(misread, entries)
  })

  it('a journal row decodes to every node\'s entries in order', () => {
    const start = 1_700_000_040_000
    const enc = new JournalEncoder()
    enc.reset(start / 60_000, start)
    const entries: Array<[number, ChangeKind, number, number, number, number]> = [
      [7, CHANGE_BEAT, start + 1, 5, 9, 8],
      [3, CHANGE_BEAT, start + 1, 6, 10, NO_PARENT],
      [7, CHANGE_SYNCING, start + 2, 0, 0, NO_PARENT],
      [3, CHANGE_FORGOTTEN, start + 30_000, 0, 0, NO_PARENT]
    ]
    for (const e of entries) enc.add(...e)
    const out: typeof entries = []
    decodeJournal(enc.bytes.toBytes(), start, (...e) => { out.push(e) })
    assert.deepEqual(out, entries)

    // a row of a record before parents (format 2), rewritten when the record is upgraded
    const old = new JournalEncoder(BLOB_V2)
    old.reset(start / 60_000, start)
    for (const [node, kind, t, a, b] of entries) old.add(node, kind, t, a, b)
    const upgraded: typeof entries = []
    decodeJournal(journalToV3(old.bytes.toBytes(), start), start, (...e) => { upgraded.push(e) })
    assert.deepEqual(upgraded, entries.map(([node, kind, t, a, b]) => [node, kind, t, a, b, NO_PARENT]))
  })

  it('a blob with an unknown kind is refused by name', () => {
    const w = new ByteWriter()
    w.uint(1)
    w.byte(9)
    assert.throws(() => { decodeSegment(w.toBytes(), 0, 0, () => {}) }, InvalidBlobError)
  })
})
