import { scaleLinear } from 'd3'
import type { ScaleLinear } from 'd3'
import { useEffect, useMemo, useRef } from 'react'
import type { DashboardView, NodeView } from '../store/view.ts'
import { chartExtent, layoutLabels, lineEnd } from './chart-layout.ts'
import { drawStepLine, packColor } from './chart-raster.ts'
import { FrameSlicer } from './frame-slicer.ts'
import type { Clip, LinearMap, LineStyle, PixelBuffer } from './chart-raster.ts'
import { formatClock, formatHeight } from './format.ts'
import { headColor } from './theme.ts'
import type { Theme } from './theme.ts'
import { useElementSize } from './useElementSize.ts'

// margins in rem: heights on the left, node labels on the right, time below
const LEFT_REM = 6
const RIGHT_REM = 15
const TOP_REM = 1
const BOTTOM_REM = 2.2
// the narrowest time span the chart shows, so a fresh devnet's first seconds are not a smear
const MIN_SPAN_MS = 60_000

// lines are drawn offline first and online last, so the nodes that matter stay on top; a
// forked node's line runs level with the main chain's, so it goes over the in-sync ones
const DRAW_ORDER: ReadonlyArray<NodeView['status']> = ['offline', 'waiting', 'stale', 'behind', 'in-sync', 'forked']
// offline lines are faint: they are history, not the devnet now
const OFFLINE_ALPHA = 0.3
// the most time a frame spends rasterising lines, in ms: a frame is 16.7 at 60 fps, and the
// rest of it is the page's other work, layout and paint
const RASTER_BUDGET_MS = 6

/** A d3 linear scale as drawStepLine takes it, in device pixels: the axes and the lines
 *  share one mapping. */
function inDevicePixels (scale: ScaleLinear<number, number>, dpr: number): LinearMap {
  const [d0 = 0, d1 = 1] = scale.domain()
  const [r0 = 0, r1 = 0] = scale.range()
  return { from: d0, scale: (r1 - r0) * dpr / (d1 - d0), to: r0 * dpr }
}

function rootRem (): number {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16
}

/** `end`: what the right edge is called: "now", or the time the picture is of. */
function timeTicks (spanMs: number, end: string): { values: number[], label: (ms: number) => string } {
  // relative time reads better on a wall than clock times: "−5 m" … "now"
  const inMinutes = spanMs >= 3 * 60_000
  const unit = inMinutes ? 60_000 : 1000
  const scale = scaleLinear().domain([-spanMs / unit, 0])
  const values = scale.ticks(6).filter(v => Number.isInteger(v)).map(v => v * unit)
  return { values, label: ms => ms === 0 ? end : `−${Math.abs(ms / unit)} ${inMinutes ? 'm' : 's'}` }
}

/** Tipset height over time, one step line per node, labelled; d3 does the maths, a canvas draws. */
export function HeightChart ({ view, theme }: { view: DashboardView, theme: Theme }) {
  const box = useRef<HTMLDivElement>(null)
  const canvas = useRef<HTMLCanvasElement>(null)
  const { width, height } = useElementSize(box)
  const rem = width > 0 ? rootRem() : 16
  const left = LEFT_REM * rem
  const right = Math.max(left + 1, width - RIGHT_REM * rem)
  const top = TOP_REM * rem
  const bottom = Math.max(top + 1, height - BOTTOM_REM * rem)
  const { nodes, now, windowStart } = view
  const bestHeight = view.summary.bestHeight

  const extent = useMemo(() => chartExtent(nodes, windowStart, now), [nodes, windowStart, now])
  // a devnet younger than the window fills the width instead of hugging the right edge
  const start = Math.max(windowStart, Math.min(extent.firstAt, now - MIN_SPAN_MS))
  const x = useMemo(() => scaleLinear().domain([start, now]).range([left, right]), [start, now, left, right])
  const y = useMemo(() => scaleLinear().domain([extent.minHeight, extent.maxHeight]).range([bottom, top]), [extent.minHeight, extent.maxHeight, bottom, top])

  // the pixels, kept between redraws (a redraw fills them anew) and replaced on a resize
  const frame = useRef<{ image: ImageData, buffer: PixelBuffer } | null>(null)
  const slicer = useMemo(() => new FrameSlicer({
    budgetMs: RASTER_BUDGET_MS,
    request: callback => requestAnimationFrame(callback),
    cancel: handle => { cancelAnimationFrame(handle) }
  }), [])
  useEffect(() => () => { slicer.stop() }, [slicer])

  useEffect(() => {
    const element = canvas.current
    const ctx = element?.getContext('2d')
    if (element == null || ctx == null || width === 0 || height === 0) return
    const dpr = window.devicePixelRatio || 1
    const w = Math.round(width * dpr)
    const h = Math.round(height * dpr)
    let current = frame.current
    if (current === null || current.image.width !== w || current.image.height !== h) {
      const image = ctx.createImageData(w, h)
      current = { image, buffer: { width: w, height: h, pixels: new Uint32Array(image.data.buffer) } }
      frame.current = current
    }
    const { image, buffer } = current
    // in rem, so 4K draws as 1080p does; thinner when there are many, so a thousand lines do
    // not paint the plot solid; whole device pixels, so runs need no antialiasing
    const lineWidth = Math.max(1, Math.round(0.2 * rem * (nodes.length > 100 ? 0.5 : 1) * dpr))
    // the plot, and a line width above and below so lines along its edges show whole
    const clip: Clip = {
      left: Math.max(0, Math.round(left * dpr)),
      right: Math.min(w, Math.round(right * dpr)),
      top: Math.max(0, Math.round(top * dpr) - lineWidth),
      bottom: Math.min(h, Math.round(bottom * dpr) + lineWidth)
    }
    const xMap = inDevicePixels(x, dpr)
    const yMap = inDevicePixels(y, dpr)
    const styles = new Map<string, LineStyle>()
    const styleOf = (node: NodeView): LineStyle => {
      // a waiting node's line is its height from before it reconnected: history, like offline
      const offline = node.status === 'offline' || node.status === 'waiting'
      const color = offline ? theme.status.offline : headColor(theme, node.headColor)
      const key = `${color} ${node.status}`
      let style = styles.get(key)
      if (style === undefined) {
        style = { color: packColor(color, offline ? OFFLINE_ALPHA : 1), width: lineWidth, dashed: node.status === 'stale' }
        styles.set(key, style)
      }
      return style
    }
    const lines = DRAW_ORDER.flatMap(status => nodes.filter(node => node.status === status))
    let drawn = 0
    // Rasterised in the frames after the one that commits this render, a few ms of lines per
    // frame, and shown together when all are in: a thousand lines in one go took up to 22 ms,
    // which on top of a frame's layout and paint made it a long task
    slicer.submit(hasTime => {
      if (drawn === 0) buffer.pixels.fill(0)
      while (drawn < lines.length) {
        const node = lines[drawn++]
        if (node !== undefined) drawStepLine(buffer, clip, node.node.history, start, lineEnd(node, now), xMap, yMap, styleOf(node))
        if (!hasTime()) return false
      }
      // sized here, not before: resizing a canvas clears it, and it would be blank meanwhile
      if (element.width !== w || element.height !== h) {
        element.width = w
        element.height = h
      }
      ctx.putImageData(image, 0, 0)
      return true
    })
  }, [slicer, nodes, now, start, x, y, width, height, left, right, top, bottom, theme, rem])

  const labels = useMemo(() => {
    const ends = nodes
      .filter(node => node.node.history.size > 0 && lineEnd(node, now) >= start)
      .map(node => ({ view: node, y: y(node.node.height) }))
    return layoutLabels(ends, 1.25 * rem, top, bottom)
  }, [nodes, now, start, y, rem, top, bottom])

  const yTicks = y.ticks(Math.max(2, Math.floor((bottom - top) / (3 * rem)))).filter(v => Number.isInteger(v))
  // not current: the window stops at the last word and the chart says so, rather than
  // scrolling on with every line ending in the past
  const asOf = view.current ? null : formatClock(now - view.clockOffsetMs)
  const xTicks = timeTicks(now - start, asOf ?? 'now')

  return (
    <div className='chart-box' ref={box} data-testid='chart'>
      <canvas ref={canvas} style={{ width: `${width}px`, height: `${height}px` }} />
      <svg width={width} height={height} className='chart-overlay'>
        <g className='axis'>
          {yTicks.map(tick => (
            <g key={`y${tick}`}>
              <line x1={left} x2={right} y1={y(tick)} y2={y(tick)} className='gridline' />
              <text x={left - 0.5 * rem} y={y(tick)} textAnchor='end' dominantBaseline='middle'>{formatHeight(tick)}</text>
            </g>
          ))}
          {xTicks.values.map(tick => (
            <text key={`x${tick}`} x={x(now + tick)} y={bottom + 1.4 * rem} textAnchor={tick === 0 ? 'end' : 'middle'}>{xTicks.label(tick)}</text>
          ))}
        </g>
        {/* what the page did not hear: the relay's histories fill it in, but nobody watched */}
        <g className='gaps' data-testid='chart-gaps'>
          {view.gaps.filter(gap => gap.to > start && gap.from < now).map(gap => {
            const from = Math.max(left, x(gap.from))
            const to = Math.min(right, x(gap.to))
            return (
              <g key={gap.from}>
                <rect x={from} y={top} width={Math.max(1, to - from)} height={bottom - top} />
                {to - from > 6 * rem && <text x={(from + to) / 2} y={bottom - 0.8 * rem} textAnchor='middle'>no feed</text>}
              </g>
            )
          })}
        </g>
        {bestHeight >= 0 && (
          <g className='best' data-testid='chart-best'>
            <line x1={left} x2={right} y1={y(bestHeight)} y2={y(bestHeight)} />
            {/* above the line, or below it when the line runs along the top */}
            <text x={left + 0.5 * rem} y={y(bestHeight) - top < 1.5 * rem ? y(bestHeight) + 1.3 * rem : y(bestHeight) - 0.4 * rem}>best {formatHeight(bestHeight)}</text>
          </g>
        )}
        {asOf !== null && (
          <g className='as-of' data-testid='chart-as-of'>
            <line x1={right} x2={right} y1={top} y2={bottom} />
            {/* bottom right: heights rise, so lines end high at the right edge */}
            <text x={right - 0.6 * rem} y={bottom - 0.8 * rem} textAnchor='end'>last known {asOf}</text>
          </g>
        )}
        <g className='labels' data-testid='chart-labels'>
          {labels.map(label => {
            const first = label.nodes[0]
            const dim = label.nodes.every(node => node.status === 'offline')
            return (
              <text
                key={first?.node.peerId ?? label.text}
                x={right + 0.6 * rem}
                y={label.y}
                dominantBaseline='middle'
                fill={first === undefined || dim ? theme.status.offline : headColor(theme, first.headColor)}
                opacity={dim ? 0.6 : 1}
              >
                {label.text}
              </text>
            )
          })}
        </g>
      </svg>
    </div>
  )
}
