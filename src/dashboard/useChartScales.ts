import { scaleLinear } from 'd3'
import type { ScaleLinear } from 'd3'
import { useMemo } from 'react'
import type { NodeView } from '../store/view.ts'
import { chartExtent } from './chart-layout.ts'

// margins in rem: heights on the left, node labels on the right, time below
const LEFT_REM = 6
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
}

/** The plot's margins and its time and height scales, memoised on what they depend on. */
export function useChartScales (nodes: readonly NodeView[], windowStart: number, now: number, width: number, height: number, rem: number): ChartScales {
  const left = LEFT_REM * rem
  const right = Math.max(left + 1, width - RIGHT_REM * rem)
  const top = TOP_REM * rem
  const bottom = Math.max(top + 1, height - BOTTOM_REM * rem)
  const extent = useMemo(() => chartExtent(nodes, windowStart, now), [nodes, windowStart, now])
  // a devnet younger than the window fills the width instead of hugging the right edge
  const start = Math.max(windowStart, Math.min(extent.firstAt, now - MIN_SPAN_MS))
  const x = useMemo(() => scaleLinear().domain([start, now]).range([left, right]), [start, now, left, right])
  const y = useMemo(() => scaleLinear().domain([extent.minHeight, extent.maxHeight]).range([bottom, top]), [extent.minHeight, extent.maxHeight, bottom, top])
  return { left, right, top, bottom, start, x, y }
}
