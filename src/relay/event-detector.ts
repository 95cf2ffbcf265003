// Turns what the relay hears into the devnet's events: a node joined or left, went stale or
// came back, fell behind or caught up; the chain stalled or resumed. The rules are the page's
// (src/protocol/status-rules.ts), so the event list says what a dashboard showed then. The
// heartbeat path only updates a node's numbers; a sweep once a second finds silences and lags.
import { repeat, systemClock } from '../p2p/clock.ts'
import type { Clock } from '../p2p/clock.ts'
import { logger } from '@libp2p/logger'
import { MAX_KNOWN_NODES } from './constants.ts'
import { isBehind, nextBeatPeriod, nextBlockTime, stallAfterMs, staleAfterMs } from '../protocol/status-rules.ts'

const log = logger('devnet:relay:events')

export type DevnetEventKind = 'joined' | 'left' | 'stale' | 'back' | 'behind' | 'caught_up' | 'stalled' | 'resumed'

export interface EventSink {
  event: (at: number, kind: DevnetEventKind, peers: string[], data?: Record<string, unknown>) => void
}

// How often silences and lags are looked for: a stale node is called within this of the moment
// it crossed the line (the event carries the exact moment)
export const EVENT_SWEEP_MS = 1_000

// Events one node may cause in a burst, and how fast the allowance comes back (one every
// 30 s): a node that flaps every second cannot fill the record with its events
export const NODE_EVENT_BURST = 20
export const NODE_EVENT_REFILL_MS = 30_000

interface Tracked {
  connected: boolean
  connectedAt: number
  /** -Infinity before its first beat */
  lastBeatAt: number
  beatPeriodMs: number | null
  height: number
  /** when it first reported its current height */
  heightSince: number
  stale: boolean
  behind: boolean
  /** what its last beat said of itself (a watched node); null when it does not say */
  syncing: boolean | null
  tokens: number
  tokensAt: number
}

interface Best {
  height: number
  roseAt: number
  samples: number[]
  blockTimeMs: number | null
  /** when the stall began (the moment it crossed the line); null while the chain moves */
  stalledAt: number | null
}

export interface EventDetectorInit {
  sink: EventSink
  /** what time it is and the sweep's timer; default the real clock */
  clock?: Clock
  /** what time it is, over the clock's */
  now?: () => number
  sweepMs?: number
  /** start no timer: the caller calls sweep() (tests on a fake clock) */
  manual?: boolean
}

export class EventDetector {
  readonly #sink: EventSink
  readonly #now: () => number
  readonly #sweepMs: number
  readonly #manual: boolean
  readonly #nodes = new Map<string, Tracked>()
  #best: Best = { height: -1, roseAt: 0, samples: [], blockTimeMs: null, stalledAt: null }
  readonly #clock: Clock
  #stopSweeps: (() => void) | undefined
  /** node events not recorded because the node used up its allowance */
  dropped = 0

  constructor (init: EventDetectorInit) {
    this.#sink = init.sink
    this.#clock = init.clock ?? systemClock
    this.#now = init.now ?? this.#clock.now
    this.#sweepMs = init.sweepMs ?? EVENT_SWEEP_MS
    this.#manual = init.manual ?? false
  }

  start (): void {
    if (this.#manual || this.#stopSweeps != null) return
    this.#stopSweeps = repeat(this.#clock, this.#sweepMs, () => { this.sweep(this.#now()) })
  }

  stop (): void {
    this.#stopSweeps?.()
    this.#stopSweeps = undefined
  }

  /** The chain as the detector sees it (for tests and /metrics). */
  get chain (): { bestHeight: number, roseAt: number, blockTimeMs: number | null, stalled: boolean } {
    return { bestHeight: this.#best.height, roseAt: this.#best.roseAt, blockTimeMs: this.#best.blockTimeMs, stalled: this.#best.stalledAt != null }
  }

  #emit (node: Tracked | undefined, at: number, kind: DevnetEventKind, peers: string[], data?: Record<string, unknown>): void {
    if (node != null) {
      node.tokens = Math.min(NODE_EVENT_BURST, node.tokens + (at - node.tokensAt) / NODE_EVENT_REFILL_MS)
      node.tokensAt = Math.max(node.tokensAt, at)
      if (node.tokens < 1) {
        this.dropped++
        return
      }
      node.tokens--
    }
    this.#sink.event(at, kind, peers, data)
  }

  #track (peer: string, at: number): Tracked | undefined {
    let node = this.#nodes.get(peer)
    if (node == null) {
      if (this.#nodes.size >= MAX_KNOWN_NODES) return undefined
      node = { connected: false, connectedAt: at, lastBeatAt: -Infinity, beatPeriodMs: null, height: -1, heightSince: at, stale: false, behind: false, syncing: null, tokens: NODE_EVENT_BURST, tokensAt: at }
      this.#nodes.set(peer, node)
    }
    return node
  }

  /** A node the relay knew before this run (its known-node list): not new when it joins. */
  known (peer: string, lastBeatAt: number, height: number): void {
    const node = this.#track(peer, lastBeatAt)
    if (node == null || node.connected) return
    node.lastBeatAt = lastBeatAt
    node.height = height
  }

  /** A node's heartbeat stream opened (before its first beat on it). */
  connected (peer: string, at: number): void {
    const node = this.#track(peer, at)
    if (node == null || node.connected) return
    node.connected = true
    node.connectedAt = at
    this.#emit(node, at, 'joined', [peer], node.lastBeatAt === -Infinity ? { first: true } : undefined)
  }

  disconnected (peer: string, at: number): void {
    const node = this.#nodes.get(peer)
    if (node == null || !node.connected) return
    node.connected = false
    node.stale = false
    this.#emit(node, at, 'left', [peer], { height: node.height })
  }

  /** The relay no longer knows the node (its known-node cap): nor does the detector. */
  forgotten (peer: string): void {
    this.#nodes.delete(peer)
  }

  /** `syncing`: what a watched node's beat says of itself (null when it says nothing) */
  heartbeat (peer: string, at: number, height: number, syncing: boolean | null = null): void {
    const node = this.#track(peer, at)
    if (node == null) return
    node.syncing = syncing
    if (!node.connected) this.connected(peer, at)
    // the interval counts only between beats of one connection, as on the page
    const reporting = node.lastBeatAt >= node.connectedAt
    if (reporting) node.beatPeriodMs = nextBeatPeriod(node.beatPeriodMs, at - node.lastBeatAt)
    if (node.stale) {
      node.stale = false
      this.#emit(node, at, 'back', [peer], { silentMs: at - Math.max(node.lastBeatAt, node.connectedAt), height })
    }
    if (height !== node.height) {
      node.height = height
      node.heightSince = at
    }
    node.lastBeatAt = at
    this.#observeHeight(height, at, reporting)
  }

  /** `live`: the node had reported on this connection before; a node's first beat (it joined,
   *  or came back) shows a height reached while the relay did not watch, and teaches no block
   *  time: a devnet's nodes joining at different heights are not blocks milliseconds apart */
  #observeHeight (height: number, at: number, live: boolean): void {
    const best = this.#best
    if (height <= best.height) return
    const { samples, blockTimeMs } = live && best.height >= 0 ? nextBlockTime(best.samples, best.height, best.roseAt, height, at) : { samples: best.samples, blockTimeMs: best.blockTimeMs }
    if (best.stalledAt != null) {
      this.#emit(undefined, at, 'resumed', [], { height, stalledMs: at - best.stalledAt, sinceRiseMs: at - best.roseAt })
    }
    this.#best = { height, roseAt: at, samples, blockTimeMs, stalledAt: null }
  }

  /** Finds silences, lags and a stalled chain as of `now`. */
  sweep (now: number): void {
    this.#settleBest(now)
    const best = this.#best
    for (const [peer, node] of this.#nodes) {
      if (!node.connected) continue
      const silentSince = Math.max(node.lastBeatAt, node.connectedAt)
      const staleAfter = staleAfterMs(node.beatPeriodMs)
      if (!node.stale && now - silentSince > staleAfter) {
        node.stale = true
        this.#emit(node, silentSince + staleAfter, 'stale', [peer], { lastBeatAt: Number.isFinite(node.lastBeatAt) ? node.lastBeatAt : null, height: node.height })
      }
      // a node not heard since it (re)connected, or stale, is not judged on its height
      if (node.stale || node.lastBeatAt < node.connectedAt || best.height < 0) continue
      const lag = Math.max(0, best.height - node.height)
      const behind = isBehind(lag, now, best.roseAt, node.beatPeriodMs)
      if (behind && !node.behind) {
        node.behind = true
        // a node that says it is syncing is behind all the same; the page calls it 'syncing'
        this.#emit(node, now, 'behind', [peer], { lag, height: node.height, bestHeight: best.height, ...(node.syncing === true ? { syncing: true } : {}) })
      } else if (!behind && node.behind) {
        node.behind = false
        this.#emit(node, now, 'caught_up', [peer], { height: node.height })
      }
    }
    if (best.stalledAt == null && best.height >= 0) {
      const stallAfter = stallAfterMs(best.blockTimeMs)
      if (now - best.roseAt > stallAfter) {
        best.stalledAt = best.roseAt + stallAfter
        log('the chain stalled at height %d', best.height)
        this.#emit(undefined, best.stalledAt, 'stalled', [], { height: best.height, blockTimeMs: best.blockTimeMs })
      }
    }
  }

  /** When no online node holds the best height any more (it left, or reorged down), the best
   *  is what the online nodes hold now, risen when the first of them reached it. A stale node
   *  still counts: a halted devnet whose nodes all went quiet has stalled, not vanished. */
  #settleBest (now: number): void {
    let height = -1
    for (const node of this.#nodes.values()) {
      if (node.connected && node.lastBeatAt >= node.connectedAt && node.height > height) height = node.height
    }
    if (height >= this.#best.height) return
    let roseAt = now
    for (const node of this.#nodes.values()) {
      if (node.connected && node.lastBeatAt >= node.connectedAt && node.height === height) roseAt = Math.min(roseAt, node.heightSince)
    }
    // the block time stays what it was: a node leaving teaches nothing about blocks
    this.#best = { ...this.#best, height, roseAt: height < 0 ? 0 : roseAt }
  }
}
