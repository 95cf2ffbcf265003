// Which heights the chart's axis labels, from the pixels it has and the labels' type: a fixed
// count of d3 ticks gave a 200 px chart one label ("50"), and nobody across a room reads a
// scale from one number. Pure, so it is tested in Node.

// Labels this many of their type's size apart (centre to centre): a label's height and as
// much space again. Closer is allowed down to MIN_GAP_FONTS when that is what gives two
// labels (the "best N" label can take the place of one): digits are 0.73 of the type tall, so
// that still leaves half their height between them
const GAP_FONTS = 2
const MIN_GAP_FONTS = 1.25
// steps between labels, per power of ten: 25 and 40 (not 2.5) give a short chart of a long
// devnet two or three labels where 20 is too close and 50 leaves one
const NICE = [1, 2, 2.5, 4, 5]

/** The heights to label on [min, max] drawn from `bottom` up to `top` (px), with labels of
 *  `fontPx` type, none of them inside `clear` (px: the "best N" label's band), two or more
 *  when the height allows. Whole heights, lowest first. */
export function heightTicks (min: number, max: number, top: number, bottom: number, fontPx: number, clear: readonly [number, number] | null = null): number[] {
  const span = max - min
  const pxPer = (bottom - top) / span
  if (!(span > 0 && pxPer > 0 && fontPx > 0)) return []
  const at = (step: number): number[] => {
    const ticks: number[] = []
    for (let h = Math.ceil(min / step) * step; h <= max; h += step) {
      // a label sits on its height, half its type above and below
      const y = bottom - (h - min) * pxPer
      if (clear === null || y + fontPx / 2 < clear[0] || y - fontPx / 2 > clear[1]) ticks.push(h)
    }
    return ticks
  }
  // whole steps from the densest up: the first GAP_FONTS apart, or, when that labels fewer than
  // two heights, the last one closer than that (but MIN_GAP_FONTS apart) that labels two
  let fallback: number[] | null = null
  for (let scale = 1; ; scale *= 10) {
    for (const nice of NICE) {
      const step = nice * scale
      const gap = step * pxPer
      if (Number.isInteger(step) && gap >= MIN_GAP_FONTS * fontPx) {
        const ticks = at(step)
        if (gap >= GAP_FONTS * fontPx) return ticks.length < 2 && fallback !== null ? fallback : ticks
        if (ticks.length >= 2) fallback = ticks
      }
      // past the span, a step labels one height at most
      if (step > span) return fallback ?? at(step)
    }
  }
}
