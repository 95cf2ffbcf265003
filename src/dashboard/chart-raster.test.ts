// The chart's own rasteriser, drawn into small buffers and read back as text pictures.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HeightHistory } from '../store/height-history.ts'
import { pointsInWindow } from './chart-layout.ts'
import { drawnLater, drawStepLine, horizontalRun, packColor, verticalRun } from './chart-raster.ts'
import type { Clip, LineStyle, PixelBuffer } from './chart-raster.ts'
import type { NodeView } from '../store/view.ts'

const RED = packColor('#ff0000')
const BLUE = packColor('#0000ff')

function buffer (width: number, height: number): PixelBuffer {
  return { width, height, pixels: new Uint32Array(width * height) }
}

function whole (target: PixelBuffer): Clip {
  return { left: 0, top: 0, right: target.width, bottom: target.height }
}

function style (color: number, width = 1, dashed = false): LineStyle {
  return { color, width, dashed }
}

/** One line of text per row: '.' empty, 'r' red, 'b' blue, '?' anything else. */
function picture (target: PixelBuffer): string[] {
  const rows: string[] = []
  for (let y = 0; y < target.height; y++) {
    let row = ''
    for (let x = 0; x < target.width; x++) {
      const pixel = target.pixels[y * target.width + x]
      row += pixel === 0 ? '.' : pixel === RED ? 'r' : pixel === BLUE ? 'b' : '?'
    }
    rows.push(row)
  }
  return rows
}

function history (points: Array<[number, number]>): HeightHistory {
  const result = new HeightHistory(16)
  for (const [at, height] of points) result.push(at, height)
  return result
}

// time t is column t; height h is row 7 - h
const X = { from: 0, scale: 1, to: 0 }
const Y = { from: 0, scale: -1, to: 7 }

describe('packColor', () => {
  it('gives the bytes ImageData wants, R G B A, whatever the platform byte order', () => {
    const bytes = new Uint8Array(new Uint32Array([packColor('#ff8001', 0.3)]).buffer)
    assert.deepEqual([...bytes], [0xff, 0x80, 0x01, Math.round(0.3 * 255)])
    assert.deepEqual([...new Uint8Array(new Uint32Array([packColor('#56B4E9')]).buffer)], [0x56, 0xb4, 0xe9, 0xff])
  })

  it('makes anything but #rrggbb transparent rather than a wrong colour', () => {
    assert.equal(packColor('red'), 0)
    assert.equal(packColor('#fff'), 0)
  })
})

describe('runs', () => {
  it('cover whole pixels around their centre line, ends included, with square corners', () => {
    const target = buffer(8, 6)
    horizontalRun(target, whole(target), 5, 1, 1, style(RED))
    verticalRun(target, whole(target), 6, 5, 2, style(BLUE, 2))
    assert.deepEqual(picture(target), [
      '........',
      '.rrrrbb.',
      '.....bb.',
      '.....bb.',
      '.....bb.',
      '.....bb.'
    ])
  })

  it('stay inside the clip', () => {
    const target = buffer(8, 4)
    const clip = { left: 2, top: 1, right: 6, bottom: 3 }
    horizontalRun(target, clip, 0, 7, 1, style(RED))
    verticalRun(target, clip, 4, 0, 3, style(BLUE))
    horizontalRun(target, clip, 0, 7, 3, style(RED))
    assert.deepEqual(picture(target), [
      '........',
      '..rrbr..',
      '....b...',
      '........'
    ])
  })

  it('fill long rows whole, short or long, with nothing beside them', () => {
    // runs of 20, 60 and 300 pixels: below, between and past the length where fill() takes over
    for (const length of [20, 60, 300]) {
      const target = buffer(320, 5)
      horizontalRun(target, whole(target), 5, 5 + length - 1, 2, style(BLUE, 2))
      const rows = picture(target)
      // a width-2 run starts a pixel before its first column (as the first test shows)
      const expected = '.'.repeat(4) + 'b'.repeat(length + 1) + '.'.repeat(320 - 5 - length)
      assert.deepEqual(rows, ['.'.repeat(320), expected, expected, '.'.repeat(320), '.'.repeat(320)], `length ${length}`)
    }
  })

  it('dash as 3 widths on, 2 off, for stale nodes', () => {
    const target = buffer(12, 12)
    horizontalRun(target, whole(target), 0, 11, 0, style(RED, 1, true))
    verticalRun(target, whole(target), 11, 1, 11, style(BLUE, 1, true))
    assert.equal(picture(target)[0], 'rrr..rrr..rr')
    assert.equal(picture(target).map(row => row[11]).join(''), 'rbb..bbb..bb')
  })
})

describe('drawStepLine', () => {
  it('holds each height until the next point, then steps, and carries the last height to the end', () => {
    const target = buffer(12, 8)
    drawStepLine(target, whole(target), history([[2, 1], [5, 4], [8, 2]]), 0, 10, X, Y, style(RED))
    assert.deepEqual(picture(target), [
      '............',
      '............',
      '............',
      '.....rrrr...',
      '.....r..r...',
      '.....r..rrr.',
      '..rrrr......',
      '............'
    ])
  })

  it('starts at the window with the height then in force, draws a beat stamped past the end at the end, and ignores a new head at one height', () => {
    const target = buffer(12, 8)
    drawStepLine(target, whole(target), history([[0, 1], [3, 3], [4, 3], [6, 5], [20, 6]]), 4, 9, X, Y, style(RED))
    assert.deepEqual(picture(target), [
      '............',
      '.........r..',
      '......rrrr..',
      '......r.....',
      '....rrr.....',
      '............',
      '............',
      '............'
    ])
    // the same points as pointsInWindow
    assert.deepEqual(pointsInWindow(history([[0, 1], [3, 3], [4, 3], [6, 5], [20, 6]]), 4, 9), [[4, 3], [4, 3], [6, 5], [9, 6]])
  })

  it('draws nothing for an empty history or one that ends before the window', () => {
    const target = buffer(8, 8)
    drawStepLine(target, whole(target), history([]), 0, 7, X, Y, style(RED))
    drawStepLine(target, whole(target), history([[1, 2]]), 5, 4, X, Y, style(RED))
    assert.ok(target.pixels.every(pixel => pixel === 0))
  })

  it('scales time and height to device pixels, rounding to whole ones', () => {
    const target = buffer(10, 6)
    // 1,000 ms a column from t = 10 s; heights 100 to 104 on rows 5 to 1
    const x = { from: 10_000, scale: 1 / 1000, to: 0 }
    const y = { from: 100, scale: -1, to: 5 }
    drawStepLine(target, whole(target), history([[10_000, 101], [13_400, 103], [16_600, 104]]), 10_000, 19_000, x, y, style(BLUE))
    assert.deepEqual(picture(target), [
      '..........',
      '.......bbb',
      '...bbbbb..',
      '...b......',
      'bbbb......',
      '..........'
    ])
  })

  it('draws the steps of pointsInWindow, whatever the window, scale, width and dash', () => {
    // a small linear congruential generator: the same "random" histories every run
    let seed = 7
    const next = (): number => { seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31; return seed / 2 ** 31 }
    for (let round = 0; round < 50; round++) {
      const points: Array<[number, number]> = []
      let at = Math.floor(next() * 10)
      let height = 5 + Math.floor(next() * 5)
      for (let k = 0; k < 12; k++) {
        points.push([at, height])
        at += Math.floor(next() * 8)
        height += Math.floor(next() * 4) - 1
      }
      const windowStart = Math.floor(next() * 40)
      const end = windowStart + Math.floor(next() * 60)
      const x = { from: windowStart, scale: 0.3 + next() * 2, to: 2 }
      const y = { from: 0, scale: -(0.5 + next() * 3), to: 60 }
      const lineStyle = style(RED, 1 + Math.floor(next() * 4), next() < 0.3)
      const clip = { left: 3, top: 4, right: 70, bottom: 55 }

      const drawn = buffer(80, 64)
      drawStepLine(drawn, clip, history(points), windowStart, end, x, y, lineStyle)
      const expected = buffer(80, 64)
      const column = (t: number): number => Math.round((t - x.from) * x.scale + x.to)
      const row = (h: number): number => Math.round((h - y.from) * y.scale + y.to)
      const steps = pointsInWindow(history(points), windowStart, end)
      steps.forEach(([t, h], k) => {
        const following = steps[k + 1]
        if (following === undefined) return
        horizontalRun(expected, clip, column(t), column(following[0]), row(h), lineStyle)
        // no step where the row stays: a dash pattern runs on
        if (row(h) !== row(following[1])) verticalRun(expected, clip, column(following[0]), row(h), row(following[1]), lineStyle)
      })
      // the line ends on a run to the end, whole even when it ends on a step
      const last = steps.at(-1)
      if (last !== undefined) horizontalRun(expected, clip, column(last[0]), column(end), row(last[1]), lineStyle)
      assert.deepEqual(picture(drawn), picture(expected), `round ${round}`)
    }
  })

  it('draws each line from its own points when one long history is drawn before a short one', () => {
    // the points are copied into arrays reused from line to line: the short line must not
    // carry on with the long one's steps
    const long = history([[0, 1], [2, 2], [4, 3], [6, 4], [8, 5], [10, 6]])
    const short = history([[0, 1]])
    const both = buffer(12, 8)
    drawStepLine(both, whole(both), long, 0, 11, X, Y, style(RED))
    drawStepLine(both, whole(both), short, 0, 11, X, Y, style(BLUE))
    const alone = buffer(12, 8)
    drawStepLine(alone, whole(alone), long, 0, 11, X, Y, style(RED))
    drawStepLine(alone, whole(alone), history([[0, 1]]), 0, 11, X, Y, style(BLUE))
    assert.deepEqual(picture(both), picture(alone))
    assert.equal(picture(both)[6], 'bbbbbbbbbbbb')
  })

  it('lets a line drawn later cover one drawn before', () => {
    const target = buffer(6, 4)
    drawStepLine(target, whole(target), history([[0, 2]]), 0, 5, X, { from: 0, scale: -1, to: 3 }, style(RED))
    drawStepLine(target, whole(target), history([[2, 2]]), 0, 3, X, { from: 0, scale: -1, to: 3 }, style(BLUE))
    assert.equal(picture(target)[1], 'rrbbrr')
  })
})

describe('lines shared by nodes in step (a recorded moment)', () => {
  function line (shared: HeightHistory, status: NodeView['status'] = 'in-sync', lastHeartbeatAt = 100): NodeView {
    return {
      node: {
        peerId: 'p', nickname: 'n', height: shared.lastHeight(), head: '{ a }', minerAddress: null, genesisCid: null, connected: true, firstSeenAt: 0,
        lastHeartbeatAt, missing: false, disconnectedAt: null, connectedAt: null, beatPeriodMs: null, history: shared, client: null, clientVersion: null,
        nodePeerId: null, syncing: null, finalizedHeight: null
      },
      status, lag: 0, pinned: false, headColor: 0, branch: null, propagationMs: null
    }
  }

  it('are drawn once, as their last copy, and the picture is the one every copy drawn gives', () => {
    const one = history([[0, 1], [4, 3], [8, 5]])
    const other = history([[0, 2], [6, 4]])
    const red = style(RED)
    const blue = style(BLUE)
    const styleOf = (view: NodeView): LineStyle => view.status === 'offline' ? blue : view.node.history === one ? red : blue
    // the same line before and after another that crosses it; a copy that ends earlier (offline)
    const lines = [line(one), line(other), line(one), line(one, 'offline', 5), line(one)]
    const end = (view: NodeView): number => view.status === 'offline' ? view.node.lastHeartbeatAt : 12
    const later = drawnLater(lines, styleOf, 12)
    assert.deepEqual([...later], [1, 0, 1, 0, 0])
    const draw = (skip: boolean): string[] => {
      const target = buffer(14, 8)
      lines.forEach((view, k) => {
        if (skip && later[k] === 1) return
        drawStepLine(target, whole(target), view.node.history, 0, end(view), X, Y, styleOf(view))
      })
      return picture(target)
    }
    assert.deepEqual(draw(true), draw(false))
    assert.ok(draw(false).some(row => row.includes('r')) && draw(false).some(row => row.includes('b')))
  })
})
