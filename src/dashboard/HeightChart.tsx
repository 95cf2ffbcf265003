import { scaleLinear } from 'd3'
import { useMemo, useRef } from 'react'
import type { DashboardView, NodeView } from '../store/view.ts'
import { layoutLabels, lineEnd, sameLines } from './chart-layout.ts'
import { formatClock, formatHeight } from './format.ts'
import { rootRem } from './root-rem.ts'
import { headColor } from './theme.ts'
import type { Theme } from './theme.ts'
import { AXIS_GAP_REM, useChartScales } from './useChartScales.ts'
import type { ChartScales } from './useChartScales.ts'
import { useElementSize } from './useElementSize.ts'
import { useLineRaster } from './useLineRaster.ts'

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
  const { now, windowStart } = view
  // another network's nodes are another chain: not on this chart, nor in its scales
  // (the list itself when there are none: a copy of a thousand on every update was garbage).
  // The list drawn last while nothing the chart reads has changed: a recorded moment's fork
  // panel, rebuilt by the relay after the moment is shown, gave every view a branch and redrew
  // a thousand lines and their labels for the same picture (bench: the history window)
  const drawn = useRef<readonly NodeView[]>([])
  const nodes = useMemo(() => {
    const ours = view.nodes.some(node => node.status === 'other-network') ? view.nodes.filter(node => node.status !== 'other-network') : view.nodes
    if (!sameLines(drawn.current, ours)) drawn.current = ours
    return drawn.current
  }, [view.nodes])
  const scales = useChartScales(nodes, windowStart, now, width, height, rem, view.summary.bestHeight)
  useLineRaster(canvas, nodes, now, scales, width, height, theme, rem, view.connection.state === 'frozen')
  // not current: the window stops at the last word and the chart says so, rather than
  // scrolling on with every line ending in the past
  const asOf = view.current ? null : formatClock(now - view.clockOffsetMs)

  return (
    <div className='chart-box' ref={box} data-testid='chart'>
      <canvas ref={canvas} style={{ width: `${width}px`, height: `${height}px` }} />
      {/* not before the box is measured (the render after mounting): labels laid out for no
          height are a thousand nodes' work for nothing */}
      {width > 0 && (
        <svg width={width} height={height} className='chart-overlay'>
          <Axes scales={scales} now={now} end={asOf ?? 'now'} rem={rem} />
          <FeedGaps gaps={view.gaps} now={now} scales={scales} rem={rem} />
          {view.summary.bestHeight >= 0 && <BestHeight height={view.summary.bestHeight} scales={scales} rem={rem} />}
          {asOf !== null && <AsOf time={asOf} scales={scales} rem={rem} />}
          <NodeLabels nodes={nodes} now={now} scales={scales} theme={theme} rem={rem} />
        </svg>
      )}
    </div>
  )
}

/** Heights on the left with their gridlines, time below; `end` names the right edge. */
function Axes ({ scales, now, end, rem }: { scales: ChartScales, now: number, end: string, rem: number }) {
  const { left, right, bottom, start, x, y, yTicks } = scales
  const xTicks = timeTicks(now - start, end)
  return (
    <g className='axis'>
      {yTicks.map(tick => (
        <g key={`y${tick}`}>
          <line x1={left} x2={right} y1={y(tick)} y2={y(tick)} className='gridline' />
          <text x={left - AXIS_GAP_REM * rem} y={y(tick)} textAnchor='end' dominantBaseline='middle'>{formatHeight(tick)}</text>
        </g>
      ))}
      {xTicks.values.map(tick => (
        <text key={`x${tick}`} x={x(now + tick)} y={bottom + 1.4 * rem} textAnchor={tick === 0 ? 'end' : 'middle'}>{xTicks.label(tick)}</text>
      ))}
    </g>
  )
}

/** What the page did not hear: the relay's histories fill it in, but nobody watched. */
function FeedGaps ({ gaps, now, scales, rem }: { gaps: DashboardView['gaps'], now: number, scales: ChartScales, rem: number }) {
  const { left, right, top, bottom, start, x } = scales
  return (
    <g className='gaps' data-testid='chart-gaps'>
      {gaps.filter(gap => gap.to > start && gap.from < now).map(gap => {
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
  )
}

/** The right edge when the picture is not current: the time it is of. */
function AsOf ({ time, scales, rem }: { time: string, scales: ChartScales, rem: number }) {
  const { right, top, bottom } = scales
  return (
    <g className='as-of' data-testid='chart-as-of'>
      <line x1={right} x2={right} y1={top} y2={bottom} />
      {/* bottom right: heights rise, so lines end high at the right edge */}
      <text x={right - 0.6 * rem} y={bottom - 0.8 * rem} textAnchor='end'>last known {time}</text>
    </g>
  )
}

/** The best height across the plot, labelled. */
function BestHeight ({ height, scales, rem }: { height: number, scales: ChartScales, rem: number }) {
  const { left, right, top, y } = scales
  return (
    <g className='best' data-testid='chart-best'>
      <line x1={left} x2={right} y1={y(height)} y2={y(height)} />
      {/* above the line, or below it when the line runs along the top */}
      <text x={left + 0.5 * rem} y={y(height) - top < 1.5 * rem ? y(height) + 1.3 * rem : y(height) - 0.4 * rem}>best {formatHeight(height)}</text>
    </g>
  )
}

/** Each line's nickname at its end, right of the plot; labels that would collide are grouped. */
function NodeLabels ({ nodes, now, scales, theme, rem }: { nodes: readonly NodeView[], now: number, scales: ChartScales, theme: Theme, rem: number }) {
  const { right, top, bottom, start, y } = scales
  const labels = useMemo(() => {
    // a forked node's label is its own (never folded into the majority's at its height), a
    // label above its height, where its lifted line runs
    const ends = nodes
      .filter(node => node.node.history.size > 0 && lineEnd(node, now) >= start)
      .map(node => node.status === 'forked'
        ? { view: node, y: y(node.node.height) - 0.8 * rem, apart: 'forked' }
        : { view: node, y: y(node.node.height) })
    return layoutLabels(ends, 1.25 * rem, top, bottom)
  }, [nodes, now, start, y, rem, top, bottom])
  return (
    <g className='labels' data-testid='chart-labels'>
      {labels.map(label => {
        const first = label.nodes[0]
        const dim = label.nodes.every(node => node.status === 'offline')
        const forked = first?.status === 'forked'
        return (
          <text
            key={first?.node.peerId ?? label.text}
            x={right + 0.6 * rem}
            y={label.y}
            dominantBaseline='middle'
            fill={first === undefined || dim ? theme.status.offline : forked ? theme.status.forked : headColor(theme, first.headColor)}
            opacity={dim ? 0.6 : 1}
            data-forked={forked}
          >
            {forked ? `◆ ${label.text}` : label.text}
          </text>
        )
      })}
    </g>
  )
}
