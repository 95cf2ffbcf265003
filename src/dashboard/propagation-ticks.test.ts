import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { binLabel, labelledBins, labelWidthEm } from './propagation-ticks.ts'

describe('propagation histogram labels', () => {
  it('writes each bin as its upper edge in seconds, the last as more than the last edge', () => {
    const edges = [100, 250, 1_000, 16_000]
    assert.deepEqual([0, 1, 2, 3, 4].map(k => binLabel(k, edges)), ['.1', '.25', '1', '16', '>16'])
  })

  it('labels every bin when there is room, ending with the last', () => {
    assert.deepEqual(labelledBins(9, 4), [0, 1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('thins the labels as the bins narrow, always keeping the last, so none overlap', () => {
    for (const bandEm of [0.6, 0.9, 1.2, 1.5, 2, 2.5, 3]) {
      const picked = labelledBins(9, bandEm)
      assert.equal(picked.at(-1), 8, `the last bin is labelled at ${bandEm} em`)
      // no two neighbouring labels overlap: the last ends at the right edge, others are centred
      const spans = picked.map(k => {
        const w = labelWidthEm(binLabel(k))
        return k === 8 ? [8.5 * bandEm - w, 8.5 * bandEm] : [k * bandEm - w / 2, k * bandEm + w / 2]
      })
      for (let i = 1; i < spans.length; i++) {
        assert.ok((spans[i - 1]?.[1] ?? 0) < (spans[i]?.[0] ?? 0), `labels ${picked[i - 1]} and ${picked[i]} overlap at ${bandEm} em`)
      }
    }
  })
})
