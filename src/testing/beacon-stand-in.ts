// A small beacon node for the beacon driver's fast tests, answering as the standard beacon API
// specifies (and as Lodestar 1.5.1 was seen to): /eth/v1/node/{version,identity,syncing},
// /eth/v1/config/spec, /eth/v1/beacon/headers/{head,<root>}, /eth/v1/beacon/states/head/
// finality_checkpoints, and server-sent events at /eth/v1/events (`head`, and on a reorg the
// new head's `head` event first, then `chain_reorg`). The real client is tested with Lodestar.
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export function blockRoot (label: string): string {
  return `0x${createHash('sha256').update(label).digest('hex')}`
}

export class BeaconStandIn {
  readonly #server: Server
  readonly #streams = new Set<ServerResponse>()
  slot = 0
  root = blockRoot('genesis')
  /** every block made, by root: its slot and parent_root (a test makes a few dozen) */
  readonly headers = new Map<string, { slot: number, parent: string }>([[blockRoot('genesis'), { slot: 0, parent: `0x${'00'.repeat(32)}` }]])
  syncing = false
  finalizedEpoch = 0
  /** when false, /eth/v1/events answers 404 (a client or proxy without it) */
  events = true
  readonly peerId = '16Uiu2HAmH15yAPm69RgbZjodSZcBAzWAXFYxbCpNxFaubTDbmSxB'

  constructor () {
    this.#server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0] ?? ''
      const json = (value: unknown): void => { res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value)) }
      switch (path) {
        case '/eth/v1/node/version': return json({ data: { version: 'Lodestar/v1.5.1/2115aa7' } })
        case '/eth/v1/node/identity': return json({ data: { peer_id: this.peerId, enr: 'enr:-stand-in', p2p_addresses: [], discovery_addresses: [], metadata: {} } })
        case '/eth/v1/node/syncing': return json({ data: { head_slot: String(this.slot), sync_distance: '0', is_syncing: this.syncing, is_optimistic: false } })
        case '/eth/v1/config/spec': return json({ data: { SLOTS_PER_EPOCH: '8', SECONDS_PER_SLOT: '6' } })
        case '/eth/v1/beacon/states/head/finality_checkpoints':
          return json({ data: { previous_justified: { epoch: '0', root: blockRoot('x') }, current_justified: { epoch: '0', root: blockRoot('x') }, finalized: { epoch: String(this.finalizedEpoch), root: blockRoot('f') } } })
        case '/eth/v1/beacon/headers/head':
          return json(this.#header(this.root))
        case '/eth/v1/events':
          if (!this.events) {
            res.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":404,"message":"Not Found"}')
            return
          }
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
          res.write(': stand-in\n\n')
          this.#streams.add(res)
          res.on('close', () => { this.#streams.delete(res) })
          return
        default: {
          const root = /^\/eth\/v1\/beacon\/headers\/(0x[0-9a-f]{64})$/.exec(path)?.[1]
          if (root !== undefined && this.headers.has(root)) return json(this.#header(root))
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":404,"message":"No block found"}')
        }
      }
    })
  }

  get url (): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  get subscribers (): number {
    return this.#streams.size
  }

  async start (): Promise<void> {
    await new Promise<void>(resolve => this.#server.listen(0, '127.0.0.1', resolve))
  }

  async stop (): Promise<void> {
    for (const res of this.#streams) res.destroy()
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => { resolve() }))
  }

  #header (root: string): unknown {
    const header = this.headers.get(root) ?? { slot: this.slot, parent: `0x${'00'.repeat(32)}` }
    return { data: { root, canonical: true, header: { message: { slot: String(header.slot), proposer_index: '0', parent_root: header.parent, state_root: blockRoot(`state:${root}`), body_root: blockRoot(`body:${root}`) }, signature: '0x00' } } }
  }

  /** A new head at the next slot (or the given one), built on `parent` (default: the head),
   *  announced as a `head` event. */
  advance (slot = this.slot + 1, label = 'main', parent = this.root): string {
    this.slot = slot
    this.root = blockRoot(`${label}:${slot}`)
    this.headers.set(this.root, { slot, parent })
    this.#send('head', { slot: String(slot), block: this.root, state: blockRoot(`state:${label}:${slot}`), epoch_transition: false, previous_duty_dependent_root: blockRoot('p'), current_duty_dependent_root: blockRoot('c'), execution_optimistic: false })
    return this.root
  }

  /** A reorg to a branch whose head is at `slot` (it may be lower), built on `parent`: `head`,
   *  then `chain_reorg`. */
  reorg (slot: number, depth: number, parent = this.root): string {
    const old = this.root
    const root = this.advance(slot, 'fork', parent)
    this.#send('chain_reorg', { slot: String(slot), depth: String(depth), old_head_block: old, new_head_block: root, old_head_state: blockRoot('os'), new_head_state: blockRoot('ns'), epoch: String(Math.floor(slot / 8)), execution_optimistic: false })
    return root
  }

  #send (event: string, data: unknown): void {
    for (const res of this.#streams) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }
}
