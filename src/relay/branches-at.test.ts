import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FORK_BEGAN } from '../protocol/forks.ts'
import { FakeClock, manualRecord, tempDir } from '../testing/record.ts'
import { BRANCHES_LOOKBACK_MS, branchesAt } from './branches-at.ts'
import type { HistoryRecord } from './record/index.ts'

const BLOCK_MS = 2_000
const GENESIS = 'bafygenesis'
const peer = (k: number): string => `12D3KooWBranchesAt${k}`.padEnd(52, 'x')
const key = (name: string): string => `{ bafy${name} }`

/**
 * Six nodes on one chain for 30 blocks, then nodes 4 and 5 make their own blocks for 10 more
 * (a fork), recorded as the relay records them (a change per new head), flushed as it goes.
 * Returns when the split began.
 */
function recordFork (record: HistoryRecord, clock: FakeClock): number {
  const beat = (k: number, height: number, head: string): void => {
    record.heartbeat(peer(k), clock.t, { nickname: `n${k}`, minerAddress: null, genesisCid: GENESIS, height, head })
  }
  for (let k = 0; k < 6; k++) record.connected(peer(k), clock.t)
  let height = 1
  for (; height <= 30; height++) {
    clock.t += BLOCK_MS
    for (let k = 0; k < 6; k++) beat(k, height, key(`main${height}`))
    record.flush()
  }
  const split = clock.t + BLOCK_MS
  for (; height <= 40; height++) {
    clock.t += BLOCK_MS
    for (let k = 0; k < 6; k++) beat(k, height, key(k < 4 ? `main${height}` : `other${height}`))
    record.flush()
  }
  return split
}

const SLOT_MS = 2_000
const slot = (name: string): string => `0x${name}`

/**
 * Beacon-like nodes (a head is a block root; each heartbeat says its head's parent when
 * `parents`, as a watched node's does) on one chain for 30 slots, then split validators: nodes
 * 0-2 make a block at slot 31 on 30, nodes 3-4 (which never saw it) one at slot 32 on 30, and
 * neither side another for three slots. Returns when the second side's block came: the heads
 * differ on both sides of the split from then on.
 */
function recordOneBlockEach (record: HistoryRecord, clock: FakeClock, parents: boolean): number {
  const beat = (k: number, height: number, head: string, parent: string): void => {
    record.heartbeat(peer(k), clock.t, { nickname: `v${k}`, minerAddress: null, genesisCid: GENESIS, height, head }, parents ? parent : undefined)
  }
  for (let k = 0; k < 5; k++) record.connected(peer(k), clock.t)
  for (let height = 1; height <= 30; height++) {
    clock.t += SLOT_MS
    for (let k = 0; k < 5; k++) beat(k, height, slot(`m${height}`), slot(`m${height - 1}`))
    record.flush()
  }
  clock.t += SLOT_MS
  for (let k = 0; k < 3; k++) beat(k, 31, slot('a31'), slot('m30'))
  record.flush()
  clock.t += SLOT_MS
  for (let k = 3; k < 5; k++) beat(k, 32, slot('b32'), slot('m30'))
  record.flush()
  const diverged = clock.t
  clock.t += 3 * SLOT_MS
  record.flush()
  return diverged
}

describe('the fork panel at a moment, from the record', () => {
  it('shows one chain before a split, and both branches with the nodes on each after it', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    const record = manualRecord(dir, clock)
    try {
      const split = recordFork(record, clock)
      const end = clock.t
      // the live relay logged the fork as #7 (its ids go on over the record's life)
      record.event(split, FORK_BEGAN, [peer(4), peer(5)], { id: 7, genesis: GENESIS, startedAt: split, calledAt: split + BLOCK_MS, endedAt: null, durationMs: null, splitHeight: 30, depth: 1, sides: [] })
      record.flush()

      const before = await branchesAt(record, split - BLOCK_MS)
      const [calm] = before.networks
      assert.equal(calm?.genesis, GENESIS)
      assert.equal(calm?.branches.length, 1, 'one chain before the split')
      assert.equal(calm?.fork, null)
      assert.equal(calm?.columns.at(-1)?.height, 30, 'the panel ends at the height of that moment')

      const after = await branchesAt(record, end)
      const [forked] = after.networks
      assert.equal(forked?.branches.length, 2, 'two branches')
      assert.deepEqual(forked?.branches.map(branch => branch.nodes), [4, 2])
      assert.equal(forked?.fork?.id, 7, 'the fork as the log numbered it')
      assert.equal(forked?.fork?.startedAt, split)
      // the nodes on the minority branch's tip are nodes 4 and 5, by the answer's own ids
      const tip = forked?.columns.at(-1)?.rounds.find(round => round.branch === 1)
      assert.deepEqual(tip?.nodes.map(i => after.peers[i]).sort(), [peer(4), peer(5)])
    } finally {
      await record.stop()
      await remove()
    }
  })

  it('calls split validators a fork after one block on each side where the record has the heads\' parents, as the live monitor does', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    const record = manualRecord(dir, clock)
    try {
      const diverged = recordOneBlockEach(record, clock, true)
      const answer = await branchesAt(record, clock.t)
      const [panel] = answer.networks
      assert.equal(panel?.branches.length, 2)
      assert.ok(panel?.fork != null, 'a fork, with no second block on either side')
      assert.equal(panel.fork.startedAt, diverged)
      assert.equal(panel.fork.splitHeight, 30)
      assert.deepEqual(panel.branches.map(branch => [branch.height, branch.nodes]), [[31, 3], [32, 2]])
      // a moment before the split had lasted a block time: diverging, not yet a fork
      const early = (await branchesAt(record, diverged + SLOT_MS / 2)).networks[0]
      assert.equal(early?.fork, null)
      assert.equal(early?.divergingSince, diverged)
    } finally {
      await record.stop()
      await remove()
    }
  })

  it('keeps the two-block evidence for heads recorded without parents (older senders, older records)', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    const record = manualRecord(dir, clock)
    try {
      recordOneBlockEach(record, clock, false)
      const one = (await branchesAt(record, clock.t)).networks[0]
      assert.equal(one?.fork, null, 'one block on each side could be nodes that skipped a head')
      // a second block on each side: the evidence it always was
      clock.t += SLOT_MS
      for (let k = 0; k < 3; k++) record.heartbeat(peer(k), clock.t, { nickname: `v${k}`, minerAddress: null, genesisCid: GENESIS, height: 33, head: slot('a33') })
      record.flush()
      clock.t += SLOT_MS
      for (let k = 3; k < 5; k++) record.heartbeat(peer(k), clock.t, { nickname: `v${k}`, minerAddress: null, genesisCid: GENESIS, height: 34, head: slot('b34') })
      record.flush()
      clock.t += 2 * SLOT_MS
      record.flush()
      const two = (await branchesAt(record, clock.t)).networks[0]
      assert.ok(two?.fork != null, 'a fork after two blocks on each side')
      assert.equal(two.fork.splitHeight, 30)
    } finally {
      await record.stop()
      await remove()
    }
  })

  it('rebuilds from the nodes as they were a lookback before the moment, not from the record\'s start', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    const record = manualRecord(dir, clock)
    try {
      recordFork(record, clock)
      const asked: Array<[number, number]> = []
      const counting = {
        stateAt: async (at: number) => await record.stateAt(at),
        changes: (from: number, to: number) => { asked.push([from, to]); return record.changes(from, to) }
      }
      const answer = await branchesAt(counting, clock.t)
      assert.deepEqual(asked, [[clock.t - BRANCHES_LOOKBACK_MS, clock.t]])
      assert.equal(answer.networks[0]?.branches.length, 2)
      assert.equal(answer.networks[0]?.fork?.id, 1, 'without a fork log, the rebuilt monitor\'s own number')
    } finally {
      await record.stop()
      await remove()
    }
  })

  it('gives each node\'s median propagation as the record timed its new heads, as the live relay\'s prop does', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    const record = manualRecord(dir, clock)
    try {
      // node k reports each new head k × 150 ms after node 0 does
      const STAGGER_MS = 150
      for (let k = 0; k < 4; k++) record.connected(peer(k), clock.t)
      for (let height = 1; height <= 20; height++) {
        const block = clock.t + BLOCK_MS
        for (let k = 0; k < 4; k++) {
          clock.t = block + k * STAGGER_MS
          record.heartbeat(peer(k), clock.t, { nickname: `n${k}`, minerAddress: null, genesisCid: GENESIS, height, head: key(`main${height}`) })
        }
        clock.t = block
        record.flush()
      }
      const answer = await branchesAt(record, clock.t + BLOCK_MS / 2)
      const byPeer = new Map(answer.medians.map(([i, ms]) => [answer.peers[i], ms]))
      assert.deepEqual([0, 1, 2, 3].map(k => byPeer.get(peer(k))), [0, 150, 300, 450])
    } finally {
      await record.stop()
      await remove()
    }
  })
})
