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
})
