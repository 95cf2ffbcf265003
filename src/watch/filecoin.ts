// Filecoin nodes (Lotus, Forest, Venus) through their JSON-RPC 2.0 API at /rpc/v1, as Lotus's
// API documentation describes it (documentation/en/api-v1-unstable-methods.md) and its
// go-jsonrpc library speaks it:
// - Filecoin.ChainNotify over a WebSocket answers a channel number; the node then sends
//   `xrpc.ch.val` notifications, params [channel, [{Type, Val: tipset}, …]]: first one
//   `current`, then `apply` and `revert` (a reorg is one message, reverts first, then the
//   applies from oldest to newest). Lotus closes the channel of a reader that falls behind
//   (`xrpc.ch.close`, params [channel]); the watcher then subscribes again.
// - Filecoin.ChainHead → {Cids: [{"/": cid}, …], Blocks, Height}: the poll.
// - Filecoin.Version → {Version, APIVersion, BlockDelay}; Filecoin.NetAddrsListen → {ID, Addrs}
//   (the node's own peer ID; Filecoin.ID is missing on Forest).
// - Lotus and Forest serve reads without a token; Venus answers 401 without
//   `Authorization: Bearer <jwt>`.
// The head goes on the wire in go-filecoin's spelling, `{ cid1 cid2 }`; Lotus prints the same
// key as `{cid1,cid2}`, which the debug log shows too, for grepping a Lotus log.
import { logger } from '@libp2p/logger'
import { MAX_RESUBSCRIBES_PER_MINUTE } from './constants.ts'
import { BadResponseError, RpcError, SubscriptionEndedError } from './errors.ts'
import { MAX_CID_LENGTH, MAX_CLIENT_LENGTH, MAX_CLIENT_VERSION_LENGTH } from '../protocol/index.ts'
import { checkHead, checkHeight, factString, field, isRecord, peerIdFact } from './facts.ts'
import { openRpcTransport } from './rpc-transport.ts'
import type { HeadObservation } from './facts.ts'
import type { DriverContext, KindDriver } from './node-watch.ts'
import type { RpcTransport } from './rpc-transport.ts'

const debug = logger('devnet:watch:filecoin')

// a tipset has a handful of blocks (5 expected per epoch on mainnet); far more is nonsense
const MAX_TIPSET_BLOCKS = 64
const CID = /^[a-zA-Z0-9]+$/
// JSON-RPC "method not found"
const METHOD_NOT_FOUND = -32601

export interface FilecoinTipset extends HeadObservation {
  cids: string[]
}

/** The CIDs of a list of {"/": cid} links, or undefined when it is not one (empty, too long,
 *  a link that is no CID). */
function cidList (links: unknown): string[] | undefined {
  if (!Array.isArray(links) || links.length === 0 || links.length > MAX_TIPSET_BLOCKS) return undefined
  const cids: string[] = []
  for (const link of links) {
    const cid = isRecord(link) ? link['/'] : undefined
    if (typeof cid !== 'string' || cid.length > MAX_CID_LENGTH || !CID.test(cid)) return undefined
    cids.push(cid)
  }
  return cids
}

/** A tipset key in go-filecoin's spelling, `{ cid1 cid2 }`, in the order the node lists them. */
function goTipsetKey (cids: string[]): string {
  return `{ ${cids.join(' ')} }`
}

/**
 * A tipset as Lotus's JSON shows it, checked; the head in go-filecoin's spelling. Its parent is
 * the first block's Parents (every block of a tipset has the same), a tipset key spelt as the
 * head is, so it reads the same as that tipset's own head did; a tipset without usable Parents
 * (genesis has none) is still a head.
 */
export function parseTipset (value: unknown, what: string): FilecoinTipset {
  const keys = cidList(field(value, 'Cids', what))
  if (keys === undefined) throw new BadResponseError(what, 'a tipset needs Cids, each {"/": "<cid>"}')
  const height = checkHeight(field(value, 'Height', what), what)
  const tipset: FilecoinTipset = { cids: keys, head: checkHead(goTipsetKey(keys), what), height }
  const blocks = isRecord(value) ? value.Blocks : undefined
  const first: unknown = Array.isArray(blocks) ? blocks[0] : undefined
  const parents = cidList(isRecord(first) ? first.Parents : undefined)
  if (parents !== undefined) tipset.parent = goTipsetKey(parents)
  return tipset
}

/** Lotus's own spelling of a tipset key, as its logs print it. */
export function lotusTipsetKey (cids: string[]): string {
  return `{${cids.join(',')}}`
}

/** The new head a ChainNotify message leaves: its last `current` or `apply`. */
export function headOfChanges (changes: unknown, what: string): { head: FilecoinTipset | undefined, reverts: number, applies: number } {
  if (!Array.isArray(changes) || changes.length === 0 || changes.length > 4 * MAX_TIPSET_BLOCKS) throw new BadResponseError(what, 'a ChainNotify value is a list of head changes')
  let head: FilecoinTipset | undefined
  let reverts = 0
  let applies = 0
  for (const change of changes) {
    const type = field(change, 'Type', what)
    const tipset = parseTipset(field(change, 'Val', what), what)
    if (type === 'revert') {
      reverts++
    } else if (type === 'apply' || type === 'current') {
      applies++
      head = tipset
    } else {
      throw new BadResponseError(what, `unknown head change type ${JSON.stringify(type)}`.slice(0, 120))
    }
  }
  return { head, reverts, applies }
}

export class FilecoinDriver implements KindDriver {
  #transport: RpcTransport | undefined
  #channel: number | undefined
  #closes: number[] = []

  async start (ctx: DriverContext): Promise<boolean> {
    const transport = await openRpcTransport(ctx, (method, params) => { this.#onNotification(ctx, method, params) })
    this.#transport = transport
    const version = await this.#optional(transport.call('Filecoin.Version', []))
    if (version !== undefined) {
      const agent = isRecord(version) ? factString(version.Agent, MAX_CLIENT_LENGTH) : null
      ctx.facts({
        // Version says nothing of which implementation answers; a newer Lotus adds Agent
        client: agent != null ? agent.charAt(0).toUpperCase() + agent.slice(1) : 'Filecoin',
        clientVersion: isRecord(version) ? factString(version.Version, MAX_CLIENT_VERSION_LENGTH) : null
      })
    }
    const addrs = await this.#optional(transport.call('Filecoin.NetAddrsListen', []))
    if (addrs !== undefined) ctx.facts({ nodePeerId: isRecord(addrs) ? peerIdFact(addrs.ID) : null })
    if (transport.socket == null) return false
    return await this.#subscribe(ctx)
  }

  async poll (ctx: DriverContext): Promise<HeadObservation> {
    if (this.#transport == null) throw new Error('not started')
    const { cids: _, ...head } = parseTipset(await this.#transport.call('Filecoin.ChainHead', []), `Filecoin.ChainHead at ${ctx.spec.name}`)
    return head
  }

  close (): void {
    this.#transport?.close()
  }

  /** A call whose RpcError (a method this node lacks, a permission it withholds) is no failure. */
  async #optional (call: Promise<unknown>): Promise<unknown> {
    try {
      return await call
    } catch (err) {
      if (err instanceof RpcError) return undefined
      throw err
    }
  }

  async #subscribe (ctx: DriverContext): Promise<boolean> {
    let channel: unknown
    try {
      channel = await this.#transport?.call('Filecoin.ChainNotify', [])
    } catch (err) {
      if (err instanceof RpcError && err.code === METHOD_NOT_FOUND) return false
      throw err
    }
    if (typeof channel !== 'number' || !Number.isSafeInteger(channel)) throw new BadResponseError(`Filecoin.ChainNotify at ${ctx.spec.name}`, 'the answer is not a channel number')
    this.#channel = channel
    return true
  }

  #onNotification (ctx: DriverContext, method: string, params: unknown): void {
    const what = `${method} from ${ctx.spec.name}`
    if (method === 'xrpc.ch.val') {
      if (!Array.isArray(params) || params.length !== 2) throw new BadResponseError(what, 'params are [channel, value]')
      if (params[0] !== this.#channel) return
      const { head, reverts, applies } = headOfChanges(params[1], what)
      if (head == null) {
        // only reverts: the head is a tipset this message does not show; ask for it
        void this.poll(ctx).then(ctx.head, ctx.fail)
        return
      }
      if (reverts > 0) debug('%s: reorg, %d reverted and %d applied; head %s at %d', ctx.spec.name, reverts, applies, lotusTipsetKey(head.cids), head.height)
      else debug('%s: head %s at %d', ctx.spec.name, lotusTipsetKey(head.cids), head.height)
      const { cids: _, ...observation } = head
      ctx.head(observation)
    } else if (method === 'xrpc.ch.close') {
      if (!Array.isArray(params) || params[0] !== this.#channel) return
      this.#channel = undefined
      const now = Date.now()
      this.#closes = this.#closes.filter(at => now - at < 60_000)
      this.#closes.push(now)
      if (this.#closes.length > MAX_RESUBSCRIBES_PER_MINUTE) {
        ctx.fail(new SubscriptionEndedError(what, `the node closed ChainNotify ${this.#closes.length} times in a minute`))
        return
      }
      debug('%s: the node closed the ChainNotify channel; subscribing again', ctx.spec.name)
      void this.#subscribe(ctx).then(subscribed => {
        if (!subscribed) ctx.fail(new SubscriptionEndedError(what, 'ChainNotify is gone'))
      }, ctx.fail)
    }
    // anything else (xrpc.cancel, calls from the node) is not for a watcher
  }
}
