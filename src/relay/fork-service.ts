// The relay's fork monitor as a service: it follows the registry's changes into a ForkMonitor
// (one tracker per genesis), evaluates it a few times a second, and publishes the panel on the
// feed when it changed (encoded once, for every subscriber), each node's median propagation
// every few seconds, and every fork that starts and ends to the fork log (/api/forks, the
// log's sink, /metrics). The heartbeat path only updates the monitor's numbers.
import { logger } from '@libp2p/logger'
import { encodeFeedMessage } from '../protocol/index.ts'
import { ForkMonitor } from './fork-monitor.ts'
import type { ForkRecord, ForkSideNode, PropagationMessage } from '../protocol/index.ts'
import type { MonitorEvent } from './fork-monitor.ts'
import type { TrackedFork } from './fork-tracker.ts'
import type { RelayMetrics } from './metrics.ts'
import type { NodeRegistry, RegistryChange } from './registry.ts'

const log = logger('devnet:relay:forks')

// How often the branches are evaluated: a fork is called within this of the moment its split
// has lasted a block time; 4 a second cost a few ms at 1,000 nodes
export const FORK_EVALUATE_MS = 250
// Each node's median propagation moves once a block; sent at most this often
export const PROPAGATION_SEND_MS = 2_000
// Forks /api/forks lists (the record keeps every one once the history lands)
export const FORK_LOG_SIZE = 200
// Nodes a fork's side lists by name in the log; more are counted (1,000 names is not a log line)
export const MAX_SIDE_NODES_LOGGED = 100

/** Where started and ended forks go besides the in-memory log (the record, when there is one). */
export interface ForkSink {
  fork: (kind: 'fork_started' | 'fork_ended', record: ForkRecord) => void
}

export interface ForkServiceComponents {
  registry: NodeRegistry
  metrics: RelayMetrics
  /** the feed's publish: one encoded message per key, the latest kept for new subscribers */
  publish: (key: string, bytes: Uint8Array) => void
  sink?: ForkSink
}

export interface ForkServiceInit {
  evaluateMs?: number
  propagationMs?: number
  now?: () => number
}

export function forkService (init: ForkServiceInit = {}): (components: ForkServiceComponents) => ForkService {
  return components => new ForkService(components, init)
}

export class ForkService {
  readonly monitor = new ForkMonitor()
  readonly #registry: NodeRegistry
  readonly #publish: (key: string, bytes: Uint8Array) => void
  readonly #sink?: ForkSink
  readonly #now: () => number
  readonly #evaluateMs: number
  readonly #propagationMs: number
  /** the last FORK_LOG_SIZE forks, oldest first; an open one has endedAt null */
  readonly #log: ForkRecord[] = []
  #unsubscribe?: () => void
  #evaluateTimer?: ReturnType<typeof setInterval>
  #propagationTimer?: ReturnType<typeof setInterval>
  #lastPanel = ''
  // nothing is sent until some node has a median
  #lastMedians = '[]'

  constructor (components: ForkServiceComponents, init: ForkServiceInit = {}) {
    this.#registry = components.registry
    this.#publish = components.publish
    if (components.sink != null) this.#sink = components.sink
    this.#now = init.now ?? Date.now
    this.#evaluateMs = init.evaluateMs ?? FORK_EVALUATE_MS
    this.#propagationMs = init.propagationMs ?? PROPAGATION_SEND_MS
    const { metrics } = components
    metrics.gauge('devnet_forks_total', 'Forks called since the relay started (heads split for a block time and more), every network', () => this.monitor.forksSoFar)
    metrics.gauge('devnet_fork_open', 'Forks open now (1 on a devnet with one network and a fork)', () => this.monitor.openForks().length)
    metrics.gauge('devnet_fork_depth', 'Heights from the split to the highest tip of the deepest fork open now; 0 with none', () => Math.max(0, ...this.monitor.openForks().map(({ fork }) => fork.depth)))
  }

  /** The fork log, newest first (/api/forks). */
  forks (): ForkRecord[] {
    return this.#log.slice().reverse()
  }

  start (): void {
    if (this.#unsubscribe != null) return
    for (const node of this.#registry.nodes()) {
      const { record } = node
      if (record.connected && record.lastHeartbeatAt != null) this.monitor.beat(node.i, record.genesisCid, record.height, record.head, record.lastHeartbeatAt)
    }
    this.#unsubscribe = this.#registry.onChange(change => { this.#onChange(change) })
    this.#evaluateTimer = setInterval(() => { this.evaluate() }, this.#evaluateMs)
    this.#propagationTimer = setInterval(() => { this.sendPropagation() }, this.#propagationMs)
    this.evaluate()
  }

  stop (): void {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    clearInterval(this.#evaluateTimer)
    clearInterval(this.#propagationTimer)
    this.#evaluateTimer = undefined
    this.#propagationTimer = undefined
  }

  #onChange (change: RegistryChange): void {
    const { node } = change
    switch (change.kind) {
      case 'node':
      case 'beat': {
        const { record } = node
        // a node on the roster not heard yet has no head to place
        if (record.lastHeartbeatAt == null || !record.connected) return
        this.monitor.beat(node.i, record.genesisCid, record.height, record.head, record.lastHeartbeatAt)
        return
      }
      case 'connected':
        this.monitor.connected(node.i, this.#now())
        return
      case 'disconnected':
        this.monitor.disconnected(node.i)
        return
      case 'forgotten':
        this.monitor.forget(node.i)
    }
  }

  /** Evaluates the monitor, logs what started or ended, and publishes the panel if it changed. */
  evaluate (): void {
    const now = this.#now()
    for (const event of this.monitor.evaluate(now)) this.#logEvent(event)
    const panels = this.monitor.panels(now)
    const text = JSON.stringify(panels)
    if (text === this.#lastPanel) return
    this.#lastPanel = text
    this.#publish('forks', encodeFeedMessage({ t: 'forks', at: now, networks: panels }))
  }

  /** Publishes each node's median propagation, when it changed. */
  sendPropagation (): void {
    const medians = this.monitor.medians()
    const text = JSON.stringify(medians)
    if (text === this.#lastMedians) return
    this.#lastMedians = text
    const message: PropagationMessage = { t: 'prop', at: this.#now(), medians }
    this.#publish('prop', encodeFeedMessage(message))
  }

  #logEvent (event: MonitorEvent): void {
    const record = this.#record(event.genesis, event.fork)
    if (event.kind === 'fork_started') {
      log('fork %d started at height %s: %d sides', record.id, record.splitHeight ?? '?', record.sides.length)
      this.#log.push(record)
      if (this.#log.length > FORK_LOG_SIZE) this.#log.shift()
    } else {
      log('fork %d ended after %d ms, %d deep', record.id, record.durationMs ?? 0, record.depth)
      const k = this.#log.findIndex(entry => entry.id === record.id)
      if (k >= 0) this.#log[k] = record
      else this.#log.push(record)
    }
    this.#sink?.fork(event.kind, record)
  }

  /** A tracked fork with its nodes named, as the log keeps it. */
  #record (genesis: string | null, fork: TrackedFork): ForkRecord {
    return {
      id: fork.id,
      genesis,
      startedAt: fork.startedAt,
      calledAt: fork.calledAt,
      endedAt: fork.endedAt,
      durationMs: fork.endedAt === null ? null : fork.endedAt - fork.startedAt,
      splitHeight: fork.splitHeight,
      depth: fork.depth,
      sides: fork.sides.map(side => ({
        tipHeight: side.tipHeight,
        tipHead: side.tipHead,
        largest: side.largest,
        nodeCount: side.nodes.length,
        nodes: side.nodes.slice(0, MAX_SIDE_NODES_LOGGED).flatMap((i): ForkSideNode[] => {
          const record = this.#registry.getByIndex(i)?.record
          if (record == null) return []
          return [{ peerId: record.peerId, nickname: record.nickname, client: record.client, clientVersion: record.clientVersion }]
        })
      }))
    }
  }
}
