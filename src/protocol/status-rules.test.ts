import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BLOCK_TIME_SAMPLES, DEFAULT_BEAT_PERIOD_MS, isBehind, median, nextBeatPeriod, nextBlockTime, stallAfterMs, staleAfterMs } from './status-rules.ts'

describe('status rules', () => {
  it('learn a beat period and leave outages out of it', () => {
    let p = nextBeatPeriod(null, 3_000)
    assert.equal(p, 3_000)
    p = nextBeatPeriod(p, 5_000)
    assert.equal(p, 3_500)
    // a minute of silence is an outage, not a period
    assert.equal(nextBeatPeriod(p, 60_000), 3_500)
    assert.equal(nextBeatPeriod(p, 0), 3_500)
    assert.equal(staleAfterMs(null), 3 * DEFAULT_BEAT_PERIOD_MS)
    assert.equal(staleAfterMs(3_500), 10_500)
  })

  it('take the block time as the median of recent rises, per height', () => {
    let s = nextBlockTime([], 10, 0, 11, 4_000)
    assert.equal(s.blockTimeMs, 4_000)
    // two heights in 10 s: 5 s a block
    s = nextBlockTime(s.samples, 11, 4_000, 13, 14_000)
    assert.equal(s.blockTimeMs, 4_500)
    // one halt does not move the median of many
    let samples = s.samples
    for (let k = 0; k < 20; k++) samples = nextBlockTime(samples, k, k * 4_000, k + 1, (k + 1) * 4_000).samples
    assert.equal(samples.length, BLOCK_TIME_SAMPLES)
    assert.equal(median(nextBlockTime(samples, 0, 0, 1, 600_000).samples), 4_000)
    assert.equal(stallAfterMs(4_000), 12_000)
  })

  it('call one block behind in sync while the block propagates, two behind at once', () => {
    assert.equal(isBehind(0, 10_000, 0, 3_000), false)
    assert.equal(isBehind(1, 4_000, 0, 3_000), false)
    assert.equal(isBehind(1, 4_501, 0, 3_000), true)
    assert.equal(isBehind(2, 1, 0, 3_000), true)
  })
})
