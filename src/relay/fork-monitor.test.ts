import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ForkMonitor } from './fork-monitor.ts'
import type { MonitorEvent } from './fork-monitor.ts'

const BLOCK = 1_000
const G1 = 'bafygenesisone'
const G2 = 'bafygenesistwo'

/** Nodes beating every 250 ms on a fake clock, each with a genesis and a chain. */
function run (monitor: ForkMonitor, nodes: Map<number, { genesis: string | null, chain: string }>, from: number, to: number, clock: { now: number }): MonitorEvent[] {
  const events: MonitorEvent[] = []
  for (let h = from; h <= to; h++) {
    for (let t = 0; t < BLOCK; t += 250) {
      clock.now += 250
      for (const [i, { genesis, chain }] of nodes) monitor.beat(i, genesis, h, `{ bafy${chain}${h} }`, clock.now)
      events.push(...monitor.evaluate(clock.now))
    }
  }
  return events
}

describe('ForkMonitor', () => {
  it('keeps a node of another genesis out: another network, no fork, even at the same heights', () => {
    const monitor = new ForkMonitor()
    const clock = { now: 0 }
    const nodes = new Map([
      [0, { genesis: G1, chain: 'm' }],
      [1, { genesis: G1, chain: 'm' }],
      [2, { genesis: G1, chain: 'm' }],
      // a node started on the wrong genesis: its own chain, at the same heights
      [3, { genesis: G2, chain: 'w' }]
    ])
    assert.deepEqual(run(monitor, nodes, 1, 15, clock), [], 'no fork')
    assert.equal(monitor.main, G1)
    const panels = monitor.panels(clock.now)
    assert.deepEqual(panels.map(panel => [panel.genesis, panel.main, panel.nodes, panel.tracked]), [[G1, true, 3, true], [G2, false, 1, true]])
    assert.equal(panels[0]?.branches.length, 1)
    assert.equal(panels[0]?.branches[0]?.nodes, 3)
    assert.deepEqual(panels[0]?.columns.at(-1)?.rounds[0]?.nodes, [0, 1, 2])
    assert.equal(panels[1]?.branches[0]?.nodes, 1)
  })

  it('counts nodes that report no genesis in the largest network, and follows a node that changes genesis', () => {
    const monitor = new ForkMonitor()
    const clock = { now: 0 }
    const nodes = new Map([
      [0, { genesis: G1, chain: 'm' }],
      [1, { genesis: G1, chain: 'm' }],
      [2, { genesis: null, chain: 'm' }],
      [3, { genesis: G2, chain: 'w' }]
    ])
    run(monitor, nodes, 1, 5, clock)
    assert.equal(monitor.panels(clock.now)[0]?.nodes, 3, 'the node with no genesis is in the main network')
    // node 1 restarts on the other genesis: G2 has 2 explicit, G1 has 1 (and the null one)
    nodes.set(1, { genesis: G2, chain: 'w' })
    nodes.set(0, { genesis: G2, chain: 'w' })
    const events = run(monitor, nodes, 6, 12, clock)
    assert.equal(monitor.main, G2, 'the largest network is the main one')
    const panels = monitor.panels(clock.now)
    assert.deepEqual(panels.map(panel => [panel.genesis, panel.nodes]), [[G2, 4]], 'G1 is gone with its last node')
    // the node with no genesis went with the main network, still on its old chain: it says
    // nothing of its genesis, so that is a branch of this network
    assert.equal(panels[0]?.branches.length, 2)
    assert.deepEqual(events.map(event => [event.kind, event.genesis]), [['fork_started', G2]], 'nodes that moved to another genesis are not branches')
    assert.deepEqual(panels[0]?.branches.map(branch => branch.nodes), [3, 1])
  })

  it('tracks at most maxNetworks networks and counts the rest', () => {
    const monitor = new ForkMonitor({ maxNetworks: 2 })
    const clock = { now: 0 }
    const nodes = new Map([
      [0, { genesis: 'bafya', chain: 'a' }],
      [1, { genesis: 'bafya', chain: 'a' }],
      [2, { genesis: 'bafyb', chain: 'b' }],
      [3, { genesis: 'bafyc', chain: 'c' }]
    ])
    run(monitor, nodes, 1, 3, clock)
    const panels = monitor.panels(clock.now)
    assert.equal(panels.length, 3)
    assert.equal(panels.filter(panel => panel.tracked).length, 2)
    assert.equal(panels.find(panel => !panel.tracked)?.branches.length, 0)
  })

  it('numbers forks across networks, and reports them with their genesis', () => {
    const monitor = new ForkMonitor()
    const clock = { now: 0 }
    const nodes = new Map([
      [0, { genesis: G1, chain: 'm' }],
      [1, { genesis: G1, chain: 'm' }],
      [2, { genesis: G1, chain: 'm' }]
    ])
    run(monitor, nodes, 1, 5, clock)
    nodes.set(2, { genesis: G1, chain: 'f' })
    const events = run(monitor, nodes, 6, 9, clock)
    assert.deepEqual(events.map(event => [event.kind, event.genesis, event.fork.id]), [['fork_started', G1, 1]])
    assert.equal(monitor.forksSoFar, 1)
    assert.equal(monitor.openForks()[0]?.fork.id, 1)
  })
})
