import { scaleLinear } from 'd3'
import type { ScaleLinear } from 'd3'
import { useMemo } from 'react'
import type { NodeView } from '../store/view.ts'
import { chartExtent, numberWidthEm } from './chart-layout.ts'
import { formatHeight } from './format.ts'
import { heightTicks } from './height-ticks.ts'

// margins in rem: heights on the left (at least this; wider when the heights' labels need it),
// node labels on the right, time below
const LEFT_REM = 6
// the height labels' type (styles.css .chart-overlay text), in rem, and the gap either side
const AXIS_FONT_REM = 1.05
export const AXIS_GAP_REM = 0.5
// the "best N" label's far edge from its line, in rem: 1.3 below it plus a descent, or 0.4
// above it plus its type (1.1 rem, styles.css .chart-overlay .best text)
const BEST_CLEAR_REM = 1.5
const RIGHT_REM = 15
const TOP_REM = 1
const BOTTOM_REM = 2.2
// the narrowest time span the chart shows, so a fresh devnet's first seconds are not a smear
const MIN_SPAN_MS = 60_000

/** Where the plot sits in the chart box, in CSS pixels, and the d3 scales onto it. */
export interface ChartScales {
  left: number
  right: number
  top: number
  bottom: number
  /** the oldest time shown (relay clock) */
  start: number
  x: ScaleLinear<number, number>
  y: ScaleLinear<number, number>
  /** the heights the axis labels: as many as the plot's height holds two label heights apart
   *  (two at least when it can), none beside the "best N" label */
  yTicks: number[]
}

/** The plot's margins and its time and height scales, memoised on what they depend on. */
export function useChartScales (nodes: readonly NodeView[], windowStart: number, now: number, width: number, height: number, rem: number, best: number): ChartScales {
  const top = TOP_REM * rem
  const bottom = Math.max(top + 1, height - BOTTOM_REM * rem)
  const extent = useMemo(() => chartExtent(nodes, windowStart, now), [nodes, windowStart, now])
  const y = useMemo(() => scaleLinear().domain([extent.minHeight, extent.maxHeight]).range([bottom, top]), [extent.minHeight, extent.maxHeight, bottom, top])
  // no height labelled beside the best height's line and its "best N" label (above the line,
  // or below it along the top: HeightChart's BestHeight), whichever side that is
  const yTicks = useMemo(() => heightTicks(extent.minHeight, extent.maxHeight, top, bottom, AXIS_FONT_REM * rem,
    best < 0 ? null : [y(best) - BEST_CLEAR_REM * rem, y(best) + BEST_CLEAR_REM * rem]), [y, best, extent.minHeight, extent.maxHeight, bottom, top, rem])
  // a height label is never cut: the margin grows to the widest one (8-digit heights need it)
  const labelEm = Math.max(0, ...yTicks.map(tick => numberWidthEm(formatHeight(tick))))
  const left = Math.max(LEFT_REM, labelEm * AXIS_FONT_REM + 2 * AXIS_GAP_REM) * rem
  const right = Math.max(left + 1, width - RIGHT_REM * rem)
  // a devnet younger than the window fills the width instead of hugging the right edge
  const start = Math.max(windowStart, Math.min(extent.firstAt, now - MIN_SPAN_MS))
  const x = useMemo(() => scaleLinear().domain([start, now]).range([left, right]), [start, now, left, right])
  return { left, right, top, bottom, start, x, y, yTicks }
}
