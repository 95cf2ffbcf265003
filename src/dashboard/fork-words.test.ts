import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ForksMessage, NetworkPanel } from '../protocol/forks.ts'
import { initialFeedState, reduceAll } from '../store/feed-state.ts'
import { deriveView } from '../store/view.ts'
import type { DashboardView, ViewOptions } from '../store/view.ts'
import { forksMessage, networkPanel, record, subscribe } from '../testing/feed-messages.ts'
import { panelState } from './fork-panel-layout.ts'
import { consensusWords } from './fork-words.ts'

const T = 1_000_000
const OPTIONS: ViewOptions = { offlineKeepMs: 60_000, filter: '', pins: [], windowMs: 600_000, headColors: 6 }

/** Three nodes at height 5 (a, b, c; b on its own head), and the relay's fork monitor. */
function viewWith (forks: ForksMessage, filter = ''): DashboardView {
  const state = reduceAll(initialFeedState(), [
    ...subscribe(T, [
      record('A', { height: 5, head: '{ m5 }', lastHeartbeatAt: T }),
      record('B', { height: 5, head: '{ other5 }', lastHeartbeatAt: T }),
      record('C', { height: 5, head: '{ m5 }', lastHeartbeatAt: T })
    ]),
    forks
  ], T)
  return deriveView(state, { state: 'live' }, T, { ...OPTIONS, filter }, null)
}

/** What the tile and the panel say of one view, side by side. */
function words (view: DashboardView): { tile: ReturnType<typeof consensusWords>, panel: string } {
  return { tile: consensusWords(view.summary, view.network.panel, T), panel: panelState(view.network.panel, T, '').text }
}

describe('the consensus tile and the fork panel say the same', () => {
  it('says one chain with its nodes, and no chain at all when no node beats (a moment the relay was down)', () => {
    assert.equal(panelState(networkPanel(T, { branches: [[0, 1, 2]], height: 5 }), T, '').text, 'One chain · 3 nodes on it')
    const empty = { ...networkPanel(T, { branches: [[0, 1, 2]], height: 5 }), branches: [] }
    assert.deepEqual(panelState(empty, T, ''), { tone: 'none', text: 'No node is beating' })
  })

  it('names the nodes on the other branch while the fork is open', () => {
    const { tile, panel } = words(viewWith(forksMessage(T, { branches: [[0, 2], [1]], forked: true, height: 5 })))
    assert.equal(tile.label, 'Fork')
    assert.equal(tile.value, '2 branches')
    assert.equal(tile.more, 'other branches: b')
    assert.match(panel, /^FORK #1 · 2 branches · split after 4 · 1 deep · for 5 s$/)
  })

  it('says the fork is ending, in both, while the relay keeps it open with every node back on one branch', () => {
    // the reorg has settled: the relay's panel has one branch with all three, and keeps the
    // fork open for a block time in case a node shows up on the other branch again
    const settled: NetworkPanel = { ...networkPanel(T, { branches: [[0, 1, 2]], forked: true, height: 5 }) }
    settled.fork = { id: 1, startedAt: T - 5_000, calledAt: T - 4_000, splitHeight: 4, depth: 3, sides: 2 }
    const view = viewWith({ t: 'forks', at: T, networks: [settled] })
    assert.equal(view.summary.forked, true, 'the relay\'s word: the fork is still open')
    assert.deepEqual(view.summary.inDispute, [])
    const { tile, panel } = words(view)
    // before: the tile said "2 branches" and "no node on another branch now" beside a panel
    // that said "FORK #1 · 2 branches" over one lane of every node
    assert.equal(tile.value, 'ending')
    assert.equal(tile.more, 'every node on one branch again')
    assert.equal(panel, 'FORK #1 · ending: every node on one branch again · 3 deep · for 5 s')
    assert.doesNotMatch(`${tile.value} ${tile.more ?? ''} ${panel}`, /2 branches|no node/)
  })

  it('counts the nodes on another branch that a filter hides, as the panel does, rather than saying there are none', () => {
    const forks = forksMessage(T, { branches: [[0, 2], [1]], forked: true, height: 5 })
    // ?filter=a shows a alone: b, the node on the other branch, is not in the table
    const hidden = words(viewWith(forks, 'a'))
    assert.equal(hidden.tile.value, '2 branches')
    assert.equal(hidden.tile.more, 'other branches: 1 node')
    assert.match(hidden.panel, /2 branches/)
  })

  it('names the nodes shown and counts the rest by the relay\'s count', () => {
    const panel = networkPanel(T, { branches: [[0, 2], [1]], forked: true, height: 5 })
    // the relay counts 7 on the other branch (the page's columns place b alone)
    const branch = panel.branches[1]
    assert.ok(branch !== undefined)
    branch.nodes = 7
    const { tile } = words(viewWith({ t: 'forks', at: T, networks: [panel] }))
    assert.equal(tile.more, 'other branches: b +6')
  })
})
