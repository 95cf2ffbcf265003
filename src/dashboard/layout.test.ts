// The chart's and the table's layout maths, tested without a browser.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HeightHistory } from '../store/height-history.ts'
import type { NodeEntry } from '../store/feed-state.ts'
import type { NodeStatus, NodeView } from '../store/view.ts'
import { chartExtent, layoutLabels, pointsInWindow, sameLines } from './chart-layout.ts'
import { COLUMN_EM, tableLayout, tableShare } from './table-layout.ts'

function view (nickname: string, points: Array<[number, number]>, status: NodeStatus = 'in-sync'): NodeView {
  const history = new HeightHistory(8)
  for (const [at, height] of points) history.push(at, height)
  const node: NodeEntry = {
    peerId: `12D3KooW${nickname}`, nickname, height: history.lastHeight(), head: '{ a }', minerAddress: null, genesisCid: null,
    connected: status !== 'offline', firstSeenAt: 0, lastHeartbeatAt: history.lastAt(), missing: false, disconnectedAt: null, connectedAt: null, beatPeriodMs: null, history,
    client: null, clientVersion: null, nodePeerId: null, syncing: null, finalizedHeight: null
  }
  return { node, status, lag: 0, pinned: false, headColor: 0, branch: null, propagationMs: null }
}

describe('pointsInWindow', () => {
  it('starts at the window edge with the height then in force and carries the last height to the end', () => {
    const history = new HeightHistory(8)
    history.push(0, 1)
    history.push(100, 2)
    history.push(200, 3)
    assert.deepEqual(pointsInWindow(history, 150, 300), [[150, 2], [200, 3], [300, 3]])
    assert.deepEqual(pointsInWindow(history, 500, 400), [])
    // a point stamped just after the end (estimated relay clock) is drawn at the end
    assert.deepEqual(pointsInWindow(history, 150, 190), [[150, 2], [190, 3]])
  })
})

describe('chartExtent', () => {
  it('pads the heights shown and falls back to [0, 1] when there is nothing', () => {
    assert.deepEqual(chartExtent([], 0, 100), { minHeight: 0, maxHeight: 1, firstAt: 100 })
    const extent = chartExtent([view('a', [[10, 5], [20, 7]]), view('b', [[15, 6]])], 0, 100)
    assert.deepEqual(extent, { minHeight: 4, maxHeight: 8, firstAt: 10 })
    // the height in force at the window's start counts, from the window's start
    assert.deepEqual(chartExtent([view('a', [[10, 5], [20, 7]]), view('b', [[15, 6]])], 17, 100), { minHeight: 4, maxHeight: 8, firstAt: 17 })
    assert.deepEqual(chartExtent([view('a', [[10, 5], [20, 7]])], 30, 100), { minHeight: 6, maxHeight: 8, firstAt: 30 })
  })

  it('counts a height that went down (a reorg, a restarted node) from wherever the window starts', () => {
    const down = (): ReturnType<typeof view> => view('a', [[10, 5], [20, 9], [30, 2], [40, 4]])
    assert.deepEqual(chartExtent([down()], 0, 100), { minHeight: 1, maxHeight: 10, firstAt: 10 })
    assert.deepEqual(chartExtent([down(), view('b', [[10, 12]])], 25, 100), { minHeight: 1, maxHeight: 13, firstAt: 25 })
    assert.deepEqual(chartExtent([down()], 35, 100), { minHeight: 1, maxHeight: 5, firstAt: 35 })
  })
})

describe('sameLines', () => {
  it('tells a change the chart draws (a node, a status, a head colour, the order) from one it does not (a branch, lag, propagation)', () => {
    const a = view('a', [[0, 5]])
    const b = view('b', [[0, 6]])
    const lines = [a, b]
    assert.equal(sameLines(lines, [a, b]), true)
    assert.equal(sameLines(lines, [{ ...a, branch: 0, lag: 3, propagationMs: 120, pinned: true }, b]), true)
    assert.equal(sameLines(lines, [b, a]), false)
    assert.equal(sameLines(lines, [a]), false)
    assert.equal(sameLines(lines, [{ ...a, status: 'forked' }, b]), false)
    assert.equal(sameLines(lines, [{ ...a, headColor: 1 }, b]), false)
    assert.equal(sameLines(lines, [{ ...a, node: { ...a.node, height: 7 } }, b]), false)
  })
})

describe('layoutLabels', () => {
  it('groups lines whose labels would collide and names one node with a count', () => {
    const ends = [
      { view: view('alpha', [[0, 10]]), y: 100 },
      { view: view('bravo', [[0, 10]]), y: 100 },
      { view: view('charlie', [[0, 10]]), y: 105 },
      { view: view('delta', [[0, 3]]), y: 300 }
    ]
    const labels = layoutLabels(ends, 20, 0, 400)
    assert.deepEqual(labels.map(label => label.text), ['alpha +2', 'delta'])
    assert.equal(labels[1]?.y, 300)
  })

  it('keeps labels apart and inside the plot', () => {
    const ends = Array.from({ length: 10 }, (_, k) => ({ view: view(`n${k}`, [[0, k]]), y: 390 - k * 25 }))
    const labels = layoutLabels(ends, 20, 0, 400)
    const ys = labels.map(label => label.y).sort((a, b) => a - b)
    for (let k = 1; k < ys.length; k++) assert.ok((ys[k] ?? 0) - (ys[k - 1] ?? 0) >= 20 - 1e-9)
    assert.ok((ys.at(-1) ?? 0) <= 390)
  })

  it('never folds a forked node\'s label into the majority\'s, and keeps them apart', () => {
    const labels = layoutLabels([
      { view: view('main1', [[0, 10]]), y: 100 },
      { view: view('main2', [[0, 10]]), y: 100 },
      { view: view('fork1', [[0, 10]], 'forked'), y: 92, apart: 'forked' },
      { view: view('fork2', [[0, 10]], 'forked'), y: 92, apart: 'forked' }
    ], 20, 0, 400)
    assert.deepEqual(labels.map(label => label.text), ['fork1 +1', 'main1 +1'])
    assert.ok((labels[1]?.y ?? 0) - (labels[0]?.y ?? 0) >= 20 - 1e-9, 'no overlap')
  })

  it('folds each side\'s lines into one label when forked and majority lines interleave at one height', () => {
    // a short chart (two labels fit) where the ends come majority, forked, majority, forked
    const ends = [0, 1, 2, 3, 4, 5].map(k => k % 2 === 0
      ? { view: view(`main${k}`, [[0, 6]]), y: 40 + k }
      : { view: view(`fork${k}`, [[0, 6]], 'forked'), y: 40 + k, apart: 'forked' })
    const labels = layoutLabels(ends, 20, 20, 70)
    assert.deepEqual(labels.map(label => label.text).sort(), ['fork1 +2', 'main0 +2'])
    assert.ok(Math.abs((labels[1]?.y ?? 0) - (labels[0]?.y ?? 0)) >= 20 - 1e-9, 'no overlap')
  })

  it('keeps a forked label lifted above the plot\'s top apart from the majority\'s under it', () => {
    // the chart at 1,000 nodes with the panel open: the best height at the plot's top, the
    // forked nodes' label lifted above their line, so past the top
    const ends = [
      ...[0, 1, 2].map(k => ({ view: view(`main${k}`, [[0, 100]]), y: 10 + k * 0.6 })),
      ...[0, 1].map(k => ({ view: view(`fork${k}`, [[0, 100]], 'forked'), y: -4 + k * 0.6, apart: 'forked' }))
    ]
    const labels = layoutLabels(ends, 22.5, 5, 65)
    assert.deepEqual(labels.map(label => label.text), ['fork0 +1', 'main0 +2'])
    assert.ok((labels[1]?.y ?? 0) - (labels[0]?.y ?? 0) >= 22.5 - 1e-9, `no overlap: ${labels.map(label => label.y).join(', ')}`)
    assert.ok((labels[0]?.y ?? 0) >= 5 + 22.5 / 2 - 1e-9, 'inside the plot')
  })

  it('names a node that still beats before an offline one', () => {
    const labels = layoutLabels([
      { view: view('gone', [[0, 1]], 'offline'), y: 50 },
      { view: view('here', [[0, 1]]), y: 50 }
    ], 20, 0, 100)
    assert.equal(labels[0]?.text, 'here +1')
  })
})

describe('tableLayout', () => {
  const rem = 18 // 1080p

  it('shows a few nodes in one column with the largest type', () => {
    const layout = tableLayout(8, 1880, 500, rem)
    assert.equal(layout.columns, 1)
    assert.equal(layout.hidden, 0)
    assert.equal(layout.fontSize, 1.3 * rem)
  })

  it('splits fifty nodes into columns so that all of them fit', () => {
    const height = tableShare(50, 1880, 860, rem) * 860
    const layout = tableLayout(50, 1880, height, rem)
    assert.ok(layout.columns >= 2)
    assert.equal(layout.hidden, 0)
    assert.ok(layout.rowHeight * (layout.rowsPerColumn + 1) <= height)
  })

  it('gives the table no more height than its type can use when the width limits the type', () => {
    // four nodes in a table narrowed by the event list: the width caps the type below the largest
    const width = COLUMN_EM * 1.2 * rem
    const share = tableShare(4, width, 600, rem)
    const layout = tableLayout(4, width, share * 600, rem)
    assert.ok(layout.fontSize < 1.3 * rem - 0.5, 'the width limits the type')
    assert.ok(share < 0.36, `share ${share}: the least, the chart keeps the rest`)
    assert.equal(layout.fontSize, tableLayout(4, width, 10_000, rem).fontSize, 'as large as any height would make it')
  })

  it('leaves the chart row a share read from across a room when rows are cut at any share', () => {
    // 1,000 nodes: in a fork at 1080p (about 480 px under the fork panel), with a banner too,
    // live (about 740 px), and at 4K (twice the pixels and the rem)
    for (const [height, r] of [[480, rem], [420, rem], [740, rem], [960, 2 * rem], [1480, 2 * rem]] as const) {
      const share = tableShare(1000, 1880 * r / rem, height, r)
      const chart = (1 - share) * height
      assert.ok(chart >= 0.4 * height - 0.01, `at ${height} px the chart row has ${chart} px, under 40%`)
      assert.ok(chart >= 12 * r - 0.01, `at ${height} px the chart row has ${chart} px, under 12 rem`)
      assert.ok(share >= 0.35, 'the table keeps its least share')
      const layout = tableLayout(1000, 1880 * r / rem, share * height, r)
      assert.ok(layout.hidden > 0 && layout.rowsPerColumn > 0, 'the table shows a sample and counts the rest')
    }
    // 1080p and 4K split alike
    assert.equal(tableShare(1000, 1880, 480, rem), tableShare(1000, 3760, 960, 2 * rem))
    // a few rows cut at the largest share are enough: the chart's row is the picture
    const most = tableLayout(70, 1880, 0.75 * 740, rem)
    assert.ok(most.hidden > 0, 'seventy nodes do not fit the largest share')
    assert.ok(tableShare(70, 1880, 740, rem) <= 0.6 + 1e-9)
  })

  it('gives a table that fits every node at its largest share the height for its type, over the cut tables\' chart share', () => {
    // ten nodes in a fork at 1080p: one column at the largest type, all rows, the chart the rest
    const share = tableShare(10, 1880, 480, rem)
    const layout = tableLayout(10, 1880, share * 480, rem)
    assert.equal(layout.hidden, 0)
    assert.ok(layout.fontSize >= 1.3 * rem - 0.5, `type ${layout.fontSize} px`)
    assert.ok(share > 0.6, `share ${share}: more than cut tables get`)
    assert.ok(share < 0.75, `share ${share}: no more than its type uses`)
  })

  it('leaves the chart its last 7 rem however many rows that cuts', () => {
    // a banner and the fork panel open on a short screen: the chart keeps a readable strip
    for (const height of [200, 300, 400]) {
      const share = tableShare(50, 1880, height, rem)
      assert.ok((1 - share) * height >= Math.min(7 * rem, 0.65 * height) - 0.01, `at ${height} px the chart has ${(1 - share) * height} px`)
    }
  })

  it('cuts rows, with a count, when even the smallest type cannot fit them, never overflowing the width', () => {
    const layout = tableLayout(1000, 1880, 600, rem)
    assert.ok(layout.hidden > 0)
    assert.equal(layout.hidden, 1000 - layout.columns * layout.rowsPerColumn)
    // each column needs COLUMN_EM of its ems, plus 1.5 rem between columns
    assert.ok(layout.columns * COLUMN_EM * layout.fontSize + (layout.columns - 1) * 1.5 * rem <= 1880, `${layout.columns} columns at ${layout.fontSize}px`)
  })

  it('shows rows cut at the smallest type in as many columns as fit, so as many rows as fit', () => {
    // a thousand nodes in a short table: one column of the screen's width showed half the rows
    const layout = tableLayout(1000, 1880, 270, rem)
    assert.equal(layout.columns, 2)
    assert.equal(layout.fontSize, 0.75 * rem)
    assert.equal(layout.hidden, 1000 - 2 * layout.rowsPerColumn)
    assert.ok(layout.rowsPerColumn >= 12, `${layout.rowsPerColumn} rows a column`)
  })

  it('leaves the line that counts cut rows its height under the last row', () => {
    // the line is 1.43 rem tall, a row of the smallest type 0.975 rem: at 4K a table of 597 px
    // had its last row under the line
    for (let height = 150; height <= 1300; height += 7) {
      for (const r of [rem, 2 * rem]) {
        const layout = tableLayout(1000, 1880 * r / rem, height * r / rem, r)
        assert.ok(layout.hidden > 0)
        assert.ok((layout.rowsPerColumn + 1) * layout.rowHeight + 1.43 * r <= height * r / rem + 1e-6, `at ${height * r / rem} px, ${layout.rowsPerColumn} rows`)
      }
    }
  })

  it('lays out 4K exactly as 1080p, twice the size', () => {
    const small = tableLayout(30, 1880, 600, rem)
    const large = tableLayout(30, 3760, 1200, 2 * rem)
    assert.equal(large.columns, small.columns)
    assert.equal(large.rowsPerColumn, small.rowsPerColumn)
    assert.equal(large.fontSize, 2 * small.fontSize)
  })
})
