import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ABANDONED, PANEL_HEIGHTS, TRUNK } from '../protocol/forks.ts'
import type { NetworkPanel, PanelRound } from '../protocol/forks.ts'
import { networkPanel } from '../testing/feed-messages.ts'
import { fitNames, forkPanelLayout, laneName, MAX_BRANCH_LANES } from './fork-panel-layout.ts'

const REM = 16

function round (id: number, branch: number, parent: number | null, nodes: number[] = []): PanelRound {
  return { id, head: `{ bafy${id} }`, blocks: 1, views: 1, nodes, partial: 0, seen: nodes.length, parent, branch, at: 0 }
}

/** A fork: rounds 1-3 before the split, then two branches of three rounds, and a round left. */
function forked (): NetworkPanel {
  const panel = networkPanel(0, { branches: [[0, 1, 2], [3]], forked: true })
  return {
    ...panel,
    columns: [
      { height: 1, rounds: [round(1, TRUNK, null)], more: 0 },
      { height: 2, rounds: [round(2, TRUNK, 1)], more: 0 },
      { height: 3, rounds: [round(3, 0, 2), round(4, 1, 2), round(9, ABANDONED, 2)], more: 0 },
      { height: 4, rounds: [round(5, 0, 3, [0, 1, 2]), round(6, 1, 4, [3])], more: 0 }
    ]
  }
}

describe('fork panel layout', () => {
  it('puts heights in columns (newest right), branches in lanes (the largest on top), a lane for rounds left', () => {
    const layout = forkPanelLayout(forked(), 1200, 300, REM)
    assert.equal(layout.lanes.length, 3, 'two branches and the heads nodes moved off (left behind)')
    assert.deepEqual(layout.lanes.map(lane => [lane.branch, lane.tone]), [[0, 'calm'], [1, 'loud'], [null, 'abandoned']])
    const x = (id: number): number => layout.boxes.find(box => box.round.id === id)?.x ?? NaN
    const y = (id: number): number => layout.boxes.find(box => box.round.id === id)?.y ?? NaN
    assert.ok(x(5) > x(3) && x(3) > x(2), 'newer heights to the right')
    assert.ok(x(5) + (layout.boxes[0]?.w ?? 0) <= 1200, 'the newest column ends at the right edge')
    assert.equal(layout.columns.length, 4)
    assert.equal(layout.columns[0]?.x, layout.gutter + (PANEL_HEIGHTS - 4) * layout.columns[0]!.w, 'a young chain fills from the right')
    assert.equal(y(1), y(3), 'rounds before the split in the largest branch\'s lane')
    assert.ok(y(4) > y(3) && y(6) > y(5), 'the other branch below')
    assert.ok(y(9) > y(6), 'the abandoned round lowest')
    assert.equal(layout.boxes.find(box => box.round.id === 6)?.tone, 'loud')
    // a line from each round to the one it follows: the branch starts from the split
    const link = layout.links.find(l => l.x2 === x(4) && l.y2 > y(4))
    assert.ok(link !== undefined && link.x1 < x(4) && link.tone === 'loud')
    assert.equal(layout.links.length, 6)
  })

  it('draws a branch that is no fork (yet) in amber, and at most MAX_BRANCH_LANES branches', () => {
    const diverging = { ...forked(), fork: null }
    assert.equal(forkPanelLayout(diverging, 1200, 300, REM).lanes[1]?.tone, 'diverging')
    const many = networkPanel(0, { branches: [[0], [1], [2], [3], [4]], forked: true })
    const layout = forkPanelLayout(many, 1200, 300, REM)
    assert.equal(layout.lanes.length, MAX_BRANCH_LANES)
    assert.equal(layout.moreBranches, 5 - MAX_BRANCH_LANES)
  })

  it('names lanes: the largest, other branches by letter, a node catching up from far behind as such', () => {
    const panel = forked()
    assert.deepEqual([0, 1, null].map(k => laneName(panel, k)), ['Largest', 'Branch B', 'Left behind'])
    const diverging = { ...panel, fork: null }
    assert.equal(laneName(diverging, 1), 'Branch B', 'a branch that differs is a branch, fork or not')
    // the relay does not count a node far behind as differing (no since): it is catching up
    const behind = { ...diverging, branches: diverging.branches.map((b, k) => k === 1 ? { ...b, since: null, forked: false, height: (diverging.branches[0]?.height ?? 0) - 5 } : b) }
    assert.equal(laneName(behind, 1), 'Catching up')
  })

  it('lists as many names as fit, and how many more', () => {
    assert.deepEqual(fitNames(['a', 'b'], 3), { shown: ['a', 'b'], more: 0 })
    assert.deepEqual(fitNames(['a', 'b', 'c', 'd'], 3), { shown: ['a', 'b'], more: 2 })
    assert.deepEqual(fitNames(['a', 'b', 'c'], 1), { shown: ['a'], more: 2 }, 'one line: a name and the count')
    assert.deepEqual(fitNames(['a'], 0), { shown: [], more: 1 })
  })
})
