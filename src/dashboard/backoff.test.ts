import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BACKOFF_MAX_MS, backoffDelay } from './backoff.ts'

describe('backoffDelay', () => {
  it('starts around a second and doubles up to 30 s', () => {
    assert.equal(backoffDelay(1, () => 0.999999), 1000)
    assert.equal(backoffDelay(1, () => 0), 500)
    assert.equal(backoffDelay(2, () => 0.999999), 2000)
    assert.equal(backoffDelay(5, () => 0.999999), 16000)
    assert.equal(backoffDelay(6, () => 0.999999), BACKOFF_MAX_MS)
    assert.equal(backoffDelay(60, () => 0.999999), BACKOFF_MAX_MS)
  })

  it('jitters within the upper half of the ceiling', () => {
    for (let k = 0; k < 100; k++) {
      const delay = backoffDelay(10)
      assert.ok(delay >= BACKOFF_MAX_MS / 2 && delay <= BACKOFF_MAX_MS, String(delay))
    }
  })
})
