import type { ScaleLinear } from 'd3'
import { useEffect, useMemo, useRef } from 'react'
import type { RefObject } from 'react'
import type { NodeView } from '../store/view.ts'
import { lineEnd } from './chart-layout.ts'
import { drawnLater, drawStepLine, packColor } from './chart-raster.ts'
import type { Clip, LinearMap, LineStyle, PixelBuffer } from './chart-raster.ts'
import { FrameSlicer } from './frame-slicer.ts'
import { headColor } from './theme.ts'
import type { Theme } from './theme.ts'
import type { ChartScales } from './useChartScales.ts'

// lines are drawn offline first and online last, so the nodes that matter stay on top; a
// forked node's line (on another branch than the largest) runs level with the main chain's, so
// it goes over the in-sync ones, in the loud colour, twice as thick and lifted by a line's
// width: two branches at one height show as two lines, not one
const DRAW_ORDER: ReadonlyArray<NodeView['status']> = ['missing', 'offline', 'waiting', 'stale', 'syncing', 'behind', 'in-sync', 'forked']
// offline lines are faint: they are history, not the devnet now
const OFFLINE_ALPHA = 0.3
// the most time a frame spends rasterising lines, in ms: a frame is 16.7 at 60 fps, and the
// rest of it is the page's other work, layout and paint
const RASTER_BUDGET_MS = 6
// the same while the chart has no lines on it yet (a page just opened): nothing on screen moves
// that frames would be kept for, and at 6 ms a frame a thousand lines of a long window took half
// a second to appear; a frame's task stays well under 50 ms. A recorded moment's first picture
// is drawn in one go: the page is still, and each slice waited for a frame's paint (at 1,000
// nodes 140 ms of lines took 700 ms to appear, bench: the history window)
const FIRST_RASTER_BUDGET_MS = 24

/** A d3 linear scale as drawStepLine takes it, in device pixels: the axes and the lines
 *  share one mapping. */
function inDevicePixels (scale: ScaleLinear<number, number>, dpr: number): LinearMap {
  const [d0 = 0, d1 = 1] = scale.domain()
  const [r0 = 0, r1 = 0] = scale.range()
  return { from: d0, scale: (r1 - r0) * dpr / (d1 - d0), to: r0 * dpr }
}

/** Device pixels a forked node's line is lifted by: clear of a majority line at the same height. */
export function forkLift (lineWidth: number): number {
  return Math.round(1.5 * lineWidth) + lineWidth
}

/** Each node's line style, made once per colour and status for a redraw (looked up by both,
 *  with no key string made per line). */
function lineStyles (theme: Theme, lineWidth: number): (node: NodeView) => LineStyle {
  const styles = new Map<string, Map<NodeView['status'], LineStyle>>()
  return node => {
    // a waiting node's line is its height from before it reconnected: history, like offline
    const offline = node.status === 'offline' || node.status === 'waiting'
    const forked = node.status === 'forked'
    const color = offline ? theme.status.offline : forked ? theme.status.forked : headColor(theme, node.headColor)
    let byStatus = styles.get(color)
    if (byStatus === undefined) styles.set(color, byStatus = new Map())
    let style = byStatus.get(node.status)
    if (style === undefined) {
      style = { color: packColor(color, offline ? OFFLINE_ALPHA : 1), width: forked ? 2 * lineWidth : lineWidth, dashed: node.status === 'stale' }
      byStatus.set(node.status, style)
    }
    return style
  }
}

/**
 * Rasterises one step line per node onto the canvas, in the frames after the one that commits
 * a render, a few ms of lines per frame, and shows them together when all are in: a thousand
 * lines in one go took up to 22 ms, which on top of a frame's layout and paint made it a long task.
 * `still`: the picture is a recorded moment, frozen (its first picture is drawn in one frame).
 */
export function useLineRaster (canvas: RefObject<HTMLCanvasElement | null>, nodes: readonly NodeView[], now: number, scales: ChartScales, width: number, height: number, theme: Theme, rem: number, still = false): void {
  // the pixels, kept between redraws (a redraw fills them anew) and replaced on a resize
  const frame = useRef<{ image: ImageData, buffer: PixelBuffer } | null>(null)
  // whether the canvas shows lines yet
  const shown = useRef(false)
  const slicer = useMemo(() => new FrameSlicer({
    budgetMs: RASTER_BUDGET_MS,
    request: callback => requestAnimationFrame(callback),
    cancel: handle => { cancelAnimationFrame(handle) }
  }), [])
  useEffect(() => () => { slicer.stop() }, [slicer])

  const { start, x, y, left, right, top, bottom } = scales
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
    // a forked line sits just above the height it is at, beside the majority's line
    const lifted: LinearMap = { ...yMap, to: yMap.to - forkLift(lineWidth) }
    const styleOf = lineStyles(theme, lineWidth)
    const lines = DRAW_ORDER.flatMap(status => nodes.filter(node => node.status === status))
    // a live page's nodes each have their own history: only a recorded moment's are shared
    const skip = still ? drawnLater(lines, styleOf, now) : null
    let drawn = 0
    slicer.submit(hasTime => {
      // a canvas that never had lines is blank already: putting a blank picture on it costs a
      // frame ~10 ms (the canvas's pixels handed to the compositor) for nothing
      if (lines.length === 0 && !shown.current) return true
      if (drawn === 0) buffer.pixels.fill(0)
      while (drawn < lines.length) {
        const node = lines[drawn++]
        if (node !== undefined && skip?.[drawn - 1] !== 1) drawStepLine(buffer, clip, node.node.history, start, lineEnd(node, now), xMap, node.status === 'forked' ? lifted : yMap, styleOf(node))
        if (!hasTime()) return false
      }
      // sized here, not before: resizing a canvas clears it, and it would be blank meanwhile
      if (element.width !== w || element.height !== h) {
        element.width = w
        element.height = h
      }
      ctx.putImageData(image, 0, 0)
      if (!shown.current && lines.length > 0) {
        shown.current = true
        // once: when the first picture with lines is on the canvas (bench: the history window)
        performance.mark('devnet:chart-drawn')
      }
      return true
    }, shown.current ? RASTER_BUDGET_MS : still ? Infinity : FIRST_RASTER_BUDGET_MS)
  }, [canvas, slicer, nodes, now, start, x, y, width, height, left, right, top, bottom, theme, rem, still])
}
