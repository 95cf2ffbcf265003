// A node API that misbehaves in every way the watcher must survive, chosen by the first path
// segment of the URL it is given (http://127.0.0.1:<port>/<mode>/…):
//   slow       holds every request 30 s, then answers
//   garbage    answers 200 with bytes that are not JSON
//   nonsense   answers 200 with JSON of the wrong shape
//   refuse     answers 401 to everything (a token refused)
//   echo       answers a JSON-RPC error that quotes the caller's Authorization header
//   huge       answers a valid start, then 50 MB to the head request
//   endless    a valid beacon node whose event stream never ends a line
//   huge-ws    a WebSocket that answers every call with a 50 MB message
//   flood-ws   a WebSocket that pushes thousands of notifications a second
// It counts what it managed to send, so a test can see what a bounded reader took.
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { WebSocketServer } from 'ws'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type WebSocket from 'ws'

const MiB = 1024 * 1024
export const HUGE_BYTES = 50 * MiB
const ROOT = `0x${'42'.repeat(32)}`

function beaconAnswer (path: string): unknown {
  if (path.startsWith('/eth/v1/node/version')) return { data: { version: 'Hostile/v0.0.1/x' } }
  if (path.startsWith('/eth/v1/node/identity')) return { data: { peer_id: '16Uiu2HAmHostile', enr: 'enr:-x', p2p_addresses: [] } }
  if (path.startsWith('/eth/v1/node/syncing')) return { data: { head_slot: '5', sync_distance: '0', is_syncing: false, is_optimistic: false } }
  if (path.startsWith('/eth/v1/config/spec')) return { data: { SLOTS_PER_EPOCH: '8' } }
  if (path.startsWith('/eth/v1/beacon/states/head/finality_checkpoints')) return { data: { finalized: { epoch: '0', root: ROOT } } }
  if (path.startsWith('/eth/v1/beacon/headers/head')) return { data: { root: ROOT, canonical: true, header: { message: { slot: '5' } } } }
  return undefined
}

export interface HostileStats {
  held: number
  requests: Record<string, number>
  largestResponse: Record<string, number>
  sent: Record<string, number>
}

export class HostileServer {
  readonly #server: Server
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
  readonly #held = new Set<ServerResponse>()
  /** bytes each mode got written to a socket (accepted by the kernel), in total */
  readonly sent = new Map<string, number>()
  /** the most bytes one response or message of each mode got out before the reader hung up */
  readonly largestResponse = new Map<string, number>()
  /** requests seen per mode */
  readonly requests = new Map<string, number>()
  #stopped = false

  constructor () {
    this.#server = createServer((req, res) => { this.#handle(req, res) })
    this.#server.on('upgrade', (req, socket, head) => {
      const mode = (req.url ?? '').split('/')[1] ?? ''
      this.#count(mode)
      if (mode !== 'huge-ws' && mode !== 'flood-ws') {
        socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n')
        return
      }
      this.#wss.handleUpgrade(req, socket, head, ws => { this.#onSocket(mode, ws) })
    })
  }

  get port (): number {
    return (this.#server.address() as AddressInfo).port
  }

  url (mode: string, scheme = 'http'): string {
    return `${scheme}://127.0.0.1:${this.port}/${mode}`
  }

  stats (): HostileStats {
    return {
      held: this.held,
      requests: Object.fromEntries(this.requests),
      largestResponse: Object.fromEntries(this.largestResponse),
      sent: Object.fromEntries(this.sent)
    }
  }

  /** requests held open now (slow mode) */
  get held (): number {
    return this.#held.size
  }

  async start (): Promise<void> {
    await new Promise<void>(resolve => this.#server.listen(0, '127.0.0.1', resolve))
  }

  async stop (): Promise<void> {
    this.#stopped = true
    for (const res of this.#held) res.destroy()
    for (const client of this.#wss.clients) client.terminate()
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => { resolve() }))
  }

  #count (mode: string): void {
    this.requests.set(mode, (this.requests.get(mode) ?? 0) + 1)
  }

  #record (mode: string, bytes: number, total: number): void {
    this.sent.set(mode, (this.sent.get(mode) ?? 0) + bytes)
    this.largestResponse.set(mode, Math.max(this.largestResponse.get(mode) ?? 0, total))
  }

  #handle (req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/'
    const mode = url.split('/')[1] ?? ''
    const path = url.slice(mode.length + 1)
    if (mode === '_stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.stats()))
      return
    }
    this.#count(mode)
    req.resume()
    switch (mode) {
      case 'slow': {
        this.#held.add(res)
        const timer = setTimeout(() => { this.#held.delete(res); res.end(JSON.stringify(beaconAnswer(path) ?? {})) }, 30_000)
        res.on('close', () => { clearTimeout(timer); this.#held.delete(res) })
        return
      }
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>\u0000\u00ff not json')
        return
      case 'nonsense':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { version: { no: 'string' }, root: 12, header: 'x' }, jsonrpc: '2.0', id: 1, result: { hash: 'nope' } }))
        return
      case 'refuse':
        res.writeHead(401).end('Unauthorized')
        return
      case 'echo':
        // a node that puts the caller's Authorization header in its error message
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: `not allowed: ${req.headers.authorization ?? ''}` } }))
        return
      case 'huge':
        if (path.startsWith('/eth/v1/beacon/headers/head')) {
          this.#stream(mode, res, 'application/json', () => new Uint8Array(64 * 1024).fill(0x20), HUGE_BYTES)
          return
        }
        break
      case 'endless':
        if (path.startsWith('/eth/v1/events')) {
          this.#stream(mode, res, 'text/event-stream', first => first ? new TextEncoder().encode('data: ') : new Uint8Array(64 * 1024).fill(0x61), Infinity)
          return
        }
        break
    }
    const answer = beaconAnswer(path)
    if (answer == null) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
  }

  /** Writes chunks while the reader takes them, up to `limit` bytes, counting what went out. */
  #stream (mode: string, res: ServerResponse, type: string, chunk: (first: boolean) => Uint8Array, limit: number): void {
    res.writeHead(200, { 'content-type': type })
    let total = 0
    let first = true
    const pump = (): void => {
      while (!this.#stopped && !res.destroyed && total < limit) {
        const bytes = chunk(first)
        first = false
        total += bytes.length
        this.#record(mode, bytes.length, total)
        if (!res.write(bytes)) {
          res.once('drain', pump)
          return
        }
      }
      if (total >= limit) res.end()
    }
    res.on('close', () => { res.off('drain', pump) })
    pump()
  }

  #onSocket (mode: string, ws: WebSocket): void {
    if (mode === 'flood-ws') {
      // notifications from the moment it opens, thousands a second
      const flood = setInterval(() => {
        for (let i = 0; i < 100; i++) ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: '0xfeed', result: { hash: ROOT, number: '0x6', parentHash: ROOT } } }))
      }, 5)
      ws.on('close', () => { clearInterval(flood) })
      return
    }
    // huge-ws: every call answered with one 50 MB message
    ws.on('message', () => {
      this.#record(mode, HUGE_BYTES, HUGE_BYTES)
      ws.send(Buffer.alloc(HUGE_BYTES, 0x20), () => {})
    })
  }
}

// Run as a process of its own (the tests do), so its 50 MB writes cost the watcher under test
// nothing but what it reads: prints {"port": n}, serves /_stats, stops on SIGTERM.
if (process.argv[1] != null && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const server = new HostileServer()
  await server.start()
  console.log(JSON.stringify({ port: server.port }))
  process.once('SIGTERM', () => { void server.stop().then(() => process.exit(0)) })
}

export interface HostileProcess {
  url: (mode: string, scheme?: string) => string
  stats: () => Promise<HostileStats>
  stop: () => Promise<void>
}

/** The hostile server in a child process of the project's Node, stopped by its PID. */
export async function startHostileProcess (): Promise<HostileProcess> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('the hostile server did not start in 20 s')) }, 20_000)
    void exited.then(() => { reject(new Error('the hostile server exited')) })
    createInterface({ input: child.stdout }).once('line', line => { clearTimeout(timer); resolve((JSON.parse(line) as { port: number }).port) })
  })
  return {
    url: (mode, scheme = 'http') => `${scheme}://127.0.0.1:${port}/${mode}`,
    stats: async () => await (await fetch(`http://127.0.0.1:${port}/_stats`)).json() as HostileStats,
    stop: async () => {
      const force = setTimeout(() => { child.kill('SIGKILL') }, 5000)
      child.kill('SIGTERM')
      await exited
      clearTimeout(force)
    }
  }
}
