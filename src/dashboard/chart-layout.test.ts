// The chart's window over a history: its points copied out of the ring into reused arrays.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HeightHistory } from '../store/height-history.ts'
import { pointsInWindow, windowPoints } from './chart-layout.ts'

function history (capacity: number, points: Array<[number, number]>): HeightHistory {
  const result = new HeightHistory(capacity)
  for (const [at, height] of points) result.push(at, height)
  return result
}

/** windowPoints' answer as pairs, read before the next call refills it. */
function pairs (h: HeightHistory, windowStart: number): Array<[number, number]> {
  const { at, height, n } = windowPoints(h, windowStart)
  return Array.from({ length: n }, (_, k) => [at[k] as number, height[k] as number])
}

describe('windowPoints', () => {
  it('gives the point in force at the window\'s start and those after it, across the ring\'s wrap', () => {
    const h = history(4, [[10, 1], [20, 2], [30, 3], [40, 4], [50, 5], [60, 6]])
    assert.deepEqual(pairs(h, 45), [[40, 4], [50, 5], [60, 6]])
    assert.deepEqual(pairs(h, 0), [[30, 3], [40, 4], [50, 5], [60, 6]])
    assert.deepEqual(pairs(h, 100), [[60, 6]])
  })

  it('refills one object on every call: a shorter history after a longer one shows only its own points', () => {
    const long = history(8, [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]])
    const short = history(8, [[7, 9]])
    const first = windowPoints(long, 0)
    assert.equal(first.n, 5)
    const second = windowPoints(short, 0)
    // the same object, refilled: what the long history put there is past n
    assert.equal(second, first)
    assert.deepEqual(pairs(short, 0), [[7, 9]])
    assert.deepEqual(pairs(history(8, []), 0), [])
  })

  it('grows its arrays for a history longer than any read before', () => {
    const points: Array<[number, number]> = Array.from({ length: 3000 }, (_, k) => [k, k])
    const big = history(4096, points)
    const got = pairs(big, 0)
    assert.equal(got.length, 3000)
    assert.deepEqual(got.at(-1), [2999, 2999])
    // the same steps as pointsInWindow, less the carried end
    assert.deepEqual(got.slice(0, 3), pointsInWindow(big, 0, 2999).slice(0, 3))
  })
})
