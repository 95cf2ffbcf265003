import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatHeight } from './format.ts'

test('heights are written with thousands separators, as toLocaleString("en-US") writes them', () => {
  for (const height of [0, 7, 999, 1000, 12_345, 999_999, 1_000_000, 123_456_789, 2 ** 40]) {
    assert.equal(formatHeight(height), height.toLocaleString('en-US'))
  }
  assert.equal(formatHeight(-1), '–')
})
