// Helpers for tests that drive a real relay over real libp2p connections on loopback. Tests
// of other folders (the simulator's) use them too.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { forEachLine } from '../p2p/lines.ts'
import { devnetYamux } from '../p2p/muxer.ts'
import { decodeFeedLine, decodeUtf8, FEED_PROTOCOL, HEARTBEAT_PROTOCOL, MAX_FEED_LINE_BYTES } from '../protocol/index.ts'
import { startRelay } from './relay.ts'
import type { FeedMessage, HistoryPoint, NodeRecord } from '../protocol/index.ts'
import type { Relay, RelayInit } from './index.ts'
import type { Libp2p, PrivateKey, Stream } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'

/**
 * Polls a condition until it holds (returns something other than undefined/false) and
 * returns its value; fails after timeoutMs with a message naming what was awaited, the
 * probe's last error, and describe() (whatever state would explain the wait). Polling a
 * condition is how tests wait: never a fixed sleep.
 */
export async function waitFor<T> (what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000, describe: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (true) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const detail = describe()
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError != null ? ` (last error: ${(lastError as Error).message})` : ''}${detail !== '' ? `; ${detail}` : ''}`)
    }
    // yields to I/O between checks; the condition, not this delay, is what a test waits on
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

export interface TestRelay extends Relay {
  dataDir: string
  /** stops the relay and removes its data dir */
  destroy: () => Promise<void>
}

/** A relay on free loopback ports with a fresh data dir (or the given one). */
export async function startTestRelay (init: Partial<RelayInit> = {}): Promise<TestRelay> {
  const dataDir = init.dataDir ?? await mkdtemp(join(tmpdir(), 'devnet-relay-'))
  const relay = await startRelay({ host: '127.0.0.1', httpPort: 0, tcpPort: 0, wsPort: 0, ...init, dataDir })
  return Object.assign(relay, {
    dataDir,
    destroy: async () => {
      await relay.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
}

/** A libp2p node that can dial the relay over TCP and WebSockets, as a devnet node would. */
export async function createPeer (privateKey?: PrivateKey): Promise<Libp2p> {
  return createLibp2p({
    ...(privateKey != null ? { privateKey } : {}),
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [devnetYamux()],
    connectionMonitor: { enabled: false },
    // on loopback a slow dial means a loaded machine (hundreds of handshakes at once in one
    // test process), not an unreachable relay: give it time rather than fail the test
    connectionManager: { dialTimeout: 30_000, addressDialTimeout: 30_000 }
  })
}

/** A libp2p node listening on a free loopback TCP port, for tests of our libp2p pieces. */
export async function createListener (services: Libp2pOptions['services'] = {}): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [devnetYamux()],
    connectionMonitor: { enabled: false },
    services
  })
}

export async function openHeartbeatStream (peer: Libp2p, target: string): Promise<Stream> {
  return peer.dialProtocol(multiaddr(target), HEARTBEAT_PROTOCOL)
}

export async function getJson<T = unknown> (url: string): Promise<T> {
  const res = await fetch(url)
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`)
  return await res.json() as T
}

/** The value of one series (exact name with labels, e.g. `x_total{reason="not_json"}`). */
export async function getMetric (httpUrl: string, series: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1))
  }
  return 0
}

/** A feed subscriber that keeps every message and a small model of the nodes it describes. */
export class FeedClient {
  readonly messages: FeedMessage[] = []
  readonly nodes = new Map<number, NodeRecord>()
  readonly history = new Map<number, HistoryPoint[]>()
  synced = false
  /** called with every message after it is applied (tests time deliveries with it) */
  onMessage?: (message: FeedMessage) => void
  readonly stream: Stream
  /** resolves when the feed ends, with the error that ended it, if any */
  done: Promise<Error | undefined> = Promise.resolve(undefined)

  private constructor (stream: Stream, read: boolean) {
    this.stream = stream
    if (read) this.#read()
  }

  /** Starts reading a subscriber opened without reading: what was held back comes first. */
  resume (): void {
    this.#read()
    this.stream.resume()
  }

  #read (): void {
    this.done = forEachLine(this.stream, MAX_FEED_LINE_BYTES, line => { this.#apply(decodeFeedLine(decodeUtf8(line))) })
      .then(() => undefined, (err: Error) => err)
  }

  /** Subscribes; with read false the stream is paused and never read (a stuck dashboard). */
  static async open (peer: Libp2p, target: string, read = true): Promise<FeedClient> {
    const stream = await peer.dialProtocol(multiaddr(target), FEED_PROTOCOL)
    if (!read) stream.pause()
    return new FeedClient(stream, read)
  }

  byPeer (peerId: string): NodeRecord | undefined {
    for (const node of this.nodes.values()) if (node.peerId === peerId) return node
    return undefined
  }

  #apply (message: FeedMessage): void {
    this.messages.push(message)
    this.#model(message)
    this.onMessage?.(message)
  }

  #model (message: FeedMessage): void {
    switch (message.t) {
      case 'snapshot':
        this.synced = false
        this.nodes.clear()
        break
      case 'synced':
        this.synced = true
        break
      case 'node':
        this.nodes.set(message.i, { ...message.node })
        if (message.history != null) this.history.set(message.i, message.history)
        break
      case 'hb': {
        const node = this.nodes.get(message.i)
        if (node != null) Object.assign(node, { height: message.height, head: message.head, lastHeartbeatAt: message.at })
        break
      }
      case 'conn':
      case 'disc': {
        const node = this.nodes.get(message.i)
        if (node != null) node.connected = message.t === 'conn'
        break
      }
      case 'forget':
        this.nodes.delete(message.i)
        break
      default:
    }
  }
}

export interface RelayProcess {
  /** the relay's own process (this launcher runs it directly under a modern Node) */
  pid: number
  peerId: string
  httpUrl: string
  nodeAddrs: string[]
  browserAddrs: string[]
  output: () => string
  /** SIGTERM (or the given signal), then waits for the exit */
  kill: (signal?: NodeJS.Signals) => Promise<void>
}

/**
 * Runs `devnet-dashboard relay` as its own process (free ports unless args say otherwise) and
 * resolves once it has printed its addresses, so tests can measure the relay alone.
 */
export async function spawnRelayProcess (args: string[], env: Record<string, string> = {}): Promise<RelayProcess> {
  const { spawn } = await import('node:child_process')
  const { fileURLToPath } = await import('node:url')
  const bin = fileURLToPath(new URL('../../bin/devnet-dashboard.js', import.meta.url))
  const child = spawn(process.execPath, [bin, 'relay', '--http-port', '0', '--tcp-port', '0', '--ws-port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
  const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
  const printed = await waitFor('the relay process to print its addresses', () => {
    if (child.exitCode != null) throw new Error(`relay exited with ${child.exitCode}: ${out}`)
    return /dashboards dial:\n(\s+\S+\n)+/.test(out) ? out : undefined
  }, 30_000)
  const addrs = (heading: string): string[] => {
    const start = printed.indexOf(heading)
    const lines = printed.slice(start + heading.length).split('\n').slice(1)
    const out: string[] = []
    for (const line of lines) {
      if (!line.startsWith('    ')) break
      out.push(line.trim())
    }
    return out
  }
  return {
    pid: child.pid ?? 0,
    peerId: /relay (\S+)/.exec(printed)?.[1] ?? '',
    httpUrl: (/dashboard:\s+(\S+)\//.exec(printed)?.[1]) ?? '',
    nodeAddrs: addrs('BeatTarget for devnet nodes'),
    browserAddrs: addrs('dashboards dial:'),
    output: () => out,
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode == null) child.kill(signal)
      await exited
    }
  }
}
