import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ABANDONED, PANEL_HEIGHTS, PROPAGATION_EDGES_MS, TRUNK } from '../protocol/forks.ts'
import { ForkTracker, MAX_ROUNDS, MAX_ROUNDS_PER_HEIGHT } from './fork-tracker.ts'
import type { ForkTrackerEvent } from './fork-tracker.ts'

const BLOCK = 1_000

/** A tipset key of the given block names (as fake CIDs). */
function key (...blocks: string[]): string {
  return `{ ${blocks.map(block => `bafy${block}`).join(' ')} }`
}

/**
 * A devnet on a fake clock: each node has a head it beats every `beat` ms; the test moves
 * heads and time, and evaluates as the relay does (every 250 ms).
 */
class Devnet {
  readonly tracker: ForkTracker
  readonly events: ForkTrackerEvent[] = []
  readonly heads = new Map<number, { height: number, head: string, parent: string | undefined }>()
  now = 0

  constructor (tracker = new ForkTracker()) {
    this.tracker = tracker
  }

  /** A node's new head; `parent`: the head's parent, as a sender with ParentHead reports it. */
  set (i: number, height: number, head: string, parent?: string): void {
    this.heads.set(i, { height, head, parent })
    this.tracker.beat(i, height, head, this.now, parent)
  }

  /** Time passes: every node beats every 250 ms, and the tracker evaluates as often. */
  run (ms: number): void {
    const end = this.now + ms
    while (this.now < end) {
      this.now = Math.min(end, this.now + 250)
      for (const [i, { height, head, parent }] of this.heads) this.tracker.beat(i, height, head, this.now, parent)
      this.events.push(...this.tracker.evaluate(this.now))
    }
  }

  kinds (): string[] {
    return this.events.map(event => event.kind)
  }
}

/** Every node on one chain, height by height (the main chain's heads are m<h>); `parents`:
 *  each beat says its head's parent, as a watcher's does. */
function steady (net: Devnet, nodes: number[], from: number, to: number, parents = false): void {
  for (let h = from; h <= to; h++) {
    for (const i of nodes) net.set(i, h, key(`m${h}`), parents ? key(`m${h - 1}`) : undefined)
    net.run(BLOCK)
  }
}

describe('ForkTracker', () => {
  it('follows one chain as one branch of rounds, each after the one before', () => {
    const net = new Devnet()
    steady(net, [0, 1, 2], 1, 20)
    assert.deepEqual(net.events, [])
    const panel = net.tracker.panel(net.now)
    assert.equal(panel.branches.length, 1)
    assert.equal(panel.branches[0]?.nodes, 3)
    assert.equal(panel.branches[0]?.largest, true)
    assert.equal(panel.fork, null)
    assert.equal(panel.divergingSince, null)
    assert.equal(panel.blockTimeMs, BLOCK)
    assert.equal(panel.columns.length, PANEL_HEIGHTS, 'the last heights as columns')
    const columns = panel.columns
    assert.deepEqual(columns.map(column => column.height), Array.from({ length: PANEL_HEIGHTS }, (_, k) => 20 - PANEL_HEIGHTS + 1 + k))
    for (let k = 0; k < columns.length; k++) {
      const rounds = columns[k]?.rounds ?? []
      assert.equal(rounds.length, 1)
      assert.equal(rounds[0]?.branch, 0)
      if (k > 0) assert.equal(rounds[0]?.parent, columns[k - 1]?.rounds[0]?.id, 'each round follows the one before')
    }
    assert.deepEqual(columns.at(-1)?.rounds[0]?.nodes, [0, 1, 2], 'the nodes on the tip')
    assert.equal(columns.at(-1)?.rounds[0]?.head, key('m20'))
  })

  it('reads a round seen in part (2 of its 3 blocks) as one round: no fork however long', () => {
    const net = new Devnet()
    steady(net, [0, 1, 2, 3], 1, 3)
    for (let h = 4; h <= 15; h++) {
      for (const i of [0, 1]) net.set(i, h, key(`a${h}`, `b${h}`, `c${h}`))
      // these two never get c's blocks
      for (const i of [2, 3]) net.set(i, h, key(`a${h}`, `b${h}`))
      net.run(BLOCK)
    }
    assert.deepEqual(net.kinds(), [])
    const panel = net.tracker.panel(net.now)
    assert.equal(panel.branches.length, 1)
    assert.equal(panel.divergingSince, null)
    const tip = panel.columns.at(-1)?.rounds
    assert.equal(tip?.length, 1, 'one box at the height')
    assert.equal(tip?.[0]?.blocks, 3)
    assert.equal(tip?.[0]?.views, 2, 'seen two ways')
    assert.equal(tip?.[0]?.partial, 2, 'by two nodes in part')
    assert.deepEqual(tip?.[0]?.nodes, [0, 1, 2, 3])
    assert.equal(tip?.[0]?.head, key('a15', 'b15', 'c15'), 'shown as whole as anyone saw it')
  })

  it('joins parts seen apart ({a} here, {b} there) into one round when a node sees both', () => {
    const net = new Devnet()
    steady(net, [0, 1, 2], 1, 3)
    net.set(0, 4, key('a4'))
    net.set(1, 4, key('b4'))
    net.set(2, 4, key('a4'))
    net.run(300)
    assert.equal(net.tracker.panel(net.now).columns.at(-1)?.rounds.length, 2, 'two rounds, for now')
    net.set(2, 4, key('a4', 'b4'))
    net.run(300)
    const panel = net.tracker.panel(net.now)
    assert.equal(panel.columns.at(-1)?.rounds.length, 1, 'one round once a node holds both')
    assert.equal(panel.branches.length, 1)
    net.run(3 * BLOCK)
    assert.deepEqual(net.kinds(), [])
  })

  it('calls disjoint branches at the same heights a fork after a block time, with its sides, depth and duration', () => {
    const net = new Devnet()
    const all = [0, 1, 2, 3, 4, 5]
    steady(net, all, 1, 10)
    // nodes 4 and 5 follow another branch from height 11 on
    const splitAt = net.now
    let calledAt = -1
    for (let h = 11; h <= 15; h++) {
      for (const i of [0, 1, 2, 3]) net.set(i, h, key(`m${h}`))
      for (const i of [4, 5]) net.set(i, h, key(`f${h}`))
      net.run(BLOCK)
      if (calledAt < 0 && net.kinds().includes('fork_started')) calledAt = net.now
    }
    const started = net.events.find(event => event.kind === 'fork_started')
    assert.ok(started, 'a fork')
    assert.equal(started.fork.startedAt, splitAt, 'dated from when the heads first differed')
    assert.ok(started.fork.calledAt - splitAt >= BLOCK && started.fork.calledAt - splitAt <= BLOCK + 250, `called a block time after: ${started.fork.calledAt - splitAt} ms`)
    let panel = net.tracker.panel(net.now)
    assert.equal(panel.branches.length, 2)
    assert.equal(panel.branches[0]?.nodes, 4)
    assert.equal(panel.branches[1]?.nodes, 2)
    assert.equal(panel.branches[1]?.splitHeight, 10)
    assert.equal(panel.branches[1]?.forked, true)
    assert.equal(panel.fork?.depth, 5)
    assert.equal(panel.fork?.splitHeight, 10)
    const top = panel.columns.at(-1)?.rounds ?? []
    assert.equal(top.length, 2, 'two boxes at the top height')
    assert.deepEqual(top.map(round => round.branch).sort(), [0, 1])
    const split = panel.columns.find(column => column.height === 10)?.rounds[0]
    assert.equal(split?.branch, TRUNK, 'the round before the split is on both')
    const firstFork = panel.columns.find(column => column.height === 11)?.rounds.find(round => round.branch === 1)
    assert.equal(firstFork?.parent, split?.id, 'the branch starts from the split')
    assert.equal(net.tracker.openFork?.sides.length, 2)

    // the reorg: 4 and 5 move onto the main branch
    const reorgAt = net.now
    for (let h = 16; h <= 18; h++) {
      for (const i of all) net.set(i, h, key(`m${h}`))
      net.run(BLOCK)
    }
    const ended = net.events.find(event => event.kind === 'fork_ended')
    assert.ok(ended, 'the fork ends')
    assert.ok(ended.fork.endedAt !== null && ended.fork.endedAt >= reorgAt - 250 && ended.fork.endedAt <= reorgAt, 'ended when they converged')
    assert.deepEqual(ended.fork.sides.map(side => side.nodes), [[0, 1, 2, 3], [4, 5]])
    assert.equal(ended.fork.sides[0]?.largest, true)
    assert.equal(ended.fork.sides[1]?.tipHead, key('f15'))
    assert.equal(ended.fork.depth, 5)
    assert.equal(net.tracker.openFork, null)
    panel = net.tracker.panel(net.now)
    assert.equal(panel.fork, null)
    assert.equal(panel.branches.length, 1)
    const abandoned = panel.columns.find(column => column.height === 15)?.rounds.find(round => round.head === key('f15'))
    assert.equal(abandoned?.branch, ABANDONED, 'the branch its nodes left is still drawn, as abandoned')
    assert.deepEqual(net.kinds(), ['fork_started', 'fork_ended'], 'one fork')
  })

  it('logs the sides at the fork\'s widest: nodes that joined the minority for a while are named on it', () => {
    const net = new Devnet()
    const all = [0, 1, 2, 3, 4, 5, 6]
    steady(net, all, 1, 10)
    // 6 goes off alone for 8 blocks; 4 and 5 follow it for 2 of them, then come back
    for (let h = 11; h <= 18; h++) {
      const off = h >= 13 && h <= 14 ? [4, 5, 6] : [6]
      for (const i of all) net.set(i, h, key(off.includes(i) ? `f${h}` : `m${h}`))
      net.run(BLOCK)
    }
    for (let h = 19; h <= 21; h++) {
      for (const i of all) net.set(i, h, key(`m${h}`))
      net.run(BLOCK)
    }
    assert.deepEqual(net.kinds(), ['fork_started', 'fork_ended'], 'one fork')
    const ended = net.events[1]?.fork
    assert.deepEqual(ended?.sides.map(side => side.nodes), [[0, 1, 2, 3], [4, 5, 6]], 'the three that were off at once')
    assert.equal(ended?.sides[1]?.tipHead, key('f18'), 'with the side\'s latest tip')
  })

  it('keeps the lines right when the first node onto the new head comes from the losing branch', () => {
    const net = new Devnet()
    steady(net, [0, 1, 2, 3, 4], 1, 5)
    for (let h = 6; h <= 9; h++) {
      for (const i of [0, 1, 2]) net.set(i, h, key(`m${h}`))
      for (const i of [3, 4]) net.set(i, h, key(`f${h}`))
      net.run(BLOCK)
    }
    assert.deepEqual(net.kinds(), ['fork_started'])
    // the reorg: node 3 reports the main branch's next head before any main node does
    net.set(3, 10, key('m10'))
    net.run(250)
    for (const i of [0, 1, 2, 4]) net.set(i, 10, key('m10'))
    net.run(3 * BLOCK)
    steady(net, [0, 1, 2, 3, 4], 11, 13)
    assert.deepEqual(net.kinds(), ['fork_started', 'fork_ended'])
    const panel = net.tracker.panel(net.now)
    assert.equal(panel.branches.length, 1)
    const m10 = panel.columns.find(column => column.height === 10)?.rounds[0]
    const m9 = panel.columns.find(column => column.height === 9)?.rounds.find(round => round.head === key('m9'))
    assert.equal(m10?.parent, m9?.id, 'the new head follows the main branch: the majority came from there')
    assert.deepEqual(net.events[1]?.fork.sides.map(side => side.nodes), [[0, 1, 2], [3, 4]], 'each node on the side it was on')
  })

  it('calls split validators a fork (two lines at different slots), then the reorg ends it', () => {
    // two beacon nodes, each proposing in its own slots: their heads are never at one slot
    const net = new Devnet()
    steady(net, [0, 1], 1, 4)
    const slotsA = [5, 7, 8, 10, 12]
    const slotsB = [6, 9, 11, 13]
    for (let slot = 5; slot <= 13; slot++) {
      if (slotsA.includes(slot)) net.set(0, slot, `0xa${slot}`)
      if (slotsB.includes(slot)) net.set(1, slot, `0xb${slot}`)
      net.run(BLOCK)
    }
    assert.deepEqual(net.kinds(), ['fork_started'])
    const panel = net.tracker.panel(net.now)
    assert.equal(panel.branches.length, 2)
    assert.equal(panel.fork?.splitHeight, 4)
    // b reorgs onto a's branch (its head event comes with a's head, at a's slot)
    net.set(1, 14, '0xa14')
    net.set(0, 14, '0xa14')
    net.run(3 * BLOCK)
    assert.deepEqual(net.kinds(), ['fork_started', 'fork_ended'])
    const ended = net.events[1]?.fork
    assert.deepEqual(ended?.sides.map(side => side.nodes.length), [1, 1])
  })

  it('calls no fork for heads that differ for less than a block time (propagation)', () => {
    const net = new Devnet()
    steady(net, [0, 1, 2], 1, 5)
    for (let h = 6; h <= 20; h++) {
      // node 2 hears of each round first from another miner, for 600 ms, then the others' block wins
      for (const i of [0, 1]) net.set(i, h, key(`m${h}`))
      net.set(2, h, key(`x${h}`))
      net.run(600)
      net.set(2, h, key(`m${h}`))
      net.run(BLOCK - 600)
    }
    assert.deepEqual(net.kinds(), [])
  })

  it('calls no fork for a slow node that skips a round, or one stuck behind on the chain', () => {
    const net = new Devnet()
    steady(net, [0, 1, 2, 3], 1, 5)
    for (let h = 6; h <= 30; h++) {
      for (const i of [0, 1]) net.set(i, h, key(`m${h}`))
      // node 2 beats every other round only (it skips), node 3 is stuck at 8
      if (h % 2 === 0) net.set(2, h - 1, key(`m${h - 1}`))
      if (h <= 8) net.set(3, h, key(`m${h}`))
      net.run(BLOCK)
    }
    assert.deepEqual(net.kinds(), [])
    assert.equal(net.tracker.panel(net.now).branches.length, 1)
  })

  it('calls no fork for a node thousands of heights behind, catching up on blocks made before the window', () => {
    // the others were past these heights before the relay kept rounds: the laggard's rounds
    // share none with theirs, and lie wholly below them
    // (as e2e/numbers.spec.ts has it: a tip, a laggard 7,000 behind, a node syncing from 18)
    const net = new Devnet()
    for (let step = 0; step < 30; step++) {
      net.set(0, 13_000_000 + step, key(`m${13_000_000 + step}`))
      net.set(1, 12_992_998 + step, key(`m${12_992_998 + step}`))
      net.set(2, 18 + step, key(`m${18 + step}`))
      net.run(BLOCK)
    }
    assert.deepEqual(net.kinds(), [])
    const panel = net.tracker.panel(net.now)
    assert.equal(panel.fork, null)
    // nor does it read as heads that differ, a fork if it lasts
    assert.equal(panel.divergingSince, null)
    assert.ok(panel.branches.slice(1).every(branch => branch.since === null))
  })

  it('counts only nodes that beat: a stale or disconnected node is on no branch', () => {
    const net = new Devnet()
    steady(net, [0, 1, 2], 1, 5)
    // node 2 goes off on its own branch, then stops beating
    net.set(2, 6, key('f6'))
    net.heads.delete(2)
    for (let h = 6; h <= 15; h++) {
      for (const i of [0, 1]) net.set(i, h, key(`m${h}`))
      net.run(BLOCK)
    }
    assert.deepEqual(net.kinds(), [], 'a node silent past its stale bound raises nothing')
    net.tracker.disconnected(1)
    net.heads.delete(1)
    net.run(BLOCK)
    assert.equal(net.tracker.panel(net.now).branches[0]?.nodes, 1)
  })

  it('measures propagation: from the first node reporting a new best head to each other one', () => {
    const net = new Devnet()
    steady(net, [0, 1, 2], 1, 2)
    for (let h = 3; h <= 12; h++) {
      net.set(0, h, key(`m${h}`))
      net.run(250)
      net.set(1, h, key(`m${h}`))
      net.run(500)
      net.set(2, h, key(`m${h}`))
      net.run(BLOCK - 750)
    }
    const medians = new Map(net.tracker.medians())
    assert.equal(medians.get(0), 0, 'the first to report it')
    assert.equal(medians.get(1), 250)
    assert.equal(medians.get(2), 750)
    const { propagation } = net.tracker.panel(net.now)
    // heights 2 to 12 were new best heights seen live; at 2 every node had it at once
    assert.equal(propagation.blocks, 11)
    const bin = (ms: number): number => PROPAGATION_EDGES_MS.findIndex(edge => ms <= edge)
    assert.equal(propagation.counts[bin(250)], 10, 'one 250 ms delay per block')
    assert.equal(propagation.counts[bin(750)], 10)
    assert.equal(propagation.counts.reduce((a, b) => a + b, 0), 20, 'the first reporter is not a delay')
  })

  it('follows a devnet reset to genesis: old heights go, new heads are placed, propagation measured again', () => {
    const net = new Devnet()
    steady(net, [0, 1, 2], 1, 200)
    const before = net.tracker.roundCount
    for (let h = 1; h <= 15; h++) {
      net.set(0, h, key(`r${h}`))
      net.run(250)
      for (const i of [1, 2]) net.set(i, h, key(`r${h}`))
      net.run(BLOCK - 250)
    }
    assert.deepEqual(net.kinds(), [])
    const panel = net.tracker.panel(net.now)
    assert.equal(panel.branches.length, 1)
    assert.equal(panel.branches[0]?.height, 15)
    assert.deepEqual(panel.columns.at(-1)?.rounds[0]?.nodes, [0, 1, 2])
    assert.ok(net.tracker.roundCount < before, 'the old heights\' rounds are gone')
    assert.equal(new Map(net.tracker.medians()).get(1), 250, 'new best heights are measured again')
  })

  describe('with each head\'s parent reported (ParentHead)', () => {
    /**
     * Split validators, one block on each side: a proposes at slot 5 on 4, b at slot 6 on 4
     * (it never saw 5), then neither has another block for three block times. Returns the
     * devnet and when b's block came (the heads then differ on both sides of the split).
     */
    function oneBlockEach (parents: boolean): { net: Devnet, diverged: number } {
      const net = new Devnet()
      steady(net, [0, 1], 1, 4, parents)
      net.set(0, 5, '0xa5', parents ? key('m4') : undefined)
      net.run(BLOCK)
      const diverged = net.now
      net.set(1, 6, '0xb6', parents ? key('m4') : undefined)
      return { net, diverged }
    }

    it('calls split validators a fork after one block on each side, once it has lasted a block time', () => {
      const { net, diverged } = oneBlockEach(true)
      net.run(BLOCK - 250)
      assert.deepEqual(net.kinds(), [], 'not before the split has lasted a block time (propagation)')
      assert.equal(net.tracker.panel(net.now).divergingSince, diverged, 'but shown as diverging from b\'s block on')
      net.run(250)
      assert.deepEqual(net.kinds(), ['fork_started'], 'a block time after the heads diverged, with no second block on either side')
      const fork = net.events[0]?.fork
      assert.equal(fork?.startedAt, diverged)
      assert.equal(fork?.calledAt, diverged + BLOCK)
      assert.equal(fork?.splitHeight, 4)
      assert.deepEqual(fork?.sides.map(side => [side.tipHeight, side.nodes]), [[6, [1]], [5, [0]]])
      // b reorgs onto a's branch: its next head's parent is a's block
      net.set(0, 7, '0xa7', '0xa5')
      net.set(1, 7, '0xa7', '0xa5')
      net.run(3 * BLOCK)
      assert.deepEqual(net.kinds(), ['fork_started', 'fork_ended'])
    })

    it('without parents (an older sender) the same heads are no fork yet: the two-round evidence, as before', () => {
      const { net } = oneBlockEach(false)
      net.run(3 * BLOCK)
      assert.deepEqual(net.kinds(), [], 'one block on each side could be a node that skipped a head')
      // the second block on each side is the evidence, as it always was
      net.set(0, 7, '0xa7')
      net.run(BLOCK)
      net.set(1, 8, '0xb8')
      net.run(BLOCK)
      assert.deepEqual(net.kinds(), ['fork_started'])
    })

    it('calls no fork for a node that skipped a head its new head\'s parent chain holds, however long the others take', () => {
      const net = new Devnet()
      steady(net, [0, 1, 2], 1, 4, true)
      for (const i of [0, 1]) net.set(i, 5, key('m5'), key('m4'))
      net.run(250)
      // node 2 never reported m5: it comes from m4 straight to m6, whose parent is m5, and the
      // others are slow to hear of m6 (votes alone would put m6 after m4, beside m5)
      net.set(2, 6, key('m6'), key('m5'))
      net.run(3 * BLOCK)
      assert.deepEqual(net.kinds(), [])
      const panel = net.tracker.panel(net.now)
      assert.equal(panel.branches.length, 1, 'one line: m6 follows m5')
      assert.equal(panel.divergingSince, null)
      const m5 = panel.columns.find(column => column.height === 5)?.rounds[0]
      assert.equal(panel.columns.find(column => column.height === 6)?.rounds[0]?.parent, m5?.id)
    })

    it('links a head whose parent is placed only later, and one whose parent comes in a later beat', () => {
      const net = new Devnet()
      steady(net, [0, 1, 2], 1, 4, true)
      // node 2's beat for m6 reaches the relay before anyone's for m5
      net.set(2, 6, key('m6'), key('m5'))
      net.run(250)
      for (const i of [0, 1]) net.set(i, 5, key('m5'))
      // node 1 beats m5 first without its parent, then with it
      net.set(1, 5, key('m5'), key('m4'))
      net.set(0, 5, key('m5'), key('m4'))
      net.run(3 * BLOCK)
      assert.deepEqual(net.kinds(), [])
      const panel = net.tracker.panel(net.now)
      assert.equal(panel.branches.length, 1)
      const m4 = panel.columns.find(column => column.height === 4)?.rounds[0]
      const m5 = panel.columns.find(column => column.height === 5)?.rounds[0]
      assert.equal(m5?.parent, m4?.id)
      assert.equal(panel.columns.find(column => column.height === 6)?.rounds[0]?.parent, m5?.id)
    })

    it('keeps a Filecoin round seen in part one round, its parent found from a partial key', () => {
      const net = new Devnet()
      steady(net, [0, 1, 2], 1, 4, true)
      for (let h = 5; h <= 12; h++) {
        // a round of three blocks that node 2 sees two of; the next round's miners saw it whole,
        // or in part (their Parents are the blocks they had)
        const parent = h % 2 === 0 ? key(`m${h - 1}a`, `m${h - 1}b`, `m${h - 1}c`) : key(`m${h - 1}a`, `m${h - 1}b`)
        const first = h === 5 ? key('m4') : parent
        for (const i of [0, 1]) net.set(i, h, key(`m${h}a`, `m${h}b`, `m${h}c`), first)
        net.set(2, h, key(`m${h}a`, `m${h}b`), first)
        net.run(BLOCK)
      }
      assert.deepEqual(net.kinds(), [])
      const panel = net.tracker.panel(net.now)
      assert.equal(panel.branches.length, 1)
      assert.ok(panel.columns.every(column => column.rounds.length === 1), 'one round per height')
    })

    it('believes no parent that senders disagree on: votes decide, and a liar makes no fork', () => {
      const net = new Devnet()
      steady(net, [0, 1, 2, 3], 1, 5, true)
      // node 2 is first onto m6 and says its parent is m4; the others say m5. Node 3 is stuck on
      // m5: were the liar believed, m5 and m6 would be two children of m4, a fork
      net.set(2, 6, key('m6'), key('m4'))
      for (const i of [0, 1]) net.set(i, 6, key('m6'), key('m5'))
      net.run(3 * BLOCK)
      assert.deepEqual(net.kinds(), [])
      const panel = net.tracker.panel(net.now)
      assert.equal(panel.branches.length, 1, 'm6 follows m5, where its nodes came from')
      assert.equal(panel.divergingSince, null)
    })
  })

  it('stays bounded: a node spamming heads at one height, and a long run of heights', () => {
    const net = new Devnet()
    steady(net, [0, 1, 2], 1, 3)
    for (let k = 0; k < MAX_ROUNDS_PER_HEIGHT * 2; k++) net.tracker.beat(9, 3, key(`spam${k}`), net.now)
    assert.ok(net.tracker.unplaced >= MAX_ROUNDS_PER_HEIGHT, 'heads past the bound are not placed')
    assert.ok(net.tracker.roundCount < MAX_ROUNDS_PER_HEIGHT + 10)
    const long = new Devnet()
    steady(long, [0, 1], 1, 2_000)
    assert.ok(long.tracker.roundCount <= 70, `rounds kept: ${long.tracker.roundCount}`)
    assert.ok(long.tracker.roundCount < MAX_ROUNDS)
    assert.equal(long.tracker.panel(long.now).columns.length, PANEL_HEIGHTS)
  })
})
