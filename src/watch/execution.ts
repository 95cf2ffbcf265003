// Ethereum execution clients (geth, Nethermind, Besu, Erigon, Reth; Hardhat's EDR in tests)
// through the standard JSON-RPC API: `eth_subscribe ["newHeads"]` over a WebSocket, whose
// `eth_subscription` notifications carry each new block header ({number, hash, parentHash}),
// falling back to polling `eth_getBlockByNumber("latest", false)`. Height is the block number,
// head the block hash. There is no reorg event: a reorg shows as a head at a height already
// seen, or one whose parent is not the previous head. Client and version from
// `web3_clientVersion`, syncing from `eth_syncing`, finalized from the "finalized" block tag
// (where the node knows it).
import { logger } from '@libp2p/logger'
import { RpcError } from './errors.ts'
import { checkHash, checkHexQuantity, field, isRecord, optionalHash, splitClientVersion } from './facts.ts'
import { openRpcTransport } from './rpc-transport.ts'
import type { HeadObservation } from './facts.ts'
import type { DriverContext, KindDriver } from './node-watch.ts'
import type { RpcTransport } from './rpc-transport.ts'

const debug = logger('devnet:watch:execution')

// syncing and finalized are asked every this many polls (they change slowly)
const FACTS_EVERY_POLLS = 4

/** A block (or newHeads header) checked: its hash, number and parent (parentHash, where it is a
 *  hash: a block without one is still a head, only without ParentHead). */
export function parseBlockHead (value: unknown, what: string): HeadObservation {
  const parent = optionalHash(isRecord(value) ? value.parentHash : undefined)
  const block: HeadObservation = {
    head: checkHash(field(value, 'hash', what), what),
    height: checkHexQuantity(field(value, 'number', what), what)
  }
  if (parent !== undefined) block.parent = parent
  return block
}

export class ExecutionDriver implements KindDriver {
  #transport: RpcTransport | undefined
  #subscription: string | undefined
  #last: HeadObservation | undefined
  #polls = 0
  #finalizedKnown = true

  async start (ctx: DriverContext): Promise<boolean> {
    const transport = await openRpcTransport(ctx, (method, params) => { this.#onNotification(ctx, method, params) })
    this.#transport = transport
    ctx.facts(splitClientVersion(await transport.call('web3_clientVersion', [])))
    await this.#refreshFacts(ctx)
    if (transport.socket == null) return false
    try {
      const id = await transport.call('eth_subscribe', ['newHeads'])
      if (typeof id !== 'string' || id.length === 0 || id.length > 128) return false
      this.#subscription = id
      return true
    } catch (err) {
      // no subscriptions here (a node behind an HTTP-only proxy, or one that lacks them)
      if (err instanceof RpcError) return false
      throw err
    }
  }

  async poll (ctx: DriverContext): Promise<HeadObservation> {
    if (this.#transport == null) throw new Error('not started')
    if (++this.#polls % FACTS_EVERY_POLLS === 0) await this.#refreshFacts(ctx)
    const block = parseBlockHead(await this.#transport.call('eth_getBlockByNumber', ['latest', false]), `eth_getBlockByNumber at ${ctx.spec.name}`)
    this.#noteReorg(ctx, block)
    return block
  }

  close (): void {
    this.#transport?.close()
  }

  async #refreshFacts (ctx: DriverContext): Promise<void> {
    const transport = this.#transport
    if (transport == null) return
    const syncing = await transport.call('eth_syncing', []).catch(err => { if (err instanceof RpcError) return undefined; throw err })
    // false when in sync, an object of progress while syncing
    if (syncing !== undefined) ctx.facts({ syncing: syncing !== false })
    if (!this.#finalizedKnown) return
    try {
      const finalized = await transport.call('eth_getBlockByNumber', ['finalized', false])
      if (finalized == null) return
      ctx.facts({ finalizedHeight: checkHexQuantity(field(finalized, 'number', 'finalized block'), `finalized block at ${ctx.spec.name}`) })
    } catch (err) {
      // a node from before the merge, or a dev chain without finality: stop asking
      if (!(err instanceof RpcError)) throw err
      this.#finalizedKnown = false
    }
  }

  #noteReorg (ctx: DriverContext, block: HeadObservation): void {
    const last = this.#last
    this.#last = block
    if (last == null || last.head === block.head) return
    if (block.height <= last.height || (block.height === last.height + 1 && block.parent != null && block.parent !== last.head)) {
      debug('%s: reorg: %s at %d replaces %s at %d', ctx.spec.name, block.head, block.height, last.head, last.height)
    }
  }

  #onNotification (ctx: DriverContext, method: string, params: unknown): void {
    if (method !== 'eth_subscription' || this.#subscription == null) return
    if (field(params, 'subscription', method) !== this.#subscription) return
    const block = parseBlockHead(field(params, 'result', method), `newHeads from ${ctx.spec.name}`)
    this.#noteReorg(ctx, block)
    ctx.head(block)
  }
}
