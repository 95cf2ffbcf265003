// Where the page puts each node among the relay's branches: a branch number per node, per panel.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { networkPanel } from '../testing/feed-messages.ts'
import { onMinorityBranch, panelBranches } from './forks-view.ts'

const byIndex: ReadonlyMap<number, string> = new Map([[0, 'A'], [1, 'B'], [2, 'C'], [3, 'D']])

describe('panelBranches', () => {
  it('gives each node the branch of the round it is on, and nothing for a node not on the panel', () => {
    const branches = panelBranches(networkPanel(1000, { branches: [[0, 1], [2]] }), byIndex)
    assert.deepEqual([...branches].sort(), [['A', 0], ['B', 0], ['C', 1]])
    assert.equal(branches.get('D'), undefined)
    assert.equal(panelBranches(null, byIndex).size, 0)
  })

  it('makes a new map for a new panel, leaving the last one as it was; the same panel gets the same map', () => {
    const panel = networkPanel(1000, { branches: [[0, 1], [2]] })
    const first = panelBranches(panel, byIndex)
    assert.equal(panelBranches(panel, byIndex), first)
    // C moved to the largest branch
    const moved = panelBranches(networkPanel(1500, { branches: [[0, 1, 2]] }), byIndex)
    assert.deepEqual([...moved].sort(), [['A', 0], ['B', 0], ['C', 0]])
    assert.equal(first.get('C'), 1)
  })

  it('never keeps a node that left the panel', () => {
    panelBranches(networkPanel(1000, { branches: [[0, 1, 2]] }), byIndex)
    const fewer = panelBranches(networkPanel(1500, { branches: [[0, 1]] }), byIndex)
    assert.deepEqual([...fewer].sort(), [['A', 0], ['B', 0]])
  })

  it('reads a new numbering afresh: the same ids may name other nodes', () => {
    const panel = networkPanel(1000, { branches: [[0], [1]] })
    assert.deepEqual([...panelBranches(panel, byIndex)].sort(), [['A', 0], ['B', 1]])
    const renumbered: ReadonlyMap<number, string> = new Map([[0, 'B'], [1, 'A']])
    assert.deepEqual([...panelBranches(networkPanel(1250, { branches: [[0], [1]] }), renumbered)].sort(), [['A', 1], ['B', 0]])
  })
})

describe('onMinorityBranch', () => {
  it('is true only for a node on a forked branch other than the largest, while the relay calls a fork', () => {
    const forked = networkPanel(1000, { branches: [[0, 1], [2]], forked: true })
    assert.equal(onMinorityBranch(1, forked), true)
    assert.equal(onMinorityBranch(0, forked), false)
    assert.equal(onMinorityBranch(undefined, forked), false)
    assert.equal(onMinorityBranch(1, networkPanel(1000, { branches: [[0, 1], [2]] })), false)
  })
})
