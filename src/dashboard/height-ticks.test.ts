import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { heightTicks } from './height-ticks.ts'

// 1080p's rem (min(1.667vh, 0.94vw)) and the axis labels' type, 1.05 rem
const REM = 18
const FONT = 1.05 * REM

/** Where a height sits on a plot from `bottom` up to `top`. */
function yOf (h: number, min: number, max: number, top: number, bottom: number): number {
  return bottom - (h - min) / (max - min) * (bottom - top)
}

describe('the chart\'s height labels', () => {
  it('labels a 150 px plot of a long devnet with two or more heights, not one (1,000 nodes in a fork at 1080p)', () => {
    // the chart row of a cut table at 1080p: a 210 px box, 1 rem above the plot, 2.2 below
    const ticks = heightTicks(3, 80, REM, 210 - 2.2 * REM, FONT)
    assert.ok(ticks.length >= 2, `labels: ${ticks.join(', ')}`)
    assert.deepEqual(ticks, [20, 40, 60, 80])
  })

  it('keeps labels a label apart or more, on whole heights, at any plot height and span', () => {
    for (const px of [60, 100, 150, 220, 400, 800]) {
      for (const [min, max] of [[0, 1], [0, 8], [3, 80], [1_200, 1_460], [9_999_000, 10_004_321]] as const) {
        const ticks = heightTicks(min, max, 0, px, FONT)
        const ys = ticks.map(h => yOf(h, min, max, 0, px))
        for (const h of ticks) {
          assert.ok(Number.isInteger(h) && h >= min && h <= max, `${h} on [${min}, ${max}]`)
        }
        for (let k = 1; k < ys.length; k++) {
          assert.ok((ys[k - 1] as number) - (ys[k] as number) >= 1.25 * FONT - 1e-9, `${px} px, [${min}, ${max}]: ${ticks.join(', ')} touch`)
        }
        // a plot of two label heights or more shows two labels
        if (px >= 3 * FONT) assert.ok(ticks.length >= 2, `${px} px, [${min}, ${max}]: ${ticks.join(', ')}`)
      }
    }
  })

  it('labels every height of a young devnet on a tall plot, and thins them as the plot shrinks', () => {
    assert.deepEqual(heightTicks(1, 9, REM, 400, FONT), [1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert.deepEqual(heightTicks(1, 9, REM, 150, FONT), [4, 8])
    assert.deepEqual(heightTicks(1, 9, REM, 200, FONT), [2, 4, 6, 8])
  })

  it('labels no height beside the "best N" label, and still two when it takes one\'s place', () => {
    const [min, max, top, bottom] = [3, 80, REM, 210 - 2.2 * REM]
    const all = heightTicks(min, max, top, bottom, FONT)
    // the best label's band, below its line near the top: where 80 sits
    const line = yOf(79, min, max, top, bottom)
    const clear = [line, line + 1.6 * REM] as const
    const ticks = heightTicks(min, max, top, bottom, FONT, clear)
    assert.ok(all.includes(80))
    assert.ok(!ticks.includes(80), `labels: ${ticks.join(', ')}`)
    for (const h of ticks) {
      const y = yOf(h, min, max, top, bottom)
      assert.ok(y + FONT / 2 < clear[0] || y - FONT / 2 > clear[1], `${h} is inside the best label's band`)
    }
    assert.ok(ticks.length >= 2)
    // a short plot whose one comfortable label is under the best label takes a closer step
    const short = heightTicks(0, 4, 0, 3.5 * FONT, FONT, [yOf(4, 0, 4, 0, 3.5 * FONT) - 1, yOf(4, 0, 4, 0, 3.5 * FONT) + FONT])
    assert.ok(short.length >= 2, `short: ${short.join(', ')}`)
    // a young devnet at 4K with the fork panel open (a 250 px plot of heights 1 to 11, the best
    // at 10 with its label below the line): 8 goes to the best label, and 4 was left alone
    const rem = 2 * REM
    const bestLine = yOf(10, 1, 11, rem, 251 + rem)
    const young = heightTicks(1, 11, rem, 251 + rem, 1.05 * rem, [bestLine - 1.5 * rem, bestLine + 1.5 * rem])
    assert.deepEqual(young, [2, 4, 6])
  })

  it('labels nothing on an empty plot or span', () => {
    assert.deepEqual(heightTicks(5, 5, 0, 200, FONT), [])
    assert.deepEqual(heightTicks(0, 10, 100, 100, FONT), [])
  })
})
