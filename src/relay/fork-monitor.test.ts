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

  it('moves a node with no genesis to a new main network with its last head\'s parent, so a split there is called at its first block', () => {
    const monitor = new ForkMonitor()
    let now = 0
    const events: MonitorEvent[] = []
    // G1's nodes 0 and 1 on their chain; on G2's chain node 2 and node 3, which reports no
    // genesis (so it is in the main network, G1, for now); G2's nodes report their heads' parents
    const heads = new Map<number, { genesis: string | null, height: number, head: string, parent?: string }>()
    const set = (i: number, genesis: string | null, height: number, head: string, parent?: string): void => {
      heads.set(i, parent === undefined ? { genesis, height, head } : { genesis, height, head, parent })
      monitor.beat(i, genesis, height, head, now, parent)
    }
    /** every node in `beating` beats every 500 ms, the monitor evaluates every 250 ms */
    const run = (ms: number, beating: number[]): void => {
      for (const end = now + ms; now < end;) {
        now += 250
        if (now % 500 === 0) for (const i of beating) { const h = heads.get(i)!; monitor.beat(i, h.genesis, h.height, h.head, now, h.parent) }
        events.push(...monitor.evaluate(now))
      }
    }
    for (let h = 1; h <= 4; h++) {
      set(0, G1, h, `{ bafyg${h} }`)
      set(1, G1, h, `{ bafyg${h} }`)
      set(2, G2, h, `0xm${h}`, `0xm${h - 1}`)
      set(3, null, h, `0xm${h}`, `0xm${h - 1}`)
      run(BLOCK, [0, 1, 2, 3])
    }
    assert.equal(monitor.main, G1)
    // split validators: node 2 makes a block at slot 5 on 4, node 3 one at slot 6 on 4
    set(2, G2, 5, '0xa5', '0xm4')
    run(BLOCK, [0, 1, 2, 3])
    set(3, null, 6, '0xb6', '0xm4')
    const diverged = now
    // G1's nodes leave: G2 is the main network now, and node 3 goes with it as it last beat
    // (it beats no more here: only its moved beat can say what its head follows)
    monitor.disconnected(0)
    monitor.disconnected(1)
    run(BLOCK + 250, [2])
    assert.equal(monitor.main, G2)
    const started = events.filter(event => event.kind === 'fork_started' && event.genesis === G2)
    assert.equal(started.length, 1, 'one block on each side, linked by parents: a fork')
    assert.equal(started[0]?.fork.startedAt, diverged)
    assert.deepEqual(started[0]?.fork.sides.map(side => [side.tipHeight, side.nodes]).sort(), [[5, [2]], [6, [3]]])
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
