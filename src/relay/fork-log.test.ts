import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { FORK_BEGAN, FORK_ENDED } from '../protocol/index.ts'
import { ManualClock } from '../testing/clock.ts'
import { tempDir } from '../testing/record.ts'
import { forkService, MAX_SIDE_NODES_LOGGED, MAX_SIDES_LOGGED } from './fork-service.ts'
import { serveForks } from './history-routes.ts'
import { historyService } from './history-service.ts'
import { RecordQueries } from './record/index.ts'
import { RelayMetrics } from './metrics.ts'
import { NodeRegistry } from './registry.ts'
import type { ForkRecord } from '../protocol/index.ts'
import type { ForkService } from './fork-service.ts'
import type { HistoryService } from './history-service.ts'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'

const BLOCK_MS = 1_000
const BEAT_MS = 250
const peer = (k: number): string => `12D3KooWForkLogNode${k}`.padEnd(52, 'x')
const NICKS = ['ada', 'bo', 'cy', 'di', 'eve', 'fay']

/** One relay's run: a registry, the record and the fork service on the test's clock, and
 *  /api/forks served by the relay's handler over real HTTP. */
class Run {
  readonly registry = new NodeRegistry()
  readonly history: HistoryService
  readonly forks: ForkService
  readonly server: Server
  readonly clock: ManualClock

  constructor (dir: string, clock: ManualClock) {
    this.clock = clock
    this.history = historyService({ clock })({ registry: this.registry, dataDir: dir })
    this.forks = forkService({ clock })({ registry: this.registry, metrics: new RelayMetrics(), publish: () => {}, record: this.history.record })
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://relay')
      serveForks(async query => await this.forks.forks(query), clock.now(), url, res).catch(() => { res.destroy() })
    })
  }

  async start (): Promise<void> {
    this.history.start()
    this.forks.start()
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
  }

  async stop (): Promise<void> {
    this.forks.stop()
    await this.history.stop()
    this.server.closeAllConnections()
    await new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
  }

  async apiForks (query = ''): Promise<ForkRecord[]> {
    const { port } = this.server.address() as AddressInfo
    const res = await fetch(`http://127.0.0.1:${port}/api/forks${query}`)
    assert.equal(res.status, 200, await res.clone().text())
    return await res.json() as ForkRecord[]
  }

  /** Six nodes beat every 250 ms for `blocks` blocks from `height`; nodes in `forked` are on
   *  their own chain ('f') past `split`, the rest on the main one. */
  play (height: number, blocks: number, forked: number[] = [], split = Infinity): number {
    for (let h = height; h < height + blocks; h++) {
      for (let t = 0; t < BLOCK_MS; t += BEAT_MS) {
        this.clock.advance(BEAT_MS)
        for (let k = 0; k < NICKS.length; k++) {
          const chain = forked.includes(k) && h > split ? 'f' : 'm'
          this.registry.heartbeat(peer(k), { head: `{ bafy${chain}${h} }`, height: h, nickname: NICKS[k] ?? '', minerAddress: null, genesisCid: null }, this.clock.now())
        }
      }
    }
    return height + blocks
  }
}

// The fork log in the record: a fork written when it is called and when it ends, read back
// through /api/forks, and its ids going on after the relay starts again (its record kept).
describe('fork log in the record', () => {
  let dir: string
  let remove: () => Promise<void>
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 12, 0, 0))
  let run: Run | undefined
  let height = 1

  before(async () => { ({ dir, remove } = await tempDir()) })
  after(async () => {
    await run?.stop()
    await remove()
  })

  it('writes a fork when it is called and when it ends, and /api/forks reads it back', async () => {
    run = new Run(dir, clock)
    await run.start()
    height = run.play(height, 6)
    assert.deepEqual(await run.apiForks(), [], 'no fork yet')
    // eve and fay go their own way after height 8, for 6 blocks
    height = run.play(height, 8, [4, 5], 8)
    const open = await run.apiForks()
    assert.equal(open.length, 1)
    assert.equal(open[0]?.id, 1)
    assert.equal(open[0]?.endedAt, null)
    assert.deepEqual(open[0]?.sides.map(side => side.nodes.map(node => node.nickname).sort()), [['ada', 'bo', 'cy', 'di'], ['eve', 'fay']])
    assert.equal(open[0] != null && 'otherSides' in open[0], false, 'two sides: all listed, none counted apart')
    // in the record as written (not only in memory): the began event, the minority as its peers
    clock.advance(BEAT_MS)
    const began = (await run.history.record.events({ from: 0, to: clock.now() })).events.filter(event => event.kind === FORK_BEGAN)
    assert.equal(began.length, 1)
    assert.deepEqual(began[0]?.peers.sort(), [peer(4), peer(5)])
    assert.equal(began[0]?.at, open[0]?.startedAt, 'dated when the heads first differed')
    assert.equal(began[0]?.data?.id, 1)

    // they come back onto the main chain; the fork ends a block time after they last differed
    height = run.play(height, 4)
    const ended = await run.apiForks()
    assert.equal(ended.length, 1)
    const fork = ended[0]
    assert.ok(fork?.endedAt != null, 'ended')
    assert.ok((fork.durationMs ?? 0) >= 4 * BLOCK_MS, `it ran for blocks: ${fork.durationMs}`)
    assert.ok(fork.depth >= 3, `depth ${fork.depth}`)
    assert.equal(fork.interrupted, undefined)
    assert.equal('otherSides' in fork, false)
    const events = (await run.history.record.events({ from: 0, to: clock.now() })).events.filter(event => event.kind === FORK_ENDED)
    assert.equal(events.length, 1)
    assert.equal(events[0]?.at, fork.endedAt)
    assert.equal(events[0]?.data?.durationMs, fork.durationMs)

    // a window: as the record knew it at a moment while it was open, and nothing before it
    const during = await run.apiForks(`?to=${fork.startedAt + 1}`)
    assert.equal(during[0]?.endedAt, null, 'open as of a moment inside it')
    assert.deepEqual(await run.apiForks(`?from=${fork.startedAt - 60_000}&to=${fork.startedAt - 1}`), [])
  })

  it('goes on numbering after a restart, and keeps what was logged before it', async () => {
    await run?.stop()
    run = new Run(dir, clock)
    await run.start()
    height = run.play(height, 6)
    const before = await run.apiForks()
    assert.deepEqual(before.map(fork => [fork.id, fork.endedAt !== null]), [[1, true]], 'the first run\'s fork, from the record')
    height = run.play(height, 8, [3], height + 1)
    const forks = await run.apiForks()
    assert.deepEqual(forks.map(fork => fork.id), [2, 1], 'not #1 again')
    assert.deepEqual(forks[0]?.sides[1]?.nodes.map(node => node.nickname), ['di'])

    // stopped while it is open: it ends in the log with the relay, marked, and #3 comes next
    await run.stop()
    run = new Run(dir, clock)
    await run.start()
    height = run.play(height, 6)
    const cut = (await run.apiForks()).find(fork => fork.id === 2)
    assert.equal(cut?.interrupted, true)
    assert.ok(cut?.endedAt != null)
    height = run.play(height, 8, [0, 1], height + 1)
    assert.deepEqual((await run.apiForks()).map(fork => fork.id), [3, 2, 1])
    assert.equal(run.forks.monitor.forksSoFar, 3, 'devnet_forks_total counts the record\'s forks, not this run\'s')
    assert.deepEqual((await run.apiForks('?limit=1')).map(fork => fork.id), [3], 'bounded per request')
    // what replay answers /api/forks with: the record alone, read-only (the open #3 as called)
    clock.advance(BEAT_MS)
    const replayed = await new RecordQueries(run.history.record.file).forks({ from: 0, to: clock.now() })
    assert.deepEqual(replayed.map(fork => [fork.id, fork.endedAt !== null]), [[3, false], [2, true], [1, true]])
  })

  it('refuses a bad window with a 400', async () => {
    const { port } = run?.server.address() as AddressInfo
    for (const query of ['?from=yesterday', '?limit=0', '?from=-1h&to=-2h']) {
      const res = await fetch(`http://127.0.0.1:${port}/api/forks${query}`)
      assert.equal(res.status, 400, query)
      assert.match((await res.json() as { error: string }).error, /./)
    }
  })
})

// A partition where nodes go off the chain one group at a time, each group on a chain of its
// own: a side per group, more sides than a record lists.
describe('fork log of a fork with many sides', () => {
  let dir: string
  let remove: () => Promise<void>
  const clock = new ManualClock(Date.UTC(2026, 0, 6, 12, 0, 0))
  let run: Run | undefined

  before(async () => { ({ dir, remove } = await tempDir()) })
  after(async () => {
    await run?.stop()
    await remove()
  })

  // 40 nodes stay on the main chain; group g goes its own way after height SPLIT + g. The
  // first 16 groups have 2 nodes, the last 4 one: 21 sides, 5 past the cap (one group of 2,
  // four of 1: 6 nodes, the smallest sides, as the largest come first)
  const MAIN = 40
  const GROUPS = [...Array.from({ length: 16 }, () => 2), 1, 1, 1, 1]
  const SPLIT = 8
  const group: number[] = [...Array.from({ length: MAIN }, () => -1), ...GROUPS.flatMap((size, g) => Array.from({ length: size }, () => g))]
  const name = (k: number): string => `n${k}`

  function play (height: number, blocks: number, apart: boolean): number {
    for (let h = height; h < height + blocks; h++) {
      for (let t = 0; t < BLOCK_MS; t += BEAT_MS) {
        clock.advance(BEAT_MS)
        for (let k = 0; k < group.length; k++) {
          const g = group[k] ?? -1
          const own = apart && g >= 0 && h > SPLIT + g
          run?.registry.heartbeat(peer(k), { head: own ? `{ bafyg${g}x${h} }` : `{ bafym${h} }`, height: h, nickname: name(k), minerAddress: null, genesisCid: null }, clock.now())
        }
      }
    }
    return height + blocks
  }

  it('lists the first MAX_SIDES_LOGGED sides, the largest first, and counts the rest in otherSides', async () => {
    assert.equal(MAX_SIDES_LOGGED, 16, 'the scenario is sized for 16')
    run = new Run(dir, clock)
    await run.start()
    let height = play(1, SPLIT, false)
    height = play(height, GROUPS.length + 4, true)
    const check = (fork: ForkRecord | undefined, label: string): void => {
      assert.ok(fork != null, label)
      assert.equal(fork.sides.length, MAX_SIDES_LOGGED, `${label}: sides listed`)
      assert.equal(fork.sides[0]?.largest, true, `${label}: the largest first`)
      assert.equal(fork.sides[0]?.nodeCount, MAIN, label)
      assert.ok(fork.sides.slice(1).every(side => !side.largest && side.nodeCount === 2), `${label}: then the largest of the others`)
      assert.deepEqual(fork.otherSides, { count: 5, nodeCount: 6 }, `${label}: the rest counted`)
    }
    const open = await run.apiForks()
    assert.equal(open.length, 1)
    check(open[0], 'open, from the monitor')

    // back on one chain: the fork ends, logged at its widest
    height = play(height, 4, false)
    const [ended] = await run.apiForks()
    assert.ok(ended?.endedAt != null, 'ended')
    check(ended, 'ended')
    clock.advance(BEAT_MS)
    // as the record has it, read back from the disk (the reader accepts the new field)
    const [recorded] = await new RecordQueries(run.history.record.file).forks({ from: 0, to: clock.now() })
    check(recorded, 'from the record')
    // the event names the nodes of the listed sides off the largest, none of the counted ones
    const events = (await run.history.record.events({ from: 0, to: clock.now() })).events
    const endedEvent = events.find(event => event.kind === FORK_ENDED)
    assert.equal(endedEvent?.peers.length, 15 * 2)
    assert.ok((endedEvent?.peers.length ?? Infinity) <= (MAX_SIDES_LOGGED - 1) * MAX_SIDE_NODES_LOGGED)
    // the fork as called: its first groups had split, fewer sides than the cap, none counted apart
    const began = events.find(event => event.kind === FORK_BEGAN)?.data as ForkRecord | undefined
    assert.ok(began != null && began.sides.length < MAX_SIDES_LOGGED, `called with ${began?.sides.length} sides`)
    assert.equal('otherSides' in began, false)
  })

  it('reads a record whose otherSides is not two whole numbers as damaged', async () => {
    const record = run?.history.record
    assert.ok(record != null)
    const at = clock.now()
    const fork = { id: 900, genesis: null, startedAt: at, calledAt: at, endedAt: at, durationMs: 0, splitHeight: 1, depth: 1, sides: [] }
    record.event(at, FORK_ENDED, [], { ...fork, otherSides: { count: 'many', nodeCount: 3 } })
    record.event(at, FORK_ENDED, [], { ...fork, id: 901, otherSides: { count: 2, nodeCount: -1 } })
    record.event(at, FORK_ENDED, [], { ...fork, id: 902, otherSides: { count: 2, nodeCount: 3 } })
    clock.advance(BEAT_MS)
    record.flush()
    const read = await new RecordQueries(record.file).forks({ from: at, to: clock.now() })
    assert.deepEqual(read.map(fork => [fork.id, fork.otherSides]), [[902, { count: 2, nodeCount: 3 }]])
  })
})

describe('fork log of a devnet cut in three', () => {
  let dir: string
  let remove: () => Promise<void>
  const clock = new ManualClock(Date.UTC(2026, 0, 7, 12, 0, 0))
  let run: Run | undefined

  before(async () => { ({ dir, remove } = await tempDir()) })
  after(async () => {
    await run?.stop()
    await remove()
  })

  // nodes 0-2 stay on the main chain, 3-4 and 5 each make their own from the same height on:
  // two minority branches leaving one round
  const CHAIN = ['m', 'm', 'm', 'f', 'f', 'g']
  const SPLIT = 6

  function play (height: number, blocks: number, apart: boolean): number {
    for (let h = height; h < height + blocks; h++) {
      for (let t = 0; t < BLOCK_MS; t += BEAT_MS) {
        clock.advance(BEAT_MS)
        for (let k = 0; k < CHAIN.length; k++) {
          const chain = apart && h > SPLIT ? CHAIN[k] ?? 'm' : 'm'
          run?.registry.heartbeat(peer(k), { head: `{ bafy${chain}${h} }`, height: h, nickname: NICKS[k] ?? '', minerAddress: null, genesisCid: null }, clock.now())
        }
      }
    }
    return height + blocks
  }

  it('logs three sides, each with its own nodes and tip, not two', async () => {
    run = new Run(dir, clock)
    await run.start()
    let height = play(1, SPLIT, false)
    height = play(height, 5, true)
    const [open] = await run.apiForks()
    assert.ok(open != null, 'a fork is open')
    assert.deepEqual(open.sides.map(side => side.nodes.map(node => node.nickname)), [['ada', 'bo', 'cy'], ['di', 'eve'], ['fay']])
    assert.deepEqual(open.sides.map(side => side.tipHead), [`{ bafym${height - 1} }`, `{ bafyf${height - 1} }`, `{ bafyg${height - 1} }`])
    play(height, 4, false)
    const [ended] = await run.apiForks()
    assert.ok(ended?.endedAt != null, 'ended')
    assert.equal(ended.sides.length, 3)
  })
})
