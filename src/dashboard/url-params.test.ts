import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_OFFLINE_KEEP_MS, DEFAULT_WINDOW_MS, parseDuration, parseParams } from './url-params.ts'

describe('parseDuration', () => {
  it('reads Go-like durations and bare minutes', () => {
    assert.equal(parseDuration('90s'), 90_000)
    assert.equal(parseDuration('10m'), 600_000)
    assert.equal(parseDuration('1h30m'), 5_400_000)
    assert.equal(parseDuration('15'), 900_000)
    assert.equal(parseDuration('soon'), null)
    assert.equal(parseDuration('10x'), null)
  })
})

describe('parseParams', () => {
  it('has defaults for a bare URL', () => {
    const params = parseParams('')
    assert.equal(params.relay, null)
    assert.equal(params.windowMs, DEFAULT_WINDOW_MS)
    assert.equal(params.theme, 'dark')
    assert.equal(params.offlineKeepMs, DEFAULT_OFFLINE_KEEP_MS)
    assert.deepEqual(params.pins, [])
    assert.deepEqual(params.problems, [])
  })

  it('reads every parameter', () => {
    const params = parseParams('?relay=/ip4/127.0.0.1/tcp/4002/ws/p2p/12D3KooWx&window=5m&theme=light&filter=lo&pin=a,b&pin=c&offline=30m')
    assert.equal(params.relay, '/ip4/127.0.0.1/tcp/4002/ws/p2p/12D3KooWx')
    assert.equal(params.windowMs, 300_000)
    assert.equal(params.theme, 'light')
    assert.equal(params.filter, 'lo')
    assert.deepEqual(params.pins, ['a', 'b', 'c'])
    assert.equal(params.offlineKeepMs, 1_800_000)
  })

  it('ignores bad values with a reason instead of failing', () => {
    const params = parseParams('?window=forever&theme=neon')
    assert.equal(params.windowMs, DEFAULT_WINDOW_MS)
    assert.equal(params.theme, 'dark')
    assert.equal(params.problems.length, 2)
  })

  it('reads ?at= as a past moment (ISO or relative) and a window of up to a week', () => {
    const now = Date.UTC(2026, 0, 5, 12)
    assert.equal(parseParams('?at=-2h', now).at, now - 7_200_000)
    assert.equal(parseParams('?at=2026-01-05T09:30:00Z', now).at, Date.UTC(2026, 0, 5, 9, 30))
    assert.equal(parseParams('', now).at, null)
    const future = parseParams('?at=2030-01-01', now)
    assert.equal(future.at, null)
    assert.match(future.problems[0] ?? '', /\?at=2030-01-01 ignored/)
    assert.equal(parseParams('?at=whenever', now).problems.length, 1)
    assert.equal(parseParams('?window=7d').windowMs, 7 * 86_400_000)
    assert.equal(parseParams('?events=0').events, false)
    assert.equal(parseParams('').events, true)
  })
})
