// Ethereum consensus clients (Lighthouse, Prysm, Teku, Nimbus, Lodestar) through the standard
// beacon API: server-sent events from /eth/v1/events?topics=head&topics=chain_reorg, falling
// back to polling /eth/v1/beacon/headers/head. Height is the slot (it goes down in a reorg
// that lands on a branch with fewer blocks), head the block root. On a reorg the new head's
// `head` event comes first, then `chain_reorg` (both carry the new head). Peer ID from
// /eth/v1/node/identity, client and version from /eth/v1/node/version, syncing from
// /eth/v1/node/syncing, finalized from the head state's finality checkpoint (epoch × slots
// per epoch, from /eth/v1/config/spec). The head's parent (ParentHead) is its header's
// parent_root: the poll's /eth/v1/beacon/headers/head has it, and a head event (which carries
// only slot and root) is sent on once /eth/v1/beacon/headers/{root} has answered, one request
// per new head.
import { logger } from '@libp2p/logger'
import { HttpStatusError, SubscriptionEndedError, TokenRefusedError } from './errors.ts'
import { checkHash, checkHeight, field, optionalHash, peerIdFact, splitClientVersion } from './facts.ts'
import { authHeaders, fetchFailure, fetchJson } from './http.ts'
import { SseParser } from './sse.ts'
import type { HeadObservation } from './facts.ts'
import type { DriverContext, KindDriver } from './node-watch.ts'
import type { ServerSentEvent } from './sse.ts'

const debug = logger('devnet:watch:beacon')

// syncing and finality are asked every this many polls (they change once a slot at most)
const FACTS_EVERY_POLLS = 4

export class BeaconDriver implements KindDriver {
  #base = ''
  #slotsPerEpoch: number | undefined
  #polls = 0
  #events: AbortController | undefined
  /** a pushed head whose header is being read, and the newest one waiting behind it */
  #asking = false
  #waiting: HeadObservation | undefined

  async start (ctx: DriverContext): Promise<boolean> {
    this.#base = ctx.spec.url.replace(/\/+$/, '')
    const version = await this.#get(ctx, '/eth/v1/node/version')
    ctx.facts(splitClientVersion(field(field(version, 'data', 'version'), 'version', 'version')))
    const identity = await this.#optional(ctx, '/eth/v1/node/identity')
    if (identity !== undefined) ctx.facts({ nodePeerId: peerIdFact(field(field(identity, 'data', 'identity'), 'peer_id', 'identity')) })
    const spec = await this.#optional(ctx, '/eth/v1/config/spec')
    if (spec !== undefined) {
      const slots = field(field(spec, 'data', 'spec'), 'SLOTS_PER_EPOCH', 'spec')
      this.#slotsPerEpoch = typeof slots === 'string' && /^\d{1,4}$/.test(slots) && Number(slots) > 0 ? Number(slots) : undefined
    }
    await this.#refreshFacts(ctx)
    return this.#subscribe(ctx)
  }

  async poll (ctx: DriverContext): Promise<HeadObservation> {
    if (++this.#polls % FACTS_EVERY_POLLS === 0) await this.#refreshFacts(ctx)
    return await this.#header(ctx, 'head')
  }

  /** /eth/v1/beacon/headers/{id}: the block's root, slot and parent_root (an optional field:
   *  a header without a usable one is still a head). */
  async #header (ctx: DriverContext, id: string): Promise<HeadObservation> {
    const what = `/eth/v1/beacon/headers/${id} at ${ctx.spec.name}`
    const data = field(await this.#get(ctx, `/eth/v1/beacon/headers/${id}`), 'data', what)
    const message = field(field(data, 'header', what), 'message', what)
    const observation: HeadObservation = { head: checkHash(field(data, 'root', what), what), height: checkHeight(field(message, 'slot', what), what) }
    const parent = optionalHash(field(message, 'parent_root', what))
    if (parent !== undefined) observation.parent = parent
    return observation
  }

  close (): void {
    this.#events?.abort()
  }

  async #get (ctx: DriverContext, path: string): Promise<unknown> {
    return await fetchJson(this.#base + path, { token: ctx.token, timeoutMs: ctx.timeoutMs, signal: ctx.signal, what: `${path} at ${ctx.spec.name}` })
  }

  /** A GET whose 404/400/500 (a client without that endpoint) is no failure. */
  async #optional (ctx: DriverContext, path: string): Promise<unknown> {
    try {
      return await this.#get(ctx, path)
    } catch (err) {
      if (err instanceof HttpStatusError) return undefined
      throw err
    }
  }

  async #refreshFacts (ctx: DriverContext): Promise<void> {
    const syncing = await this.#optional(ctx, '/eth/v1/node/syncing')
    if (syncing !== undefined) {
      const flag = field(field(syncing, 'data', 'syncing'), 'is_syncing', 'syncing')
      if (typeof flag === 'boolean') ctx.facts({ syncing: flag })
    }
    if (this.#slotsPerEpoch == null) return
    const finality = await this.#optional(ctx, '/eth/v1/beacon/states/head/finality_checkpoints')
    if (finality === undefined) return
    const what = `finality_checkpoints at ${ctx.spec.name}`
    const epoch = checkHeight(field(field(field(finality, 'data', what), 'finalized', what), 'epoch', what), what)
    const slot = epoch * this.#slotsPerEpoch
    if (Number.isSafeInteger(slot)) ctx.facts({ finalizedHeight: slot })
  }

  /**
   * Opens the event stream in the background, for the session's life. Some servers send the
   * stream's headers only with its first event (Lodestar 1.5.1 does, and a chain before
   * genesis has none), so no bound is put on them: the session's polls notice a node that
   * hangs. A node without the stream (404 and the like, or not an event stream) is polled.
   */
  #subscribe (ctx: DriverContext): boolean {
    const url = `${this.#base}/eth/v1/events?topics=head&topics=chain_reorg`
    const what = `/eth/v1/events at ${ctx.spec.name}`
    const events = new AbortController()
    this.#events = events
    const signal = AbortSignal.any([ctx.signal, events.signal])
    void (async () => {
      let response: Response
      try {
        response = await fetch(url, { headers: authHeaders(ctx.token, { accept: 'text/event-stream' }), signal, redirect: 'error' })
      } catch (err) {
        if (!signal.aborted) ctx.fail(fetchFailure(err, what, new AbortController().signal, 0))
        return
      }
      const status = response.status
      const body = response.body
      if (status === 401 || status === 403) {
        await body?.cancel().catch(() => {})
        ctx.fail(new TokenRefusedError(what, status, ctx.token != null && ctx.token !== ''))
        return
      }
      if (status >= 500) {
        await body?.cancel().catch(() => {})
        ctx.fail(new HttpStatusError(what, status))
        return
      }
      if (status < 200 || status > 299 || body == null || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        await body?.cancel().catch(() => {})
        // no event stream here (an old client, a proxy that answers something else): poll
        debug('%s: no event stream (HTTP %d); polling', ctx.spec.name, status)
        ctx.polling()
        return
      }
      const parser = new SseParser(event => { this.#onEvent(ctx, event) }, what)
      const reader = body.getReader()
      try {
        while (true) {
          const { done, value } = await reader.read()
          if (done) throw new SubscriptionEndedError(what, 'the node ended the event stream')
          parser.push(value)
        }
      } catch (err) {
        await reader.cancel().catch(() => {})
        if (!signal.aborted) ctx.fail(err instanceof Error ? err : new SubscriptionEndedError(what, String(err)))
      }
    })()
    return true
  }

  #onEvent (ctx: DriverContext, event: ServerSentEvent): void {
    if (event.event !== 'head' && event.event !== 'chain_reorg') return
    const what = `${event.event} event from ${ctx.spec.name}`
    let data: unknown
    try {
      data = JSON.parse(event.data)
    } catch {
      throw new SubscriptionEndedError(what, 'its data is not JSON')
    }
    if (event.event === 'head') {
      this.#withParent(ctx, { head: checkHash(field(data, 'block', what), what), height: checkHeight(field(data, 'slot', what), what) })
    } else {
      const head = checkHash(field(data, 'new_head_block', what), what)
      const slot = checkHeight(field(data, 'slot', what), what)
      debug('%s: chain_reorg of depth %s to %s at slot %d', ctx.spec.name, String(field(data, 'depth', what)), head, slot)
      this.#withParent(ctx, { head, height: slot })
    }
  }

  /**
   * Sends a pushed head on with its parent, read from its header. Heads go on in the order they
   * came: one header request at a time, and a head that comes while one is out waits, replaced
   * by any newer one (the newest head is what a beat carries anyway). A header that cannot be
   * read (gone in a reorg, a slow node) costs only the parent: the head goes on without it.
   */
  #withParent (ctx: DriverContext, observation: HeadObservation): void {
    this.#waiting = observation
    if (this.#asking) return
    this.#asking = true
    void (async () => {
      try {
        while (this.#waiting !== undefined && !ctx.signal.aborted) {
          const next = this.#waiting
          this.#waiting = undefined
          let parent: string | undefined
          try {
            const header = await this.#header(ctx, next.head)
            if (header.head === next.head) parent = header.parent
          } catch (err) {
            if (ctx.signal.aborted) return
            debug('%s: no parent for %s: %s', ctx.spec.name, next.head, (err as Error).message)
          }
          ctx.head(parent === undefined ? next : { ...next, parent })
        }
      } finally {
        this.#asking = false
      }
    })()
  }
}

