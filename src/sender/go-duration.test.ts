import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatGoDurationNs, InvalidDurationError, parseGoDuration, parseGoDurationNs, parsePeriod } from './go-duration.ts'

// Expected values are what Go 1.22's time.ParseDuration returns (int64 nanoseconds)
const VALID: Array<[string, bigint]> = [
  ['0', 0n],
  ['+0', 0n],
  ['-0', 0n],
  ['0s', 0n],
  ['3s', 3_000_000_000n],
  ['10s', 10_000_000_000n],
  ['1m30s', 90_000_000_000n],
  ['250ms', 250_000_000n],
  ['1h', 3_600_000_000_000n],
  ['1.5h', 5_400_000_000_000n],
  ['-1.5h', -5_400_000_000_000n],
  ['+5s', 5_000_000_000n],
  ['1h2m3s4ms5us6ns', 3_723_004_005_006n],
  ['1.s', 1_000_000_000n],
  ['.5s', 500_000_000n],
  ['1.0005s', 1_000_500_000n],
  ['100ns', 100n],
  ['100us', 100_000n],
  ['100\u00b5s', 100_000n],
  ['100\u03bcs', 100_000n],
  ['3m3s', 183_000_000_000n],
  ['0.3333333333333333333h', 1_200_000_000_000n],
  ['9007199254.740993ms', 9_007_199_254_740_993n],
  ['9223372036854775807ns', 9_223_372_036_854_775_807n],
  ['-9223372036854775808ns', -9_223_372_036_854_775_808n],
  ['0.100000000000000000000h', 360_000_000_000n],
  ['1s1s', 2_000_000_000n]
]

const INVALID = [
  '', '3', '-', '+', 's', '.', '.s', '-.s', '+.s', '1.2.3s', '3 s', ' 3s', '3S', '3sec', '1d',
  '3s ', 'x3s', '9223372036854775808ns', '9223372036854775807ns1ns', '3000000h', '1e3s'
]

describe('parseGoDuration (Go time.ParseDuration)', () => {
  for (const [input, ns] of VALID) {
    it(`parses ${JSON.stringify(input)}`, () => {
      assert.equal(parseGoDurationNs(input), ns)
    })
  }

  for (const input of INVALID) {
    it(`refuses ${JSON.stringify(input)} with InvalidDurationError`, () => {
      assert.throws(() => parseGoDurationNs(input), (err: Error) => {
        assert.equal(err.name, 'InvalidDurationError')
        assert.ok(err instanceof InvalidDurationError)
        assert.match(err.message, /expected a Go duration/)
        return true
      })
    })
  }

  it('gives milliseconds for timers', () => {
    assert.equal(parseGoDuration('3s'), 3000)
    assert.equal(parseGoDuration('1m30s'), 90_000)
    assert.equal(parseGoDuration('250us'), 0.25)
  })

  it('refuses non-positive periods, as time.NewTicker panics on them', () => {
    assert.equal(parsePeriod('10s', 'ReconnectPeriod'), 10_000)
    assert.equal(parsePeriod(50, 'BeatPeriod'), 50)
    for (const bad of ['0', '0s', '-3s', 0, -1, Number.NaN]) {
      assert.throws(() => parsePeriod(bad, 'BeatPeriod'), { name: 'InvalidDurationError', message: /BeatPeriod must be positive/ })
    }
  })
})

describe('formatGoDurationNs (Go Duration.String)', () => {
  const CASES: Array<[bigint, string]> = [
    [0n, '0s'],
    [1n, '1ns'],
    [1_100n, '1.1\u00b5s'],
    [2_200_000n, '2.2ms'],
    [250_000_000n, '250ms'],
    [3_300_000_000n, '3.3s'],
    [90_000_000_000n, '1m30s'],
    [600_000_000_000n, '10m0s'],
    [3_600_000_000_000n, '1h0m0s'],
    [4_804_500_000_000n, '1h20m4.5s'],
    [-1_500_000_000n, '-1.5s'],
    [9_223_372_036_854_775_807n, '2562047h47m16.854775807s']
  ]
  for (const [ns, text] of CASES) {
    it(`formats ${ns} as ${text}`, () => {
      assert.equal(formatGoDurationNs(ns), text)
    })
  }

  it('round-trips through the parser', () => {
    for (const [ns, text] of CASES) assert.equal(parseGoDurationNs(text), ns)
  })
})
