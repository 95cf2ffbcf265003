// Where the page puts each node among the relay's branches: a branch number per node, per panel.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { networkPanel } from '../testing/feed-messages.ts'
import { chooseNetwork, inNetwork, onMinorityBranch, panelBranches } from './forks-view.ts'
import type { ForksMessage } from '../protocol/forks.ts'

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

describe('chooseNetwork', () => {
  const G = 'bafy2bzacegenesisg'
  const H = 'bafy2bzacegenesish'
  const node = (genesisCid: string | null): { genesisCid: string | null, connected: boolean } => ({ genesisCid, connected: true })

  it('takes the relay\'s networks and their panels when they count every connected node\'s genesis', () => {
    const panel = networkPanel(1, { genesis: G, branches: [[0, 1]] })
    const forks: ForksMessage = { t: 'forks', at: 1, networks: [panel, { ...networkPanel(1, { genesis: H, branches: [[2, 3, 4]] }), main: false }] }
    // the relay calls G the largest (it counts nodes the page may not hold): the page agrees
    const choice = chooseNetwork(forks, [node(G), node(G), node(H), node(H), node(H)], null)
    assert.equal(choice.genesis, G)
    assert.equal(choice.panel, panel)
    assert.deepEqual(choice.others, [{ genesis: H, nodes: 3 }])
  })

  it('counts the nodes itself when the relay\'s word is older than a node\'s genesis (a snapshot taken as nodes joined)', () => {
    // the panel published before the five nodes beat: no network yet
    const early: ForksMessage = { t: 'forks', at: 1, networks: [] }
    const nodes = [node(G), node(G), node(G), node(G), node(G)]
    const choice = chooseNetwork(early, nodes, null)
    assert.equal(choice.genesis, G)
    assert.ok(nodes.every(n => inNetwork(n, choice)), 'every node is on the network shown, none on another')
    assert.equal(choice.heard, true)
    // and a panel the relay did publish for a network still goes with it
    const tracked = networkPanel(1, { genesis: H, branches: [[0]] })
    const partly = chooseNetwork({ t: 'forks', at: 1, networks: [tracked] }, [node(H), node(G), node(G)], H)
    assert.equal(partly.genesis, H)
    assert.equal(partly.panel, tracked)
    assert.deepEqual(partly.others, [{ genesis: G, nodes: 2 }])
  })
})
