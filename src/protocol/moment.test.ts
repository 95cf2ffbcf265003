import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseDurationText, parseMoment } from './moment.ts'

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0)

describe('moments', () => {
  it('read relative times back from now', () => {
    assert.equal(parseMoment('-2h', NOW), NOW - 7_200_000)
    assert.equal(parseMoment('now-1h30m', NOW), NOW - 5_400_000)
    assert.equal(parseMoment(' - 90s ', NOW), NOW - 90_000)
    assert.equal(parseMoment('-1w', NOW), NOW - 604_800_000)
    assert.equal(parseMoment('now', NOW), NOW)
  })

  it('read ISO times (UTC without a zone) and ms since the epoch', () => {
    assert.equal(parseMoment('2026-01-05T09:30:00Z', NOW), Date.UTC(2026, 0, 5, 9, 30))
    assert.equal(parseMoment('2026-01-05T09:30', NOW), Date.UTC(2026, 0, 5, 9, 30))
    assert.equal(parseMoment('2026-01-05 09:30:15.250', NOW), Date.UTC(2026, 0, 5, 9, 30, 15, 250))
    assert.equal(parseMoment('2026-01-05T11:30:00+02:00', NOW), Date.UTC(2026, 0, 5, 9, 30))
    assert.equal(parseMoment('2026-01-05', NOW), Date.UTC(2026, 0, 5))
    assert.equal(parseMoment(String(NOW - 5), NOW), NOW - 5)
  })

  it('name no moment for anything else', () => {
    for (const bad of ['', 'yesterday', '-2', '-2x', '09:30', '2026-13-45T99:99', '1e12', '+2h', '<script>']) {
      assert.equal(parseMoment(bad, NOW), null, bad)
    }
    assert.equal(parseDurationText('1h30m'), 5_400_000)
    assert.equal(parseDurationText('h'), null)
  })
})
