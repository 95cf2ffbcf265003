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
})
