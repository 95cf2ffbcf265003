// Relay memory: RSS idle, then with 1,000 and 5,000 connected nodes beating every 3 s (and one
// dashboard subscribed), from the relay's own process. Senders run in swarm processes of 1,000.
// RSS swings as V8 lets garbage build up between collections, so each point is the median of
// readings over 15 s (with the low and high), and then, after a forced full collection, what
// the heap and the buffers outside it actually retain.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { retainedBytes, sampleRss } from './memory.ts'
import { FeedClient } from '../src/testing/feed-client.ts'
import { createPeer } from '../src/testing/peers.ts'
import { getMetric } from '../src/testing/http.ts'
import { waitFor } from '../src/testing/wait-for.ts'
import { cpuSeconds, MiB, percentile, pin, rssBytes, startBenchRelay } from './lib.ts'
import type { ChildProcess } from 'node:child_process'

export interface MemoryPoint {
  nodes: number
  /** median, low and high RSS over the window, MiB */
  rssMiB: { median: number, low: number, high: number }
  /** (median RSS − idle median RSS) / nodes */
  perNodeKiB: number
  /** (heap + external after a full GC − the same idle) / nodes */
  retainedPerNodeKiB: number
  /** the nodes added since the previous point joining, 1,000 at once per swarm: wall and relay CPU seconds */
  joining: { nodes: number, seconds: number, relayCpuSeconds: number }
}

export interface MemoryResult {
  idleMiB: number
  points: MemoryPoint[]
}

const SWARM_SIZE = 1_000
const round1 = (x: number): number => Math.round(x * 10) / 10
const WINDOW = { readings: 60, everyMs: 250 }

async function rssWindow (pid: number): Promise<{ median: number, low: number, high: number }> {
  const readings = await sampleRss(() => rssBytes(pid), WINDOW.readings, WINDOW.everyMs)
  return { median: percentile(readings, 0.5), low: readings[0] ?? NaN, high: readings.at(-1) ?? NaN }
}

export async function relayMemory (options: { counts: number[], log: (line: string) => void }): Promise<MemoryResult> {
  pin(process.pid, 1)
  // with the inspector, so the benchmark can force a full collection (retainedBytes)
  const relay = await startBenchRelay([], { inspect: true })
  const swarms: ChildProcess[] = []
  const viewer = await createPeer()
  try {
    await FeedClient.open(viewer, relay.browserAddrs[0] ?? '')
    const idle = await rssWindow(relay.pid)
    const idleRetained = await retainedBytes(relay)
    options.log(`  idle: RSS ${(idle.median / MiB).toFixed(1)} MiB, retained ${(idleRetained / MiB).toFixed(1)} MiB`)
    const target = relay.nodeAddrs.find(a => !a.includes('/ws')) ?? ''
    const points: MemoryPoint[] = []
    let running = 0
    for (const count of options.counts) {
      const joinFrom = { nodes: running, at: performance.now(), cpu: cpuSeconds(relay.pid) }
      while (running < count) {
        const size = Math.min(SWARM_SIZE, count - running)
        const child = spawn(process.execPath, [fileURLToPath(new URL('./node-swarm.ts', import.meta.url)), target, String(size), '3000', `s${swarms.length}n`], { stdio: ['ignore', 'pipe', 'inherit'] })
        pin(child.pid ?? 0, 1)
        swarms.push(child)
        await new Promise<void>((resolve, reject) => {
          child.stdout?.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve() })
          child.once('exit', code => { reject(new Error(`swarm exited with ${code}`)) })
        })
        running += size
      }
      await waitFor(`${count} connected nodes`, async () => await getMetric(relay.httpUrl, 'devnet_nodes_connected') === count, 120_000)
      const joining = { nodes: count - joinFrom.nodes, seconds: round1((performance.now() - joinFrom.at) / 1000), relayCpuSeconds: round1(cpuSeconds(relay.pid) - joinFrom.cpu) }
      const rss = await rssWindow(relay.pid)
      const retained = await retainedBytes(relay)
      const point: MemoryPoint = {
        nodes: count,
        rssMiB: { median: Math.round(rss.median / MiB), low: Math.round(rss.low / MiB), high: Math.round(rss.high / MiB) },
        perNodeKiB: Math.round((rss.median - idle.median) / count / 1024),
        retainedPerNodeKiB: Math.round((retained - idleRetained) / count / 1024),
        joining
      }
      points.push(point)
      options.log(`  ${count} nodes: RSS ${point.rssMiB.median} MiB (${point.rssMiB.low}–${point.rssMiB.high}), ${point.perNodeKiB} KiB per connected node; retained after a full GC ${point.retainedPerNodeKiB} KiB per node; ${joining.nodes} joined in ${joining.seconds} s, relay CPU ${joining.relayCpuSeconds} s`)
    }
    return { idleMiB: Math.round(idle.median / MiB), points }
  } finally {
    for (const child of swarms) child.kill('SIGTERM')
    await viewer.stop()
    await relay.stop()
  }
}
