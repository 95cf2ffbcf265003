import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HeightHistory } from './height-history.ts'

describe('HeightHistory', () => {
  it('keeps at most its capacity, newest last, oldest overwritten', () => {
    const history = new HeightHistory(4)
    for (let k = 0; k < 10; k++) history.push(1000 + k, k)
    assert.equal(history.size, 4)
    assert.deepEqual([0, 1, 2, 3].map(k => history.heightOf(k)), [6, 7, 8, 9])
    assert.deepEqual([0, 1, 2, 3].map(k => history.atOf(k)), [1006, 1007, 1008, 1009])
    assert.equal(history.lastHeight(), 9)
    assert.equal(history.version, 10)
  })

  it('stays the same size over a long run', () => {
    const history = new HeightHistory(16)
    for (let k = 0; k < 100_000; k++) history.push(k, k)
    assert.equal(history.size, 16)
    assert.equal(history.heightOf(0), 100_000 - 16)
  })

  it('ignores points older than the newest', () => {
    const history = new HeightHistory(4)
    history.push(100, 1)
    history.push(50, 2)
    assert.equal(history.size, 1)
    assert.equal(history.lastHeight(), 1)
  })

  it('finds the first point in a window after wrapping', () => {
    const history = new HeightHistory(5)
    for (let k = 0; k < 8; k++) history.push(k * 10, k)
    // holds times 30..70
    assert.equal(history.firstIndexFrom(0), 0)
    assert.equal(history.firstIndexFrom(45), 2)
    assert.equal(history.atOf(history.firstIndexFrom(45)), 50)
    assert.equal(history.firstIndexFrom(1000), 5)
  })

  it('holds heights up to 2^53 - 1 exactly', () => {
    const history = new HeightHistory(2)
    history.push(1, Number.MAX_SAFE_INTEGER)
    assert.equal(history.lastHeight(), Number.MAX_SAFE_INTEGER)
  })

  it('keeps points a spacing apart but the newest, which follows the height', () => {
    const history = new HeightHistory(100, 10)
    for (let t = 0; t <= 40; t++) history.push(t, t)
    const points = Array.from({ length: history.size }, (_, k) => [history.atOf(k), history.heightOf(k)])
    // 0, then one each 10 ms, and the newest where the height is now
    assert.deepEqual(points, [[0, 0], [10, 10], [20, 20], [30, 30], [40, 40]])
    history.push(43, 43)
    assert.deepEqual([history.atOf(history.size - 1), history.heightOf(history.size - 1), history.size], [43, 43, 6])
    history.push(45, 45)
    assert.deepEqual([history.atOf(history.size - 1), history.heightOf(history.size - 1), history.size], [45, 45, 6])
  })

  it('takes a past behind its first point, and keeps its own where both speak', () => {
    const history = new HeightHistory(5)
    history.push(100, 10)
    history.push(110, 11)
    history.mergePast([[40, 4], [60, 6], [80, 8], [100, 99], [105, 99]])
    assert.deepEqual(Array.from({ length: history.size }, (_, k) => [history.atOf(k), history.heightOf(k)]), [[40, 4], [60, 6], [80, 8], [100, 10], [110, 11]])
    // over capacity the oldest go
    const full = new HeightHistory(5)
    full.push(100, 10)
    full.push(110, 11)
    full.mergePast([[1, 1], [2, 2], [3, 3], [4, 4]])
    assert.deepEqual([full.size, full.atOf(0), full.lastHeight()], [5, 2, 11])
    // nothing older than its first point: nothing changes
    const version = full.version
    full.mergePast([[2, 2], [50, 5]])
    assert.deepEqual([full.size, full.atOf(0), full.version], [5, 2, version])
  })

  it('takes a past as pushing its points and then its own one by one would, whatever the spacing, capacity and order', () => {
    // a small generator, seeded: the same cases every run
    let seed = 7
    const random = (n: number): number => { seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648; return seed % n }
    for (let run = 0; run < 400; run++) {
      const capacity = 1 + random(12)
      const spacing = random(3) === 0 ? 0 : random(30)
      const history = new HeightHistory(capacity, spacing)
      let t = 500 + random(100)
      for (let k = random(30); k > 0; k--) {
        // mostly rising, sometimes back in time (ignored) or down (a reorg)
        t += random(5) === 0 ? -random(20) : random(25)
        history.push(t, 100 + random(20))
      }
      const past: Array<[number, number]> = []
      let p = random(600)
      for (let k = random(40); k > 0; k--) {
        p += random(6) === 0 ? -random(15) : random(30)
        past.push([p, random(120)])
      }
      // what mergePast did before it was one loop: a fresh history, pushed point by point
      const expected = new HeightHistory(capacity, spacing)
      const firstAt = history.size === 0 ? Infinity : history.atOf(0)
      for (const [at, height] of past) {
        if (at >= firstAt) break
        expected.push(at, height)
      }
      for (let k = 0; k < history.size; k++) expected.push(history.atOf(k), history.heightOf(k))
      const merged = history
      const before = merged.version
      const older = (past[0]?.[0] ?? Infinity) < firstAt
      merged.mergePast(past)
      const points = (h: HeightHistory): number[][] => Array.from({ length: h.size }, (_, k) => [h.atOf(k), h.heightOf(k)])
      assert.deepEqual(points(merged), points(expected), `run ${run}: capacity ${capacity}, spacing ${spacing}`)
      // a change counter: it moves when the points do, and only forward
      if (older) assert.ok(merged.version > before)
      else assert.equal(merged.version, before)
      assert.equal(merged.neverDown, expected.neverDown)
      // and it goes on as the other would
      merged.push(t + 1_000, 500)
      expected.push(t + 1_000, 500)
      assert.deepEqual(points(merged), points(expected))
    }
  })

  it('starts from points already in its storage, and goes on from them as a ring', () => {
    const storage = new Float64Array(8)
    storage.set([10, 20, 30], 0)
    storage.set([1, 2, 3], 4)
    const history = new HeightHistory(4, 0, storage, 3)
    assert.deepEqual([history.size, history.atOf(0), history.lastHeight()], [3, 10, 3])
    history.push(40, 4)
    history.push(50, 5)
    assert.deepEqual(Array.from({ length: history.size }, (_, k) => history.heightOf(k)), [2, 3, 4, 5])
    assert.throws(() => new HeightHistory(4, 0, storage, 5), RangeError)
    assert.throws(() => new HeightHistory(4, 0, undefined, 1), RangeError)
  })

  it('copies its points from one on, in order, across the ring\'s wrap', () => {
    const history = new HeightHistory(4)
    for (let k = 1; k <= 6; k++) history.push(k * 10, k)
    const at = new Float64Array(4)
    const height = new Float64Array(4)
    assert.equal(history.copyFrom(0, at, height), 4)
    assert.deepEqual([...at], [30, 40, 50, 60])
    assert.deepEqual([...height], [3, 4, 5, 6])
    assert.equal(history.copyFrom(3, at, height), 1)
    assert.deepEqual([at[0], height[0]], [60, 6])
    assert.equal(history.copyFrom(4, at, height), 0)
  })

  it('gives the lowest and highest height from a point on, whatever went up or down, across the ring\'s wrap and moved points', () => {
    // a small deterministic generator: the same cases on every run
    let seed = 7
    const next = (n: number): number => {
      // xorshift32
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return (seed >>> 0) % n
    }
    const range = { min: 0, max: 0 }
    for (let round = 0; round < 300; round++) {
      const capacity = 1 + next(6)
      const spacing = next(2) === 0 ? 0 : 15
      const history = new HeightHistory(capacity, spacing)
      let at = 0
      let height = 100
      for (let step = 0; step < 40; step++) {
        at += 1 + next(20)
        // mostly up, now and then down (a reorg, a restarted node)
        height = Math.max(0, height + (next(5) === 0 ? -next(4) : next(3)))
        history.push(at, height)
        const all = Array.from({ length: history.size }, (_, k) => history.heightOf(k))
        assert.equal(history.neverDown, all.every((h, k) => k === 0 || h >= (all[k - 1] as number)), `capacity ${capacity}, spacing ${spacing}, step ${step}: ${all.join(' ')}`)
        for (let first = 0; first < history.size; first++) {
          const heights = Array.from({ length: history.size - first }, (_, k) => history.heightOf(first + k))
          history.heightRange(first, range)
          assert.deepEqual([range.min, range.max], [Math.min(...heights), Math.max(...heights)], `capacity ${capacity}, spacing ${spacing}, step ${step}, from ${first}`)
        }
      }
    }
  })

  it('reads the range of points it started with', () => {
    const storage = new Float64Array(8)
    storage.set([1, 2, 3], 0)
    storage.set([10, 9, 12], 4)
    const history = new HeightHistory(4, 0, storage, 3)
    const range = { min: 0, max: 0 }
    assert.equal(history.neverDown, false)
    history.heightRange(0, range)
    assert.deepEqual(range, { min: 9, max: 12 })
    history.heightRange(1, range)
    assert.deepEqual(range, { min: 9, max: 12 })
    history.heightRange(2, range)
    assert.deepEqual(range, { min: 12, max: 12 })
  })
})
