// Pieces shared by the fault and abuse tests: a swarm of well-behaved nodes whose latest
// heights the tests check at the end, a relay process with a scratch data dir, a settled
// reading of the relay's memory, and a TCP proxy that reads as slowly as a test asks, or
// goes silent both ways as a vanished host does.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeHeartbeatLine } from '../protocol/index.ts'
import { createPeer, getJson, getMetric, openHeartbeatStream, spawnRelayProcess, waitFor } from './testing.ts'
import type { FeedClient, RelayProcess } from './testing.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { AddressInfo, Socket } from 'node:net'

export const MiB = 2 ** 20
const enc = new TextEncoder()

/** A go-filecoin heartbeat line: a three-block tipset key as long as a real one, or a short
 *  one (where a test measures memory, so that history filling up does not hide what it measures). */
export function heartbeatLine (height: number, nickname: string, short = false): Uint8Array {
  const head = short ? `{ bafy${height} }` : `{ bafy2bzacea${height}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bafy2bzaceb${height}bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb bafy2bzacec${height}cccccccccccccccccccccccccccccccccccccccccccccccccc }`
  return enc.encode(encodeHeartbeatLine({ head, height, nickname, minerAddress: 't01000', genesisCid: null }))
}

export interface ScratchRelay extends RelayProcess {
  tcp: string
  ws: string
  stop: () => Promise<void>
}

/**
 * The relay CLI as its own process (so its memory is its own) with a fresh data dir. With
 * `inspect`, it listens for the inspector on a free loopback port, so a test can make it
 * collect garbage (retainedBytes).
 */
export async function startRelayProcess (args: string[] = [], options: { inspect?: boolean } = {}): Promise<ScratchRelay> {
  const dataDir = await mkdtemp(join(tmpdir(), 'devnet-fault-'))
  const env: Record<string, string> = options.inspect === true ? { NODE_OPTIONS: '--inspect=127.0.0.1:0' } : {}
  const relay = await spawnRelayProcess(['--data-dir', dataDir, ...args], env)
  return {
    ...relay,
    tcp: relay.nodeAddrs.find(a => !a.includes('/ws')) ?? assert.fail('no TCP address'),
    ws: relay.browserAddrs[0] ?? assert.fail('no WebSocket address'),
    stop: async () => {
      await relay.kill()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}

/** `count` readings of a process's resident memory, `everyMs` apart, sorted low to high. */
export async function sampleRss (read: () => number | Promise<number>, count: number, everyMs: number): Promise<number[]> {
  const readings: number[] = []
  for (let k = 0; k < count; k++) {
    readings.push(await read())
    if (k < count - 1) await new Promise(resolve => setTimeout(resolve, everyMs)) // sampling interval, not synchronisation
  }
  return readings.sort((a, b) => a - b)
}

/**
 * The relay's resident memory once it has settled: the lowest of several readings 250 ms
 * apart. One reading catches whatever garbage V8 has not collected yet; the low point over
 * two seconds is what the process actually keeps.
 */
export async function settledRss (httpUrl: string, samples = 8): Promise<number> {
  const readings = await sampleRss(async () => await getMetric(httpUrl, 'process_resident_memory_bytes'), samples, 250)
  return readings[0] ?? NaN
}

/**
 * What the relay process holds after a full garbage collection: V8 heap in use plus memory
 * outside the heap owned by JS objects (buffers). RSS cannot show a 2 MiB difference: after
 * a burst of reads it keeps the allocator's high-water mark and any garbage V8 has not yet
 * collected (measured: +8-9 MiB for each of the first two bursts of 4 × 8 MiB, then flat, while
 * heap + external went back to where it started). Collecting first, through the inspector
 * (HeapProfiler.collectGarbage), measures what is actually retained.
 */
export async function retainedBytes (relay: RelayProcess): Promise<number> {
  // the last inspector the output names: the launcher restarts itself with its V8 flags, and the
  // first process's inspector went with it
  const url = relay.output().match(/ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/g)?.at(-1) ?? assert.fail('the relay was not started with inspect')
  const ws = new WebSocket(url)
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject })
  try {
    // two passes: the first can leave objects that only the second finds unreachable
    for (const id of [1, 2]) {
      const answered = new Promise(resolve => { ws.onmessage = (event: MessageEvent) => { if (JSON.parse(String(event.data)).id === id) resolve(undefined) } })
      ws.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }))
      await answered
    }
  } finally {
    ws.close()
  }
  const [heap, external] = await Promise.all([
    getMetric(relay.httpUrl, 'nodejs_heap_used_bytes'),
    getMetric(relay.httpUrl, 'nodejs_external_memory_bytes')
  ])
  return heap + external
}

export const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`

/**
 * Well-behaved nodes, each with its own connection and heartbeat stream, all beating the same
 * height; `expectLatest` is the "nothing is lost" check every fault test ends with.
 */
export class GoodSwarm {
  readonly peers: Libp2p[]
  readonly streams: Stream[]
  readonly prefix: string
  readonly shortHeads: boolean
  height = 0
  /** when each height was sent, for latency */
  readonly sentAt = new Map<number, number>()
  #timer?: ReturnType<typeof setInterval>

  private constructor (peers: Libp2p[], streams: Stream[], prefix: string, shortHeads: boolean) {
    this.peers = peers
    this.streams = streams
    this.prefix = prefix
    this.shortHeads = shortHeads
  }

  static async start (count: number, target: string, options: { prefix?: string, shortHeads?: boolean } = {}): Promise<GoodSwarm> {
    const peers = await Promise.all(Array.from({ length: count }, async () => createPeer()))
    const streams = await Promise.all(peers.map(async peer => openHeartbeatStream(peer, target)))
    const swarm = new GoodSwarm(peers, streams, options.prefix ?? 'good', options.shortHeads ?? false)
    swarm.beat()
    return swarm
  }

  get ids (): string[] {
    return this.peers.map(p => p.peerId.toString())
  }

  beat (): void {
    this.height++
    this.sentAt.set(this.height, performance.now())
    this.streams.forEach((s, k) => { if (s.status === 'open' && s.writeStatus === 'writable') s.send(heartbeatLine(this.height, `${this.prefix}${k}`, this.shortHeads)) })
  }

  /** Beats every intervalMs (well under the relay's per-peer rate) until stopBeating. */
  beatEvery (intervalMs: number): void {
    this.#timer = setInterval(() => { this.beat() }, intervalMs)
  }

  stopBeating (): void {
    clearInterval(this.#timer)
  }

  /** Every node connected at the swarm's last height, in /api/nodes and in the reader's model. */
  async expectLatest (httpUrl: string, reader: FeedClient, timeoutMs = 30_000): Promise<void> {
    const height = this.height
    const ids = this.ids
    for (const stream of this.streams) assert.equal(stream.status, 'open', 'a good node\'s stream was closed')
    await waitFor(`/api/nodes to show ${ids.length} good nodes at ${height}`, async () => {
      const byPeer = new Map((await getJson<NodeRecord[]>(`${httpUrl}/api/nodes`)).map(n => [n.peerId, n]))
      return ids.every(id => byPeer.get(id)?.height === height && byPeer.get(id)?.connected === true)
    }, timeoutMs)
    await waitFor(`the feed subscriber to show ${ids.length} good nodes at ${height}`, () =>
      ids.every(id => { const n = reader.byPeer(id); return n?.height === height && n.connected }), timeoutMs)
  }

  async stop (): Promise<void> {
    this.stopBeating()
    await Promise.all(this.peers.map(async p => { await p.stop() }))
  }
}

/**
 * A TCP proxy in front of the relay. Upstream bytes pass at full speed until `throttle()`;
 * after that the client gets one byte a second and the proxy holds at most one chunk, so TCP
 * flow control pushes back on the relay exactly as a client that reads one byte a second would.
 */
export interface SlowProxy {
  port: number
  throttle: () => void
  /** bytes the client has been given since the throttle began */
  trickled: () => number
  /** bytes passed from upstream to the client so far, over every connection */
  toClient: () => number
  /** from now on nothing passes either way and nothing is closed: a host that vanished */
  blackhole: () => void
  close: () => Promise<void>
}

export async function slowProxy (upstreamPort: number): Promise<SlowProxy> {
  let slow = false
  let dead = false
  let trickled = 0
  let toClient = 0
  const pairs = new Set<[client: Socket, upstream: Socket]>()
  const sockets = new Set<Socket>()
  const timers = new Set<ReturnType<typeof setInterval>>()
  const server = createServer(client => {
    const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort })
    sockets.add(client)
    sockets.add(upstream)
    client.pipe(upstream)
    let pending: Buffer | undefined
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    upstream.on('data', (chunk: Buffer) => {
      if (dead) return
      if (!slow) { toClient += chunk.length; client.write(chunk); return }
      pending = pending == null ? chunk : Buffer.concat([pending, chunk])
      upstream.pause()
    })
    const timer = setInterval(() => {
      if (!slow || pending == null) return
      client.write(pending.subarray(0, 1))
      trickled++
      toClient++
      pending = pending.length > 1 ? pending.subarray(1) : undefined
      if (pending == null) upstream.resume()
    }, 1_000)
    timers.add(timer)
    const end = (): void => { clearInterval(timer); client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); pairs.delete(pair) }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    throttle: () => { slow = true },
    trickled: () => trickled,
    toClient: () => toClient,
    blackhole: () => {
      dead = true
      for (const [client] of pairs) {
        client.unpipe()
        client.on('data', () => {})
      }
    },
    close: async () => {
      for (const timer of timers) clearInterval(timer)
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}
