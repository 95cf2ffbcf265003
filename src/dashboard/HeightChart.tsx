import { curveStepAfter, line, scaleLinear } from 'd3'
import { useEffect, useMemo, useRef } from 'react'
import type { DashboardView, NodeView } from '../store/view.ts'
import { chartExtent, layoutLabels, lineEnd, pointsInWindow } from './chart-layout.ts'
import type { Point } from './chart-layout.ts'
import { formatHeight } from './format.ts'
import { headColor } from './theme.ts'
import type { Theme } from './theme.ts'
import { useElementSize } from './useElementSize.ts'
import { useThrottled } from './useThrottled.ts'

// margins in rem: heights on the left, node labels on the right, time below
const LEFT_REM = 6
const RIGHT_REM = 15
const TOP_REM = 1
const BOTTOM_REM = 2.2
// Lines move a few pixels per block: four redraws a second look live, and a thousand nodes
// beating do not cost a full redraw every frame
const REDRAW_MS = 250
// the narrowest time span the chart shows, so a fresh devnet's first seconds are not a smear
const MIN_SPAN_MS = 60_000

// lines are drawn offline first and online last, so the nodes that matter stay on top
const DRAW_ORDER: Readonly<Record<NodeView['status'], number>> = { offline: 0, stale: 1, behind: 2, forked: 3, 'in-sync': 4 }

function rootRem (): number {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16
}

function timeTicks (spanMs: number): { values: number[], label: (ms: number) => string } {
  // relative time reads better on a wall than clock times: "−5 m" … "now"
  const inMinutes = spanMs >= 3 * 60_000
  const unit = inMinutes ? 60_000 : 1000
  const scale = scaleLinear().domain([-spanMs / unit, 0])
  const values = scale.ticks(6).filter(v => Number.isInteger(v)).map(v => v * unit)
  return { values, label: ms => ms === 0 ? 'now' : `−${Math.abs(ms / unit)} ${inMinutes ? 'm' : 's'}` }
}

/** Tipset height over time, one step line per node, labelled; d3 does the maths, a canvas draws. */
export function HeightChart ({ view: latest, theme }: { view: DashboardView, theme: Theme }) {
  const view = useThrottled(latest, REDRAW_MS)
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

  useEffect(() => {
    const element = canvas.current
    const ctx = element?.getContext('2d')
    if (element == null || ctx == null || width === 0 || height === 0) return
    const dpr = window.devicePixelRatio || 1
    if (element.width !== Math.round(width * dpr) || element.height !== Math.round(height * dpr)) {
      element.width = Math.round(width * dpr)
      element.height = Math.round(height * dpr)
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
    ctx.clearRect(0, 0, width, height)
    ctx.save()
    ctx.beginPath()
    ctx.rect(left, top - 2, right - left, bottom - top + 4)
    ctx.clip()
    const path = line<Point>().x(p => x(p[0])).y(p => y(p[1])).curve(curveStepAfter).context(ctx)
    const ordered = [...nodes].sort((a, b) => DRAW_ORDER[a.status] - DRAW_ORDER[b.status])
    // in rem, so 4K draws as 1080p does; thinner when there are many, so a thousand lines do
    // not paint the plot solid
    const lineWidth = Math.max(1, 0.2 * rem * (nodes.length > 100 ? 0.4 : 1))
    for (const node of ordered) {
      const points = pointsInWindow(node.node.history, start, lineEnd(node, now))
      if (points.length === 0) continue
      ctx.beginPath()
      path(points)
      ctx.lineWidth = lineWidth
      ctx.globalAlpha = node.status === 'offline' ? 0.3 : 1
      ctx.strokeStyle = node.status === 'offline' ? theme.status.offline : headColor(theme, node.headColor)
      ctx.setLineDash(node.status === 'stale' ? [lineWidth * 3, lineWidth * 2] : [])
      ctx.stroke()
    }
    ctx.restore()
  }, [nodes, now, start, x, y, width, height, left, right, top, bottom, theme, rem])

  const labels = useMemo(() => {
    const ends = nodes
      .filter(node => node.node.history.size > 0 && lineEnd(node, now) >= start)
      .map(node => ({ view: node, y: y(node.node.height) }))
    return layoutLabels(ends, 1.25 * rem, top, bottom)
  }, [nodes, now, start, y, rem, top, bottom])

  const yTicks = y.ticks(Math.max(2, Math.floor((bottom - top) / (3 * rem)))).filter(v => Number.isInteger(v))
  const xTicks = timeTicks(now - start)

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
        {bestHeight >= 0 && (
          <g className='best' data-testid='chart-best'>
            <line x1={left} x2={right} y1={y(bestHeight)} y2={y(bestHeight)} />
            {/* above the line, or below it when the line runs along the top */}
            <text x={left + 0.5 * rem} y={y(bestHeight) - top < 1.5 * rem ? y(bestHeight) + 1.3 * rem : y(bestHeight) - 0.4 * rem}>best {formatHeight(bestHeight)}</text>
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
