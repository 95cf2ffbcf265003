// Which bins of the propagation histogram carry a label: the last ("more than") always, and
// from it leftwards every `step`-th bin, with the smallest step at which no two labels touch.
// The tile's width varies with the screen and the number of tiles beside it, so a fixed
// choice (every other bin) overlapped where the tile is narrow.
import { PROPAGATION_EDGES_MS } from '../protocol/forks.ts'

// DejaVu Sans advance widths, in ems: digits, the point and '>'
const CHAR_EM: Record<string, number> = { '.': 0.32, '>': 0.84 }
const DIGIT_EM = 0.64
/** free space kept between two labels, in ems */
const GAP_EM = 0.5

/** Bin k's label: its upper edge in seconds, the last bin "more than" the last edge. */
export function binLabel (k: number, edges: readonly number[] = PROPAGATION_EDGES_MS): string {
  const edge = edges[k]
  if (edge === undefined) return `>${(edges.at(-1) ?? 0) / 1000}`
  return edge < 1000 ? String(edge / 1000).replace(/^0/, '') : String(edge / 1000)
}

/** How wide a label is, in ems of its font (upper bound). */
export function labelWidthEm (text: string): number {
  let em = 0
  for (const char of text) em += CHAR_EM[char] ?? DIGIT_EM
  return em
}

/**
 * The bins to label. `bins`: how many; `bandEm`: the distance between two bins' centres, in
 * ems of the labels' font. Labels are centred on their bin, the last one ends at the chart's
 * right edge (half a band past its centre). Returns indices in ascending order.
 */
export function labelledBins (bins: number, bandEm: number, label: (k: number) => string = k => binLabel(k)): number[] {
  if (bins <= 0) return []
  const last = bins - 1
  for (let step = 1; step <= last; step++) {
    const picked: number[] = []
    for (let k = last; k >= 0; k -= step) picked.push(k)
    if (fits(picked, bandEm, label)) return picked.reverse()
  }
  return [last]
}

/** Whether labels at `picked` (descending) leave GAP_EM between neighbours. */
function fits (picked: number[], bandEm: number, label: (k: number) => string): boolean {
  const last = picked[0] ?? 0
  // the left edge of the label to the right of the one being placed
  let limit = (last + 0.5) * bandEm - labelWidthEm(label(last))
  for (const k of picked.slice(1)) {
    const half = labelWidthEm(label(k)) / 2
    if (k * bandEm + half + GAP_EM > limit) return false
    limit = k * bandEm - half
  }
  return true
}
