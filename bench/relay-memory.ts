// Relay memory: RSS idle, then with 1,000 and 5,000 connected nodes beating every 3 s (and one
// dashboard subscribed), from the relay's own process. Senders run in swarm processes of 1,000.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { FeedClient, createPeer, getMetric, waitFor } from '../src/relay/testing.ts'
import { MiB, pin, rssBytes, startBenchRelay } from './lib.ts'
import type { ChildProcess } from 'node:child_process'

export interface MemoryResult {
  idleMiB: number
  points: Array<{ nodes: number, rssMiB: number, perNodeKiB: number }>
}

const SWARM_SIZE = 1_000

async function settle (pid: number): Promise<number> {
  // RSS after the heap has had time to settle: the lowest of a few readings a second apart
  let low = Infinity
  for (let k = 0; k < 5; k++) {
    low = Math.min(low, rssBytes(pid))
    await new Promise(resolve => setTimeout(resolve, 1_000)) // sampling interval, not synchronisation
  }
  return low
}

export async function relayMemory (options: { counts: number[], log: (line: string) => void }): Promise<MemoryResult> {
  pin(process.pid, 1)
  const relay = await startBenchRelay()
  const swarms: ChildProcess[] = []
  const viewer = await createPeer()
  try {
    await FeedClient.open(viewer, relay.browserAddrs[0] ?? '')
    const idle = await settle(relay.pid)
    options.log(`  idle: ${(idle / MiB).toFixed(1)} MiB`)
    const target = relay.nodeAddrs.find(a => !a.includes('/ws')) ?? ''
    const points: MemoryResult['points'] = []
    let running = 0
    for (const count of options.counts) {
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
      const rss = await settle(relay.pid)
      options.log(`  heap ${((await getMetric(relay.httpUrl, 'nodejs_heap_used_bytes')) / MiB).toFixed(1)} MiB, external ${((await getMetric(relay.httpUrl, 'nodejs_external_memory_bytes')) / MiB).toFixed(1)} MiB`)
      const point = { nodes: count, rssMiB: Math.round(rss / MiB), perNodeKiB: Math.round((rss - idle) / count / 1024) }
      points.push(point)
      options.log(`  ${count} nodes: ${point.rssMiB} MiB, ${point.perNodeKiB} KiB per connected node`)
    }
    return { idleMiB: Math.round(idle / MiB), points }
  } finally {
    for (const child of swarms) child.kill('SIGTERM')
    await viewer.stop()
    await relay.stop()
  }
}
