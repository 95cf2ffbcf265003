// The chart's step lines, rasterised in JS straight into a pixel buffer that the canvas takes
// with one putImageData. A step line is only horizontal and vertical runs, so on whole device
// pixels it needs no antialiasing: a run is a fill of a row span, or a column span. Stroking a
// thousand antialiased paths through the 2D context instead made Chromium's software raster
// (any machine without a usable GPU, and the headless tests) take 50 to 500 ms a redraw, in
// tasks that froze the page.
import type { HeightHistory } from '../store/height-history.ts'
import type { NodeView } from '../store/view.ts'
import { lineEnd, windowPoints } from './chart-layout.ts'

/** Pixels in ImageData's layout: row by row, one RGBA pixel per element. */
export interface PixelBuffer {
  readonly width: number
  readonly height: number
  readonly pixels: Uint32Array
}

/** Where runs may land, in device pixels; right and bottom exclusive. */
export interface Clip {
  readonly left: number
  readonly top: number
  readonly right: number
  readonly bottom: number
}

/** v ↦ (v - from) · scale + to: a d3 linear scale's maths, without a call per point. */
export interface LinearMap {
  readonly from: number
  readonly scale: number
  readonly to: number
}

export interface LineStyle {
  /** from packColor */
  readonly color: number
  /** device pixels, at least 1 */
  readonly width: number
  /** dashes of 3 widths and gaps of 2 (stale nodes) */
  readonly dashed: boolean
}

// ImageData is bytes R, G, B, A; a Uint32Array over it reads them in the platform's byte order
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** '#rrggbb' (the theme's form) and an opacity as one pixel value; unparsable input is transparent. */
export function packColor (hex: string, alpha = 1): number {
  const match = /^#([0-9a-f]{6})$/i.exec(hex)
  if (match === null) return 0
  const rgb = parseInt(match[1] ?? '0', 16)
  const r = (rgb >> 16) & 0xff
  const g = (rgb >> 8) & 0xff
  const b = rgb & 0xff
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 255)
  return (LITTLE_ENDIAN ? (a << 24) | (b << 16) | (g << 8) | r : (r << 24) | (g << 16) | (b << 8) | a) >>> 0
}

/** The run's pixels before its centre line: a width-4 line at row 10 covers rows 8 to 11. */
function before (width: number): number {
  return width >> 1
}

// pixels in a row from which fill() beats a loop of stores by enough to pay for its call: the
// colour, a uint32 mostly past a small integer's range, is boxed into a new heap number for
// every call it is passed to (12 bytes each); at 32 that was ~1 MiB/s of garbage at 1,000 nodes
// (most runs between steps are 20 to 100 pixels), and up to ~100 pixels a loop of stores is as
// fast (bench: the render row's --gc)
const FILL_FROM = 128

/**
 * Fills columns [left, right) of rows [top, bottom), already clipped, in the style's colour
 * (dashed or not). The style, not its colour, is passed: a colour passed to a function the
 * optimiser did not inline was boxed on every call, a run's worth of garbage per run (after a
 * 4K resize, ~2 MiB/s at 1,000 nodes).
 */
function fillRect (buffer: PixelBuffer, left: number, top: number, right: number, bottom: number, style: LineStyle, alongX: boolean): void {
  const { pixels, width: stride } = buffer
  const { color, width: unit, dashed } = style
  for (let row = top; row < bottom; row++) {
    const base = row * stride
    // dashes of 3 line widths and gaps of 2, along x or along y
    if (dashed) for (let x = left; x < right; x++) { if ((alongX ? x : row) % (5 * unit) < 3 * unit) pixels[base + x] = color }
    // most runs of a thousand step lines are a few pixels long, and then a call to fill()
    // costs more than the stores
    else if (right - left >= FILL_FROM) pixels.fill(color, base + left, base + right)
    else for (let i = base + left; i < base + right; i++) pixels[i] = color
  }
}

/** A horizontal run from column x0 to x1 (either order, both included) centred on row y. */
export function horizontalRun (buffer: PixelBuffer, clip: Clip, x0: number, x1: number, y: number, style: LineStyle): void {
  const lead = before(style.width)
  const left = Math.max(clip.left, Math.min(x0, x1) - lead)
  const right = Math.min(clip.right, Math.max(x0, x1) - lead + style.width)
  const top = Math.max(clip.top, y - lead)
  const bottom = Math.min(clip.bottom, y - lead + style.width)
  fillRect(buffer, left, top, right, bottom, style, true)
}

/** A vertical run from row y0 to y1 (either order, both included) centred on column x. */
export function verticalRun (buffer: PixelBuffer, clip: Clip, x: number, y0: number, y1: number, style: LineStyle): void {
  const lead = before(style.width)
  const left = Math.max(clip.left, x - lead)
  const right = Math.min(clip.right, x - lead + style.width)
  const top = Math.max(clip.top, Math.min(y0, y1) - lead)
  const bottom = Math.min(clip.bottom, Math.max(y0, y1) - lead + style.width)
  fillRect(buffer, left, top, right, bottom, style, false)
}

/**
 * One node's history inside [windowStart, end] as a step line (d3's curveStepAfter: the height
 * holds until the next point, then steps), on whole device pixels. The same points as
 * pointsInWindow: the one in force at the window's start moved onto it, those inside, and the
 * last height carried to `end`.
 */
export function drawStepLine (
  buffer: PixelBuffer,
  clip: Clip,
  history: HeightHistory,
  windowStart: number,
  end: number,
  x: LinearMap,
  y: LinearMap,
  style: LineStyle
): void {
  if (history.size === 0 || end < windowStart) return
  // this loop runs for every step of every node: the points copied out of the ring and the
  // scales' maths written out, so it makes no call per point (a page just opened runs it
  // before its code is optimised)
  const { at: times, height: heights, n } = windowPoints(history, windowStart)
  const { from: t0, scale: kx, to: x0 } = x
  const { from: h0, scale: ky, to: y0 } = y
  // where a point is drawn along time (chart-layout's shownAt): moved onto the window's start
  // if older, and no later than the end
  let lastX = Math.round((Math.min(end, Math.max(times[0] as number, windowStart)) - t0) * kx + x0)
  let lastY = Math.round(((heights[0] as number) - h0) * ky + y0)
  for (let k = 1; k < n; k++) {
    const nextY = Math.round(((heights[k] as number) - h0) * ky + y0)
    // a new head at the same height, or a change too small to show: the run goes on
    if (nextY === lastY) continue
    const nextX = Math.round((Math.min(end, Math.max(times[k] as number, windowStart)) - t0) * kx + x0)
    horizontalRun(buffer, clip, lastX, nextX, lastY, style)
    verticalRun(buffer, clip, nextX, lastY, nextY, style)
    lastX = nextX
    lastY = nextY
  }
  horizontalRun(buffer, clip, lastX, Math.round((end - t0) * kx + x0), lastY, style)
}

/**
 * For each line, whether a later one is the same line: the same history (a recorded moment
 * gives nodes in step one: momentState), style and end. Such a line need not be drawn: the
 * later copy paints every pixel it would, over whatever was drawn between (runs are written,
 * not blended).
 */
export function drawnLater (lines: readonly NodeView[], styleOf: (node: NodeView) => LineStyle, now: number): Uint8Array {
  const later = new Uint8Array(lines.length)
  const seen = new Map<HeightHistory, Array<{ style: LineStyle, end: number }>>()
  for (let k = lines.length - 1; k >= 0; k--) {
    const view = lines[k] as NodeView
    const style = styleOf(view)
    const end = lineEnd(view, now)
    let copies = seen.get(view.node.history)
    if (copies === undefined) seen.set(view.node.history, copies = [])
    if (copies.some(copy => copy.style === style && copy.end === end)) later[k] = 1
    else copies.push({ style, end })
  }
  return later
}
