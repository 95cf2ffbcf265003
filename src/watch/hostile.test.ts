// Node APIs that misbehave (unreachable, slow, garbage, nonsense, 50 MB answers, an event
// stream that never ends a line, a socket that floods, a token refused) watched next to a
// healthy node: each bad one is shown offline with its reason, the watcher reads a bounded
// amount from each, and the healthy node's heads keep reaching the relay at once.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import { FilecoinStandIn } from '../testing/filecoin-stand-in.ts'
import { recordingWatchLog } from '../testing/watch-log.ts'
import { tempDir } from '../testing/temp-dir.ts'
import { startHostileProcess } from '../testing/hostile-server.ts'
import { freePort } from '../testing/real-nodes.ts'
import { createWatcher } from './watcher.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { TestRelay } from '../testing/test-relay.ts'
import type { WatchedNodeSpec } from './node-file.ts'
import type { HostileProcess } from '../testing/hostile-server.ts'

const MiB = 1024 * 1024
// what a reader bounded at 1 MiB (64 KiB for an event line) may have let through, counting
// the kernel's socket buffers on both ends (several MiB each on loopback)
const BOUNDED = 16 * MiB

describe('hostile node APIs next to a healthy one', () => {
  let relay: TestRelay
  let hostile: HostileProcess
  const healthy = new FilecoinStandIn()
  let data: { dir: string, remove: () => Promise<void> }

  before(async () => {
    ;[relay, data, hostile] = await Promise.all([startTestRelay(), tempDir(), startHostileProcess(), healthy.start()])
  })

  after(async () => {
    await Promise.all([relay?.destroy(), hostile?.stop(), healthy.stop(), data?.remove()])
  })

  it('shows each bad node offline with its reason, reads a bounded amount from each, and the healthy node is unaffected', async () => {
    const log = recordingWatchLog()
    const nodes: WatchedNodeSpec[] = [
      { name: 'healthy', kind: 'filecoin', url: healthy.url },
      { name: 'unreachable', kind: 'beacon', url: `http://127.0.0.1:${await freePort()}` },
      { name: 'slow', kind: 'beacon', url: hostile.url('slow') },
      { name: 'garbage', kind: 'beacon', url: hostile.url('garbage') },
      { name: 'nonsense', kind: 'execution', url: hostile.url('nonsense') },
      { name: 'refused', kind: 'beacon', url: hostile.url('refuse'), tokenEnv: 'REFUSED_TOKEN' },
      { name: 'echo', kind: 'execution', url: hostile.url('echo'), tokenEnv: 'REFUSED_TOKEN' },
      { name: 'huge', kind: 'beacon', url: hostile.url('huge') },
      { name: 'endless', kind: 'beacon', url: hostile.url('endless') },
      { name: 'huge-ws', kind: 'execution', url: hostile.url('huge-ws', 'ws') },
      { name: 'flood-ws', kind: 'execution', url: hostile.url('flood-ws', 'ws') }
    ]
    const watcher = createWatcher({
      target: relay.nodeAddrs[0] ?? '',
      dataDir: data.dir,
      nodes,
      beatPeriodMs: 2_000,
      reconnectPeriodMs: 500,
      apiReconnectMinMs: 200,
      apiReconnectMaxMs: 1_000,
      env: { REFUSED_TOKEN: 'hunter2-token' },
      log
    })
    const rssBefore = process.memoryUsage().rss
    await watcher.start()
    try {
      const failed = async (name: string, error: RegExp): Promise<void> => {
        await waitFor(`${name} to fail with ${String(error)}`, () => {
          const node = watcher.nodes().find(node => node.name === name)
          return node != null && !node.up && error.test(node.error ?? '')
        }, 20_000, () => JSON.stringify(watcher.nodes().find(node => node.name === name)))
      }
      await failed('unreachable', /unreachable \(ECONNREFUSED\)/)
      await failed('slow', /no answer within 1000 ms/)
      await failed('garbage', /not JSON/)
      await failed('nonsense', /not a JSON-RPC object|no usable/)
      await failed('refused', /HTTP 401, the token was refused/)
      await failed('echo', /JSON-RPC error -32000: not allowed: Bearer \[token\]/)
      await failed('huge', /more than 1048576 bytes/)
      await failed('endless', /an event-stream line: more than 65536 bytes/)
      await failed('huge-ws', /a message: more than 1048576 bytes/)
      await failed('flood-ws', /more than 200 messages a second/)
      assert.equal(watcher.nodes().find(node => node.name === 'flood-ws')?.beatsSent, 0, 'a node that floods from the start never beats')

      // the healthy node's new heads go on reaching the relay at once, through all of it
      for (let i = 0; i < 5; i++) {
        const tipset = healthy.grow(1)
        await waitFor(`healthy tipset ${tipset.height} at the relay`, async () => {
          const nodes = await (await fetch(`${relay.httpUrl}/api/nodes`)).json() as NodeRecord[]
          return nodes.find(node => node.nickname === 'healthy')?.head === `{ ${tipset.cids.join(' ')} }`
        }, 5_000)
      }
      assert.equal(watcher.nodes().find(node => node.name === 'healthy')?.up, true)

      // a few more rounds of reconnects against the bad ones
      const stats = await waitFor('more sessions against the bad nodes', async () => {
        const stats = await hostile.stats()
        return (stats.requests.endless ?? 0) > 6 && (stats.requests.huge ?? 0) > 6 && stats
      }, 30_000)
      const huge = stats.largestResponse.huge ?? 0
      const endless = stats.largestResponse.endless ?? 0
      assert.ok(huge < BOUNDED, `one 50 MB answer: ${(huge / MiB).toFixed(1)} MiB went out before the watcher hung up`)
      assert.ok(endless < BOUNDED, `the endless line: ${(endless / MiB).toFixed(1)} MiB went out before the watcher hung up`)
      assert.ok(stats.held <= 2, `${stats.held} slow requests still held open: timed-out requests are not closed`)

      // at the relay: nothing from the bad nodes (they never had a head), the good one online
      const atRelay = await (await fetch(`${relay.httpUrl}/api/nodes`)).json() as NodeRecord[]
      assert.deepEqual(atRelay.filter(node => node.connected).map(node => node.nickname), ['healthy'])
      // one line per node per minute at most, and never the token
      for (const node of nodes.slice(1)) {
        assert.equal(log.lines.filter(line => line.level === 'warn' && line.message.startsWith(`${node.name}: `)).length, 1, `${node.name}: ${log.text()}`)
      }
      assert.equal(log.count(/^healthy: /), 0, `the healthy node never failed: ${log.text()}`)
      assert.doesNotMatch(log.text(), /hunter2/)
      const grown = process.memoryUsage().rss - rssBefore
      console.log(`watcher process RSS grew ${(grown / MiB).toFixed(1)} MiB over the run; the most one 50 MB answer got out: ${(huge / MiB).toFixed(2)} MiB; the endless line: ${(endless / MiB).toFixed(2)} MiB`)
    } finally {
      await watcher.stop()
    }
  })
})
