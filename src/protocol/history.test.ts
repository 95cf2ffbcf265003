import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HeightsInterner, encodeHistoryHeader, encodeHistorySeries, parseEventsAnswer, parseHistoryHeader, parseHistorySeries, parseStateAnswer } from './history.ts'
import type { HistoryHeader, HistorySeries } from './history.ts'

const header: HistoryHeader = { from: 1_000, to: 61_000, stepMs: 6_000, buckets: 10, source: 'raw', nodes: 1 }
const series: HistorySeries = {
  peerId: '12D3KooWA',
  nickname: 'a <b>',
  first: 2,
  heights: [2_000_000, 2_000_001, 2_000_001, 1_999_999, 2_000_003, 2_000_004, 2_000_005, 2_000_006],
  ranges: [[5, 1_999_998, 2_000_003]],
  connection: [[2, 1], [9, 0]]
}

describe('history answers', () => {
  it('read back what the relay writes, heights from their differences', () => {
    const line = encodeHistorySeries(series)
    assert.match(line, /"h":\[2000000,1,0,-2,4,1,1,1\]/)
    const h = parseHistoryHeader(JSON.parse(encodeHistoryHeader(header)))
    assert.deepEqual(h, header)
    assert.deepEqual(parseHistorySeries(JSON.parse(line), h), series)
  })

  it('hand out one heights array for nodes in step, and their own to the others', () => {
    const interner = new HeightsInterner()
    const read = (patch: Partial<HistorySeries>): HistorySeries => parseHistorySeries(JSON.parse(encodeHistorySeries({ ...series, ...patch })), header, interner)
    const a = read({ peerId: 'a' })
    const b = read({ peerId: 'b', first: 0 })
    const c = read({ peerId: 'c', heights: series.heights.map((h, k) => k === 7 ? h + 1 : h) })
    assert.equal(b.heights, a.heights)
    assert.notEqual(c.heights, a.heights)
    assert.deepEqual(c.heights.at(-1), 2_000_007)
    assert.deepEqual(a, { ...series, peerId: 'a' })
    // two arrays that hash alike are still told apart by their values
    const x = [1, 2, 3]
    const y = [1, 2, 4]
    assert.equal(interner.intern(42, x), x)
    assert.equal(interner.intern(42, y), y)
    assert.equal(interner.intern(42, [1, 2, 4]), y)
    const z = [1, 2]
    assert.equal(interner.intern(42, z), z, 'a prefix is another line')
  })

  it('read a line that repeats an earlier one (same) as that line with its own name and connection, and refuse one that names no line read', () => {
    const repeat = JSON.parse(encodeHistorySeries({ ...series, peerId: 'b', nickname: 'b', connection: [[0, 1]] }, 0)) as Record<string, unknown>
    assert.deepEqual(Object.keys(repeat).sort(), ['connection', 'nickname', 'peerId', 'same'])
    const first = parseHistorySeries(JSON.parse(encodeHistorySeries(series)), header)
    const b = parseHistorySeries(repeat, header, undefined, [first])
    assert.deepEqual(b, { ...series, peerId: 'b', nickname: 'b', connection: [[0, 1]] })
    assert.equal(b.heights, first.heights)
    for (const earlier of [[], [undefined], undefined]) {
      assert.throws(() => parseHistorySeries(repeat, header, undefined, earlier), { name: 'InvalidHistoryError' })
    }
    assert.throws(() => parseHistorySeries({ ...repeat, same: 1 }, header, undefined, [first]), { name: 'InvalidHistoryError' })
    assert.throws(() => parseHistorySeries({ ...repeat, connection: [[0, 2]] }, header, undefined, [first]), { name: 'InvalidHistoryError' })
  })

  it('refuse a node line that reaches outside the window, by name', () => {
    const bad = (patch: Record<string, unknown>): void => {
      assert.throws(() => parseHistorySeries({ ...JSON.parse(encodeHistorySeries(series)), ...patch }, header), { name: 'InvalidHistoryError' })
    }
    bad({ first: 3 })
    bad({ h: [1, 2.5] })
    bad({ h: [5, -6] })
    bad({ ranges: [[10, 1, 2]] })
    bad({ connection: [[0, 2]] })
    bad({ nickname: 'x'.repeat(1_000) })
    assert.throws(() => parseHistoryHeader({ ...header, stepMs: 0 }), { name: 'InvalidHistoryError' })
  })

  it('read a state and an events answer', () => {
    const node = { peerId: 'p', nickname: 'n', minerAddress: null, genesisCid: null, height: 5, head: '{ a }', connected: true, stale: false, syncing: null, finalizedHeight: 3, firstSeenAt: 1, lastChangeAt: 2, lastHeartbeatAt: 3, client: 'lotus' }
    assert.deepEqual(parseStateAnswer({ at: 10, nodes: [node] }), { at: 10, nodes: [node] })
    assert.throws(() => parseStateAnswer({ at: 10, nodes: [{ ...node, stale: 'no' }] }), { name: 'InvalidHistoryError' })
    // a head's parent where it was reported (a relay's answer from before parents has none)
    assert.deepEqual(parseStateAnswer({ at: 10, nodes: [{ ...node, parentHead: '{ z }' }] }).nodes[0]?.parentHead, '{ z }')
    assert.throws(() => parseStateAnswer({ at: 10, nodes: [{ ...node, parentHead: 7 }] }), { name: 'InvalidHistoryError' })
    assert.deepEqual(parseEventsAnswer({ events: [{ id: 1, at: 5, kind: 'stale', peers: ['p'], data: { height: 5 } }], next: 1 }),
      { events: [{ id: 1, at: 5, kind: 'stale', peers: ['p'], data: { height: 5 } }], next: 1 })
    assert.throws(() => parseEventsAnswer({ events: [{ id: 1, at: 5, kind: 'x', peers: [7] }] }), { name: 'InvalidHistoryError' })
  })
})
