// The event list's names: one map kept while it is right, never one that is not.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HeightHistory } from '../store/height-history.ts'
import type { NodeEntry } from '../store/feed-state.ts'
import type { NodeView } from '../store/view.ts'
import { nicknamesOf } from './nicknames.ts'

function view (peerId: string, nickname: string, height = 1): NodeView {
  const node: NodeEntry = {
    peerId, nickname, height, head: '{ a }', minerAddress: null, genesisCid: null,
    connected: true, firstSeenAt: 0, lastHeartbeatAt: 0, missing: false, disconnectedAt: null, connectedAt: null, beatPeriodMs: null,
    history: new HeightHistory(4), client: null, clientVersion: null, nodePeerId: null, syncing: null, finalizedHeight: null
  }
  return { node, status: 'in-sync', lag: 0, pinned: false, headColor: 0, branch: null, propagationMs: null }
}

describe('nicknamesOf', () => {
  it('keeps the last map while the nodes beat, and makes a new one when a name, a node or the number changes', () => {
    const first = nicknamesOf([view('A', 'alpha'), view('B', '')], null)
    assert.deepEqual([...first], [['A', 'alpha'], ['B', '']])
    // new node views (they beat), in another order: the same names
    assert.equal(nicknamesOf([view('B', '', 2), view('A', 'alpha', 2)], first), first)
    const renamed = nicknamesOf([view('A', 'alef'), view('B', '')], first)
    assert.notEqual(renamed, first)
    assert.equal(renamed.get('A'), 'alef')
    assert.equal(first.get('A'), 'alpha', 'the last map is left as it was')
    // as many nodes, one of them another: C is named, B is not
    const swapped = nicknamesOf([view('A', 'alef'), view('C', 'gamma')], renamed)
    assert.deepEqual([...swapped].sort(), [['A', 'alef'], ['C', 'gamma']])
    assert.deepEqual([...nicknamesOf([view('A', 'alef')], swapped)], [['A', 'alef']])
    assert.equal(nicknamesOf([], null).size, 0)
  })
})
