// The chart's window over a history: its points copied out of the ring into reused arrays.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HeightHistory } from '../store/height-history.ts'
import type { NodeEntry } from '../store/feed-state.ts'
import type { NodeStatus, NodeView } from '../store/view.ts'
import { fillLabelEnds, inDrawOrder, layoutLabels, pointsInWindow, windowPoints } from './chart-layout.ts'
import type { LabelEnd } from './chart-layout.ts'

function history (capacity: number, points: Array<[number, number]>): HeightHistory {
  const result = new HeightHistory(capacity)
  for (const [at, height] of points) result.push(at, height)
  return result
}

/** windowPoints' answer as pairs, read before the next call refills it. */
function pairs (h: HeightHistory, windowStart: number): Array<[number, number]> {
  const { at, height, n } = windowPoints(h, windowStart)
  return Array.from({ length: n }, (_, k) => [at[k] as number, height[k] as number])
}

describe('windowPoints', () => {
  it('gives the point in force at the window\'s start and those after it, across the ring\'s wrap', () => {
    const h = history(4, [[10, 1], [20, 2], [30, 3], [40, 4], [50, 5], [60, 6]])
    assert.deepEqual(pairs(h, 45), [[40, 4], [50, 5], [60, 6]])
    assert.deepEqual(pairs(h, 0), [[30, 3], [40, 4], [50, 5], [60, 6]])
    assert.deepEqual(pairs(h, 100), [[60, 6]])
  })

  it('refills one object on every call: a shorter history after a longer one shows only its own points', () => {
    const long = history(8, [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]])
    const short = history(8, [[7, 9]])
    const first = windowPoints(long, 0)
    assert.equal(first.n, 5)
    const second = windowPoints(short, 0)
    // the same object, refilled: what the long history put there is past n
    assert.equal(second, first)
    assert.deepEqual(pairs(short, 0), [[7, 9]])
    assert.deepEqual(pairs(history(8, []), 0), [])
  })

  it('grows its arrays for a history longer than any read before', () => {
    const points: Array<[number, number]> = Array.from({ length: 3000 }, (_, k) => [k, k])
    const big = history(4096, points)
    const got = pairs(big, 0)
    assert.equal(got.length, 3000)
    assert.deepEqual(got.at(-1), [2999, 2999])
    // the same steps as pointsInWindow, less the carried end
    assert.deepEqual(got.slice(0, 3), pointsInWindow(big, 0, 2999).slice(0, 3))
  })
})

function node (nickname: string, height: number, status: NodeStatus = 'in-sync', points = 1): NodeView {
  const h = new HeightHistory(8)
  for (let k = 0; k < points; k++) h.push(k, height)
  const entry: NodeEntry = {
    peerId: `12D3KooW${nickname}`, nickname, height, head: '{ a }', minerAddress: null, genesisCid: null,
    connected: status !== 'offline', firstSeenAt: 0, lastHeartbeatAt: 0, missing: false, disconnectedAt: null, connectedAt: null, beatPeriodMs: null,
    history: h, client: null, clientVersion: null, nodePeerId: null, syncing: null, finalizedHeight: null
  }
  return { node: entry, status, lag: 0, pinned: false, headColor: 0, branch: null, propagationMs: null }
}

const yOf = (height: number): number => 100 - height

describe('fillLabelEnds', () => {
  it('puts each line\'s end at its height, a forked one lifted and apart, and leaves out lines with nothing in the window', () => {
    const ends: LabelEnd[] = []
    const count = fillLabelEnds(ends, [node('a', 10), node('f', 10, 'forked'), node('empty', 10, 'in-sync', 0)], 50, 0, yOf, 4)
    assert.equal(count, 2)
    assert.deepEqual(ends.map(end => [end.view.node.nickname, end.y, end.apart]), [['a', 90, undefined], ['f', 86, 'forked']])
  })

  it('fills the same objects again, carrying nothing of the last redraw: a node no longer forked is no longer apart', () => {
    const ends: LabelEnd[] = []
    fillLabelEnds(ends, [node('f', 10, 'forked'), node('b', 20), node('c', 30)], 50, 0, yOf, 4)
    const objects = [...ends]
    const count = fillLabelEnds(ends, [node('f', 12)], 50, 0, yOf, 4)
    assert.equal(count, 1)
    assert.equal(ends[0], objects[0], 'the same object, filled again')
    assert.deepEqual(ends.map(end => [end.view.node.nickname, end.y, end.apart]), [['f', 88, undefined]])
    assert.equal(ends.length, 1, 'nothing of b and c kept')
    // the labels are those of fresh ends
    const f = ends[0]?.view
    assert.ok(f !== undefined)
    assert.deepEqual(layoutLabels(ends, 2, 0, 100, count), layoutLabels([{ view: f, y: 88 }], 2, 0, 100))
  })
})

describe('layoutLabels', () => {
  it('reads only the first `count` ends', () => {
    const ends: LabelEnd[] = [{ view: node('a', 10), y: 10 }, { view: node('b', 50), y: 50 }, { view: node('c', 90), y: 90 }]
    assert.deepEqual(layoutLabels(ends, 5, 0, 100, 2).map(label => label.text), ['a', 'b'])
    assert.deepEqual(layoutLabels(ends, 5, 0, 100).map(label => label.text), ['a', 'b', 'c'])
  })
})

describe('inDrawOrder', () => {
  it('puts the lines that matter last (drawn on top), each status in list order, and leaves out other networks', () => {
    const nodes = [node('s1', 1, 'in-sync'), node('o1', 1, 'offline'), node('f1', 1, 'forked'), node('s2', 1, 'in-sync'), node('x', 1, 'other-network'), node('b1', 1, 'behind'), node('o2', 1, 'offline'), node('m', 1, 'missing')]
    assert.deepEqual(inDrawOrder(nodes).map(v => v.node.nickname), ['m', 'o1', 'o2', 'b1', 's1', 's2', 'f1'])
    assert.deepEqual(inDrawOrder([]), [])
  })
})
