import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ByteReader, ByteWriter, TruncatedBlobError } from './codec.ts'
import { decodeJournal, decodeSegment, InvalidBlobError, JournalEncoder, scanSegment, SegmentEncoder } from './blobs.ts'
import { CHANGE_BEAT, CHANGE_CONNECTED, CHANGE_DISCONNECTED, CHANGE_FINALIZED, CHANGE_FORGOTTEN, CHANGE_INFO, CHANGE_SYNCING } from './types.ts'
import type { ChangeKind } from './types.ts'

type Entry = [ChangeKind, number, number, number]

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
      [CHANGE_CONNECTED, start + 5, 0, 0],
      [CHANGE_INFO, start + 5, 42, 0],
      [CHANGE_BEAT, start + 5, 2_000_000, 70_001],
      [CHANGE_BEAT, start + 4_005, 2_000_001, 70_002],
      [CHANGE_FINALIZED, start + 4_005, 1_999_990, 0],
      [CHANGE_SYNCING, start + 8_000, 1, 0],
      // a reorg: lower height, an older head
      [CHANGE_BEAT, start + 8_100, 1_999_999, 69_990],
      [CHANGE_DISCONNECTED, start + 59_999, 0, 0]
    ]
    const enc = new SegmentEncoder(start)
    for (const e of entries) enc.add(...e)
    const last = 1_999_999
    const bytes = enc.finish(last)
    const out: Entry[] = []
    decodeSegment(bytes, start, last, (...e) => { out.push(e) })
    assert.deepEqual(out, entries)
    // the first height costs a byte or two, not four
    assert.ok(bytes.length < entries.length * 4, `${bytes.length} bytes`)

    const beats: Array<[number, number]> = []
    const conns: Array<[number, boolean]> = []
    scanSegment(bytes, start, last, start + 5, start + 60_000, (t, h) => beats.push([t, h]), (t, c) => conns.push([t, c]))
    // (from, to]: the entries at `from` itself are left out
    assert.deepEqual(beats, [[start + 4_005, 2_000_001], [start + 8_100, 1_999_999]])
    assert.deepEqual(conns, [[start + 59_999, false]])
  })

  it('a journal row decodes to every node\'s entries in order', () => {
    const start = 1_700_000_040_000
    const enc = new JournalEncoder()
    enc.reset(start / 60_000, start)
    const entries: Array<[number, ChangeKind, number, number, number]> = [
      [7, CHANGE_BEAT, start + 1, 5, 9],
      [3, CHANGE_BEAT, start + 1, 6, 10],
      [7, CHANGE_SYNCING, start + 2, 0, 0],
      [3, CHANGE_FORGOTTEN, start + 30_000, 0, 0]
    ]
    for (const e of entries) enc.add(...e)
    const out: typeof entries = []
    decodeJournal(enc.bytes.toBytes(), start, (...e) => { out.push(e) })
    assert.deepEqual(out, entries)
  })

  it('a blob with an unknown kind is refused by name', () => {
    const w = new ByteWriter()
    w.uint(1)
    w.byte(9)
    assert.throws(() => { decodeSegment(w.toBytes(), 0, 0, () => {}) }, InvalidBlobError)
  })
})
