// Feed wire cost: bytes a dashboard receives per heartbeat with 1,000 nodes beating every 3 s.
// The dashboard dials the relay through a TCP proxy that counts every byte sent down, so
// WebSocket, noise and yamux framing, hello, snapshot and pings are all counted.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { FeedClient } from '../src/testing/feed-client.ts'
import { createPeer } from '../src/testing/peers.ts'
import { getMetric } from '../src/testing/http.ts'
import { waitFor } from '../src/testing/wait-for.ts'
import { countingProxy, pin, startBenchRelay } from './lib.ts'

export interface WireResult {
  nodes: number
  seconds: number
  heartbeats: number
  bytes: number
  /** all bytes since subscribing (snapshot included) over heartbeats since subscribing */
  bytesPerHeartbeat: number
  /** live part only: bytes after the snapshot over heartbeats after it */
  liveBytesPerHeartbeat: number
}

export async function wireCost (options: { nodes: number, seconds: number, log: (line: string) => void }): Promise<WireResult> {
  pin(process.pid, 1)
  const relay = await startBenchRelay()
  const target = relay.nodeAddrs.find(a => !a.includes('/ws')) ?? ''
  const swarm = spawn(process.execPath, [fileURLToPath(new URL('./node-swarm.ts', import.meta.url)), target, String(options.nodes), '3000', 'w'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const viewer = await createPeer()
  const ws = relay.browserAddrs[0] ?? ''
  const wsPort = Number(/\/tcp\/(\d+)\/ws/.exec(ws)?.[1])
  const proxy = await countingProxy(wsPort)
  try {
    await waitFor(`${options.nodes} nodes`, async () => await getMetric(relay.httpUrl, 'devnet_nodes_connected') === options.nodes, 180_000)
    const accepted0 = await getMetric(relay.httpUrl, 'devnet_heartbeats_accepted_total')
    const feed = await FeedClient.open(viewer, ws.replace(`/tcp/${wsPort}/`, `/tcp/${proxy.port}/`))
    await waitFor('the snapshot', () => feed.synced, 60_000)
    const afterSnapshot = proxy.downstreamBytes()
    const accepted1 = await getMetric(relay.httpUrl, 'devnet_heartbeats_accepted_total')
    await new Promise(resolve => setTimeout(resolve, options.seconds * 1000)) // the measured interval
    const bytes = proxy.downstreamBytes()
    const accepted2 = await getMetric(relay.httpUrl, 'devnet_heartbeats_accepted_total')
    const result: WireResult = {
      nodes: options.nodes,
      seconds: options.seconds,
      heartbeats: accepted2 - accepted0,
      bytes,
      bytesPerHeartbeat: Math.round(bytes / (accepted2 - accepted0)),
      liveBytesPerHeartbeat: Math.round((bytes - afterSnapshot) / (accepted2 - accepted1))
    }
    options.log(`  ${result.heartbeats} heartbeats in ${options.seconds} s: ${bytes} bytes to the dashboard, ${result.bytesPerHeartbeat} B per heartbeat (${result.liveBytesPerHeartbeat} B after the snapshot)`)
    return result
  } finally {
    swarm.kill('SIGTERM')
    await viewer.stop()
    await proxy.close()
    await relay.stop()
  }
}
