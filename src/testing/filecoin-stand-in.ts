// A stand-in Filecoin node for tests (no Lotus, Forest or Venus runs on this machine), built
// from Lotus's published API documentation (documentation/en/api-v1-unstable-methods.md) and
// its go-jsonrpc library's channel protocol:
// - JSON-RPC 2.0 at /rpc/v1, over HTTP POST and over a WebSocket on the same path.
// - Filecoin.ChainNotify (WebSocket only) answers {"result": <channel id>}, then sends
//   {"method":"xrpc.ch.val","params":[<channel>, [{"Type":"current","Val":<tipset>}]]}; every
//   head change after that is one such message, a reorg being its reverts followed by its
//   applies (oldest first), as Lotus's ChainStore publishes them. Lotus closes the channel of
//   a subscriber that falls behind with {"method":"xrpc.ch.close","params":[<channel>]}.
// - Filecoin.ChainHead → {"Cids":[{"/":…}],"Blocks":[…],"Height":n};
//   Filecoin.Version → {"Version","APIVersion","BlockDelay"};
//   Filecoin.NetAddrsListen → {"ID","Addrs"}; an unknown method → error -32601.
// - Lotus and Forest serve reads without a token; Venus answers 401 without
//   `Authorization: Bearer <jwt>`, and any of them 401 for a token it does not know.
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { WebSocketServer } from 'ws'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type WebSocket from 'ws'

export type FilecoinFlavour = 'lotus' | 'forest' | 'venus'

export interface StandInTipset {
  cids: string[]
  height: number
  /** the parent tipset's CIDs */
  parents: string[]
}

const DAG_CBOR = 0x71
const BLAKE2B_256 = 0xb220

/** A block CID like Lotus's (CIDv1, dag-cbor, a 32-byte digest under blake2b-256's code: `bafy2bzace…`). */
export function standInCid (seed: string): string {
  const digest = createHash('sha256').update(seed).digest()
  return CID.createV1(DAG_CBOR, createDigest(BLAKE2B_256, new Uint8Array(digest))).toString()
}

export function tipsetJson (tipset: StandInTipset, miner = 't01000'): unknown {
  return {
    Cids: tipset.cids.map(cid => ({ '/': cid })),
    Blocks: tipset.cids.map((_, i) => ({
      Miner: `t0${1000 + i}`.replace('t01000', miner),
      Parents: tipset.parents.map(cid => ({ '/': cid })),
      ParentWeight: String(tipset.height * 1000),
      Height: tipset.height,
      Timestamp: 1_700_000_000 + tipset.height * 30
    })),
    Height: tipset.height
  }
}

interface Subscriber { socket: WebSocket, channel: number }

export interface FilecoinStandInInit {
  flavour?: FilecoinFlavour
  /** the token Venus (or any flavour, when set) accepts */
  token?: string
  peerId?: string
}

/** The node's chain: a branch of tipsets; tests move the head and reorg it. */
export class FilecoinStandIn {
  readonly flavour: FilecoinFlavour
  readonly token: string | undefined
  readonly peerId: string
  readonly #server: Server
  readonly #wss = new WebSocketServer({ noServer: true })
  readonly #subscribers = new Set<Subscriber>()
  /** the current branch, genesis first */
  readonly #chain: StandInTipset[]
  #nextChannel = 1
  /** requests answered, by method (tests check what the watcher asked) */
  readonly calls = new Map<string, number>()
  /** WebSocket upgrades refused for want of a good token */
  refused = 0
  /** ChainNotify subscriptions opened over the server's life */
  subscriptions = 0
  /** when true, WebSocket upgrades are answered 404 (an HTTP-only endpoint) */
  httpOnly = false

  constructor (init: FilecoinStandInInit = {}) {
    this.flavour = init.flavour ?? 'lotus'
    this.token = init.token
    this.peerId = init.peerId ?? '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'
    this.#chain = [{ cids: [standInCid('genesis')], height: 0, parents: [] }]
    this.#server = createServer((req, res) => {
      if (req.url !== '/rpc/v1' || req.method !== 'POST') {
        res.writeHead(404).end('404 page not found\n')
        return
      }
      if (!this.#authorized(req.headers.authorization)) {
        res.writeHead(401).end('JWT Verification failed\n')
        return
      }
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (chunk: string) => { body += chunk })
      req.on('end', () => {
        let request: { id?: unknown, method?: unknown }
        try {
          request = JSON.parse(body)
        } catch {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }))
          return
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.#answer(request, undefined)))
      })
    })
    this.#server.on('upgrade', (req, socket, head) => {
      if (req.url !== '/rpc/v1' || this.httpOnly) {
        socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n')
        return
      }
      if (!this.#authorized(req.headers.authorization)) {
        this.refused++
        socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n')
        return
      }
      this.#wss.handleUpgrade(req, socket, head, ws => { this.#onSocket(ws) })
    })
  }

  get url (): string {
    return `ws://127.0.0.1:${(this.#server.address() as AddressInfo).port}/rpc/v1`
  }

  get head (): StandInTipset {
    return this.#chain[this.#chain.length - 1] as StandInTipset
  }

  async start (port = 0): Promise<void> {
    await new Promise<void>(resolve => this.#server.listen(port, '127.0.0.1', resolve))
  }

  async stop (): Promise<void> {
    for (const client of this.#wss.clients) client.terminate()
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => { resolve() }))
  }

  /** A new tipset of `blocks` blocks on top of the head, announced as one `apply`. */
  grow (blocks = 1, label = 'main'): StandInTipset {
    const height = this.head.height + 1
    const next: StandInTipset = {
      cids: Array.from({ length: blocks }, (_, i) => standInCid(`${label}:${height}:${i}`)),
      height,
      parents: this.head.cids
    }
    this.#chain.push(next)
    this.#publish([{ Type: 'apply', Val: tipsetJson(next) }])
    return next
  }

  /**
   * A reorg: the tipsets from the head down to (not including) `keep` height are reverted and
   * `applies` new ones built on it, announced as ONE message, reverts first, as Lotus does.
   */
  reorg (keepHeight: number, applies: number, label = 'fork'): { reverted: StandInTipset[], applied: StandInTipset[] } {
    const reverted: StandInTipset[] = []
    while (this.head.height > keepHeight) reverted.push(this.#chain.pop() as StandInTipset)
    const base = this.head
    const applied: StandInTipset[] = []
    for (let i = 1; i <= applies; i++) {
      const next = { cids: [standInCid(`${label}:${base.height + i}`)], height: base.height + i, parents: this.head.cids }
      applied.push(next)
      this.#chain.push(next)
    }
    this.#publish([
      ...reverted.map(tipset => ({ Type: 'revert', Val: tipsetJson(tipset) })),
      ...applied.map(tipset => ({ Type: 'apply', Val: tipsetJson(tipset) }))
    ])
    return { reverted, applied }
  }

  /** Lotus closing every subscriber's channel, as it does to a reader that fell behind. */
  closeSubscriptions (): void {
    for (const subscriber of this.#subscribers) {
      subscriber.socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'xrpc.ch.close', params: [subscriber.channel] }))
    }
    this.#subscribers.clear()
  }

  /** Open ChainNotify channels now. */
  get subscriberCount (): number {
    return this.#subscribers.size
  }

  #authorized (header: string | undefined): boolean {
    const given = header?.startsWith('Bearer ') === true ? header.slice(7) : undefined
    if (given != null) return given === this.token
    // no token: Lotus and Forest allow reads; Venus refuses everything
    return this.flavour !== 'venus'
  }

  #count (method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1)
  }

  #answer (request: { id?: unknown, method?: unknown }, socket: WebSocket | undefined): unknown {
    const id = request.id ?? null
    const method = typeof request.method === 'string' ? request.method : ''
    this.#count(method)
    const ok = (result: unknown): unknown => ({ jsonrpc: '2.0', id, result })
    switch (method) {
      case 'Filecoin.Version':
        return ok(this.flavour === 'forest'
          ? { Version: '0.19.2+git.8f2a4a4', APIVersion: 65536, BlockDelay: 30 }
          : this.flavour === 'venus'
            ? { Version: '1.14.0+git.3e5b1ef', APIVersion: 131584, BlockDelay: 30 }
            : { Version: '1.28.0+mainnet+git.b9d8a5d', APIVersion: 131840, BlockDelay: 30 })
      case 'Filecoin.NetAddrsListen':
        return ok({ ID: this.peerId, Addrs: ['/ip4/127.0.0.1/tcp/1347'] })
      case 'Filecoin.ID':
        // Forest has no Filecoin.ID
        if (this.flavour === 'forest') break
        return ok(this.peerId)
      case 'Filecoin.ChainHead':
        return ok(tipsetJson(this.head))
      case 'Filecoin.ChainNotify': {
        if (socket == null) return { jsonrpc: '2.0', id, error: { code: 1, message: 'RPC client error: sendRequest failed: channel methods need a websocket connection' } }
        const channel = this.#nextChannel++
        this.subscriptions++
        const subscriber = { socket, channel }
        // the channel id first, then `current` on it
        queueMicrotask(() => {
          this.#subscribers.add(subscriber)
          socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'xrpc.ch.val', params: [channel, [{ Type: 'current', Val: tipsetJson(this.head) }]] }))
        })
        return ok(channel)
      }
    }
    return { jsonrpc: '2.0', id, error: { code: -32601, message: `method '${method}' not found` } }
  }

  #onSocket (socket: WebSocket): void {
    socket.on('message', data => {
      let request: { id?: unknown, method?: unknown }
      try {
        request = JSON.parse(data.toString())
      } catch {
        return
      }
      if (request.method === 'xrpc.cancel') return
      socket.send(JSON.stringify(this.#answer(request, socket)))
    })
    socket.on('close', () => {
      for (const subscriber of this.#subscribers) if (subscriber.socket === socket) this.#subscribers.delete(subscriber)
    })
  }

  #publish (changes: unknown[]): void {
    for (const subscriber of this.#subscribers) {
      subscriber.socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'xrpc.ch.val', params: [subscriber.channel, changes] }))
    }
  }
}
