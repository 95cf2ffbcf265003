import assert from 'node:assert/strict'
import { test } from 'node:test'
import { abbreviateCount, clientGroups, clientOf, formatClock, formatHeight, formatHeightCell, formatLag, formatSeconds, shortClient } from './format.ts'

test('heights are written with thousands separators, as toLocaleString("en-US") writes them', () => {
  for (const height of [0, 7, 999, 1000, 12_345, 999_999, 1_000_000, 123_456_789, 2 ** 40]) {
    assert.equal(formatHeight(height), height.toLocaleString('en-US'))
  }
  assert.equal(formatHeight(-1), '–')
})

test('a count is abbreviated to at most four characters, rounding to what reads right', () => {
  const cases: Array<[number, string]> = [
    [0, '0'], [7, '7'], [999, '999'], [1000, '1.0k'], [7016, '7.0k'], [7060, '7.1k'], [9949, '9.9k'], [9950, '10k'],
    [12_345, '12k'], [999_499, '999k'], [999_500, '1.0M'], [999_600, '1.0M'], [5_000_000, '5.0M'], [13_000_000, '13M'],
    [999_999_999, '1.0B'], [2 ** 40, '1.1T'], [2 ** 53 - 1, '9007T']
  ]
  for (const [n, text] of cases) assert.equal(abbreviateCount(n), text, String(n))
  for (let n = 1; n < 1e15; n = Math.ceil(n * 1.37)) assert.ok(abbreviateCount(n).length <= 4, `${n} → ${abbreviateCount(n)}`)
})

test('the Lag column says how far behind in at most five characters', () => {
  assert.equal(formatLag(0), '0')
  assert.equal(formatLag(42), '−42')
  assert.equal(formatLag(7016), '−7.0k')
  assert.equal(formatLag(4_999_990), '−5.0M')
  for (let lag = 1; lag < 1e15; lag = Math.ceil(lag * 1.37)) assert.ok(formatLag(lag).length <= 5, `${lag} → ${formatLag(lag)}`)
})

test('the Height column is exact up to 99,999,999 and abbreviated past it', () => {
  assert.equal(formatHeightCell(5_000_000), '5,000,000')
  assert.equal(formatHeightCell(13_000_000), '13,000,000')
  assert.equal(formatHeightCell(99_999_999), '99,999,999')
  assert.equal(formatHeightCell(123_456_789), '123M')
  assert.equal(formatHeightCell(2 ** 53 - 1), '9007T')
})

test('a moment is written as the page\'s time of day, to the second', () => {
  const moment = new Date(2024, 0, 2, 4, 5, 6, 789).getTime()
  assert.equal(formatClock(moment), '04:05:06')
  assert.equal(formatClock(new Date(2024, 0, 2, 23, 59, 59, 999).getTime()), '23:59:59')
})

test('propagation times read as seconds, with the digits that matter', () => {
  assert.deepEqual([42, 420, 999, 3_100, 12_400].map(formatSeconds), ['0.04 s', '0.42 s', '1.00 s', '3.1 s', '12 s'])
})

test('a watched node\'s client reads short: the version without its build suffixes', () => {
  assert.equal(shortClient('Lodestar', 'v1.5.1'), 'Lodestar v1.5.1')
  assert.equal(shortClient('Geth', 'v1.13.5-stable-916d6a44'), 'Geth v1.13.5')
  assert.equal(shortClient('Filecoin', '1.28.0+mainnet+git.b9d8a5d'), 'Filecoin 1.28.0')
  assert.equal(shortClient('Reth', null), 'Reth')
  assert.equal(shortClient(null, null), '–')
})

test('nodes group by client and version, the largest groups first, and say nothing when no node names its client', () => {
  const lodestar = clientOf({ client: 'Lodestar', clientVersion: 'v1.5.1' })
  const teku = clientOf({ client: 'teku', clientVersion: 'v24.1.0+5c3b1d2' })
  const quiet = clientOf({ client: null, clientVersion: null })
  assert.deepEqual([lodestar, teku, quiet], ['Lodestar v1.5.1', 'teku v24.1.0', null])
  const groups = (clients: Array<string | null>, shown?: number): string => clientGroups(clients, shown).replaceAll('\u00a0', ' ')
  assert.equal(groups([lodestar, teku, lodestar, quiet]), 'Lodestar v1.5.1 ×2, teku v24.1.0 ×1, +1 more')
  assert.equal(groups([teku, lodestar], 3), 'Lodestar v1.5.1 ×1, teku v24.1.0 ×1')
  assert.equal(groups([lodestar, quiet, quiet], 3), 'Lodestar v1.5.1 ×1, unknown client ×2', 'the ones that name themselves first')
  assert.match(clientGroups([lodestar]), /v1\.5\.1\u00a0×1/, 'the count never wraps away from its client')
  assert.equal(clientGroups([quiet, quiet]), '')
  assert.equal(clientGroups([]), '')
})
