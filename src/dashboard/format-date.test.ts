import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatDate } from './format-date.ts'

test('a date is written as toLocaleDateString("en-US") writes a weekday, day and month', () => {
  for (const day of [new Date(2026, 10, 27, 0, 0, 1), new Date(2024, 1, 29, 23, 59), new Date(2025, 0, 5, 12)]) {
    assert.equal(formatDate(day.getTime()), day.toLocaleDateString('en-US', { weekday: 'short', day: 'numeric', month: 'short' }))
  }
})
