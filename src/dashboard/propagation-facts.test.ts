// The propagation tile's figures: medians over the shown nodes, gathered into arrays that are
// reused from one update to the next.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HeightHistory } from '../store/height-history.ts'
import type { NodeEntry } from '../store/feed-state.ts'
import type { NodeStatus, NodeView } from '../store/view.ts'
import { propagationFacts } from './propagation-facts.ts'

function view (propagationMs: number | null, beatPeriodMs: number | null, status: NodeStatus = 'in-sync', client: string | null = null): NodeView {
  const node: NodeEntry = {
    peerId: `p${Math.random()}`, nickname: '', height: 1, head: '{ a }', minerAddress: null, genesisCid: null,
    connected: status !== 'offline', firstSeenAt: 0, lastHeartbeatAt: 0, missing: false, disconnectedAt: null, connectedAt: null, beatPeriodMs,
    history: new HeightHistory(4), client, clientVersion: null, nodePeerId: null, syncing: null, finalizedHeight: null
  }
  return { node, status, lag: 0, pinned: false, headColor: 0, branch: null, propagationMs }
}

const watched = (v: NodeView): boolean => v.node.client !== null

describe('propagationFacts', () => {
  it('takes the median of the nodes\' medians, odd and even, leaving out offline nodes and other networks', () => {
    assert.deepEqual(propagationFacts([view(300, null), view(100, null), view(200, null), view(9_000, null, 'offline')], watched), { medianMs: 200, measured: 3, beatBoundMs: null })
    assert.deepEqual(propagationFacts([view(400, null), view(100, null), view(250, null), view(7, null, 'other-network'), view(300, null)], watched).medianMs, 275)
    assert.deepEqual(propagationFacts([view(null, null)], watched), { medianMs: null, measured: 0, beatBoundMs: null })
  })

  it('says the figures are bounded by the beats of nodes on a timer slower than a second, not by watched nodes\'', () => {
    assert.equal(propagationFacts([view(10, 3000), view(10, 2500), view(10, 900)], watched).beatBoundMs, 2500)
    assert.equal(propagationFacts([view(10, 500), view(10, 900)], watched).beatBoundMs, null)
    assert.equal(propagationFacts([view(10, 3000, 'in-sync', 'lodestar'), view(10, 3000, 'in-sync', 'lodestar')], watched).beatBoundMs, null)
  })

  it('gives each call its own nodes\' figures: a call with fewer nodes after one with many carries none of theirs', () => {
    const many = Array.from({ length: 1001 }, (_, k) => view(k, 2000 + k))
    assert.deepEqual(propagationFacts(many, watched), { medianMs: 500, measured: 1001, beatBoundMs: 2500 })
    assert.deepEqual(propagationFacts([view(40, 1500), view(20, 1100)], watched), { medianMs: 30, measured: 2, beatBoundMs: 1300 })
    assert.deepEqual(propagationFacts([], watched), { medianMs: null, measured: 0, beatBoundMs: null })
  })
})
