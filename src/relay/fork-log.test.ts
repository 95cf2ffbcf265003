import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { FORK_BEGAN, FORK_ENDED } from '../protocol/index.ts'
import { ManualClock } from '../testing/clock.ts'
import { tempDir } from '../testing/record.ts'
import { forkService } from './fork-service.ts'
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
