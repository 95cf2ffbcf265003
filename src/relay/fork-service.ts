// The relay's fork monitor as a service: it follows the registry's changes into a ForkMonitor
// (one tracker per genesis), evaluates it a few times a second, and publishes the panel on the
// feed when it changed (encoded once, for every subscriber), each node's median propagation
// every few seconds, and every fork that begins and ends to the fork log: the record's event
// table (`fork_began`, `fork_ended`, queued and written with the record's next flush), and
// the last FORK_LOG_SIZE in memory. /api/forks reads the record, with the open fork from the
// monitor. Nothing here touches the disk but the record's own flush and a query per
// /api/forks request. The heartbeat path does not call into the monitor: it copies what
// changed into a bounded queue of parallel arrays (no object per change), and the monitor
// takes the queue in one pass, in order, before anything reads it (each evaluation, each
// propagation send, /api/forks, a scrape). A node's beats carry their own times, so applying
// them a little later changes nothing the monitor computes, and one tight loop per evaluation
// costs the relay a fraction of what a call into the monitor per heartbeat, between the
// network's work, did.
import { logger } from '@libp2p/logger'
import { repeat, systemClock } from '../p2p/clock.ts'
import { encodeForksLine, encodePropagationLine, FORK_BEGAN, FORK_ENDED } from '../protocol/index.ts'
import { ForkMonitor } from './fork-monitor.ts'
import { RecordUnavailableError } from './record/index.ts'
import type { Clock } from '../p2p/clock.ts'
import type { ForkRecord, ForkSideNode, NetworkPanel } from '../protocol/index.ts'
import type { MonitorEvent } from './fork-monitor.ts'
import type { TrackedFork } from './fork-tracker.ts'
import type { RelayMetrics } from './metrics.ts'
import type { ForksQuery } from './record/index.ts'
import type { NodeRegistry, RegistryChange } from './registry.ts'

const log = logger('devnet:relay:forks')
const utf8 = new TextEncoder()

// How often the branches are evaluated: a fork is called within this of the moment its split
// has lasted a block time; 4 a second cost a few ms at 1,000 nodes
export const FORK_EVALUATE_MS = 250
// A panel whose rounds, branches and fork are as before (only its nodes moved) is sent at most
// this often (panels with a new round, branch or fork go out at once, besides)
export const PANEL_MOVES_SEND_MS = 1_000
// Each node's median propagation moves once a block; sent at most this often
export const PROPAGATION_SEND_MS = 2_000
// Forks kept in memory: the record's writes lag by a flush (200 ms), and a record that cannot
// be opened leaves /api/forks these
export const FORK_LOG_SIZE = 200
// Nodes a fork's side lists by name in the log; more are counted (1,000 names is not a log line)
export const MAX_SIDE_NODES_LOGGED = 100
// Sides a fork's record lists, the largest first; the rest are counted in `otherSides`. A
// partition where each node mines alone is a side per node: a thousand sides would put most of
// the registry's names in one record, in its event's peers, and in each of the page's 200
// events. A fork of two or three sides is the usual one; past 16 nobody reads them one by one
export const MAX_SIDES_LOGGED = 16
// Registry changes held for the monitor between evaluations: 20,000 heartbeats a second (the
// relay's capacity target) is 5,000 per evaluation. Past this the queue is applied at once (it
// never drops and never grows further)
export const MAX_PENDING_CHANGES = 16_384

const BEAT = 0
const CONNECTED = 1
const DISCONNECTED = 2
const FORGOTTEN = 3

/** Registry changes on their way to the monitor, in order, as parallel arrays (no object per
 *  change). Grows by doubling up to its bound; the caller applies it when full. */
class PendingChanges {
  kind = new Uint8Array(256)
  i = new Float64Array(256)
  height = new Float64Array(256)
  at = new Float64Array(256)
  head: string[] = []
  genesis: Array<string | null> = []
  /** the head the node says its head follows (a watched node's), when it says */
  parent: Array<string | undefined> = []
  length = 0

  /** A slot for one more change, growing the arrays if needed; the caller checks the bound. */
  next (): number {
    if (this.length === this.kind.length) {
      const capacity = this.kind.length * 2
      const grow = <T extends Uint8Array | Float64Array>(from: T, to: T): T => { to.set(from); return to }
      this.kind = grow(this.kind, new Uint8Array(capacity))
      this.i = grow(this.i, new Float64Array(capacity))
      this.height = grow(this.height, new Float64Array(capacity))
      this.at = grow(this.at, new Float64Array(capacity))
    }
    return this.length++
  }

  clear (): void {
    // the arrays keep their size (no new backing store every evaluation); what they held is let go
    this.head.fill('', 0, this.length)
    this.genesis.fill(null, 0, this.length)
    this.parent.fill(undefined, 0, this.length)
    this.length = 0
  }
}

/** What the fork log needs of the history record (HistoryRecord). */
export interface ForkLogRecord {
  /** queues an event for the record's next flush (never waits, bounded by the record) */
  event: (at: number, kind: string, peers: string[], data?: Record<string, unknown>) => void
  /** the highest fork id the record holds (0: none) */
  lastForkId: () => number
  /** the fork log over a window; throws RecordUnavailableError when there is no record */
  forks: (query: ForksQuery) => Promise<ForkRecord[]>
}

export interface ForkServiceComponents {
  registry: NodeRegistry
  metrics: RelayMetrics
  /** the feed's publish: one encoded message per key, the latest kept for new subscribers */
  publish: (key: string, bytes: Uint8Array) => void
  /** the history record the fork log is kept in; without one, the log is memory only */
  record?: ForkLogRecord
}

export interface ForkServiceInit {
  evaluateMs?: number
  propagationMs?: number
  /** the relay's clock (RelayInit.clock): evaluations, propagation sends and the times forks
   *  are logged at; default the real clock */
  clock?: Clock
}

export function forkService (init: ForkServiceInit = {}): (components: ForkServiceComponents) => ForkService {
  return components => new ForkService(components, init)
}

/** The time of a fork's latest event: its end, or its beginning while open. */
function lastEventAt (fork: ForkRecord): number {
  return fork.endedAt ?? fork.startedAt
}

export class ForkService {
  readonly #monitor = new ForkMonitor()
  readonly #pending = new PendingChanges()
  readonly #registry: NodeRegistry
  readonly #publish: (key: string, bytes: Uint8Array) => void
  readonly #record?: ForkLogRecord
  readonly #clock: Clock
  readonly #evaluateMs: number
  readonly #propagationMs: number
  /** the last FORK_LOG_SIZE forks, oldest first; an open one has endedAt null */
  readonly #log: ForkRecord[] = []
  #unsubscribe?: () => void
  #stopEvaluating?: () => void
  #stopPropagation?: () => void
  #lastPanel = ''
  #lastShape = ''
  #lastMovesAt = -Infinity
  // nothing is sent until some node has a median
  #lastMedians = encodePropagationLine(0, []).medians

  /** The monitor, with every change the registry has announced applied. */
  get monitor (): ForkMonitor {
    this.#applyPending()
    return this.#monitor
  }

  constructor (components: ForkServiceComponents, init: ForkServiceInit = {}) {
    this.#registry = components.registry
    this.#publish = components.publish
    if (components.record != null) this.#record = components.record
    this.#clock = init.clock ?? systemClock
    this.#evaluateMs = init.evaluateMs ?? FORK_EVALUATE_MS
    this.#propagationMs = init.propagationMs ?? PROPAGATION_SEND_MS
    const { metrics } = components
    metrics.gauge('devnet_forks_total', 'Forks called so far (heads split for a block time and more), every network: over the history record\'s life, since the relay started without one', () => this.monitor.forksSoFar)
    metrics.gauge('devnet_fork_open', 'Forks open now (1 on a devnet with one network and a fork)', () => this.monitor.openForks().length)
    metrics.gauge('devnet_fork_depth', 'Heights from the split to the highest tip of the deepest fork open now; 0 with none', () => Math.max(0, ...this.monitor.openForks().map(({ fork }) => fork.depth)))
  }

  /**
   * The fork log over [from, to], newest first, at most `limit` (/api/forks): the record's,
   * with what it has not written yet (its next flush) and, when the window reaches now, the
   * open fork as the monitor sees it now. Without a record (none, or it could not be opened),
   * the forks since the relay started. Throws the record's RecordBusyError.
   */
  async forks (query: ForksQuery): Promise<ForkRecord[]> {
    const byId = new Map<number, ForkRecord>()
    try {
      if (this.#record != null) for (const fork of await this.#record.forks(query)) byId.set(fork.id, fork)
    } catch (err) {
      if (!(err instanceof RecordUnavailableError)) throw err
    }
    // what this run logged is as new as the record's or newer (a flush behind)
    for (const fork of this.#log) {
      const at = lastEventAt(fork)
      if (at >= query.from && at <= query.to) byId.set(fork.id, fork)
    }
    if (query.to >= this.#clock.now()) {
      for (const { genesis, fork } of this.monitor.openForks()) byId.set(fork.id, this.#describe(genesis, fork))
    }
    return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, query.limit ?? FORK_LOG_SIZE)
  }

  start (): void {
    if (this.#unsubscribe != null) return
    // ids go on from the record's: #1 is the first fork ever recorded, not the first since start
    if (this.#record != null) this.#monitor.continueIdsAfter(this.#record.lastForkId())
    for (const node of this.#registry.nodes()) {
      const { record } = node
      if (record.connected && record.lastHeartbeatAt != null) this.#monitor.beat(node.i, record.genesisCid, record.height, record.head, record.lastHeartbeatAt, node.parentHead)
    }
    this.#unsubscribe = this.#registry.onChange(change => { this.#onChange(change) })
    this.#stopEvaluating = repeat(this.#clock, this.#evaluateMs, () => { this.evaluate() })
    this.#stopPropagation = repeat(this.#clock, this.#propagationMs, () => { this.sendPropagation() })
    this.evaluate()
  }

  stop (): void {
    if (this.#unsubscribe == null) return
    this.#unsubscribe()
    this.#unsubscribe = undefined
    this.#stopEvaluating?.()
    this.#stopPropagation?.()
    this.#stopEvaluating = undefined
    this.#stopPropagation = undefined
    // a fork open at stop ends in the log with the relay (marked so): a record read later
    // must not show it open for ever. The record stops after this service, so it is written
    const now = this.#clock.now()
    for (const { genesis, fork } of this.monitor.openForks()) {
      const record = { ...this.#describe(genesis, { ...fork, endedAt: now }), interrupted: true }
      log('fork %d open as the relay stops', record.id)
      this.#logged(FORK_ENDED, record)
    }
  }

  /** Queues the change for the monitor (applied before anything reads it). */
  #onChange (change: RegistryChange): void {
    const { node } = change
    const { record } = node
    let kind: number
    let at = 0
    switch (change.kind) {
      case 'node':
      case 'beat':
        // a node on the roster not heard yet has no head to place
        if (record.lastHeartbeatAt == null || !record.connected) return
        kind = BEAT
        at = record.lastHeartbeatAt
        break
      case 'connected':
        kind = CONNECTED
        at = this.#clock.now()
        break
      case 'disconnected':
        kind = DISCONNECTED
        break
      case 'forgotten':
        kind = FORGOTTEN
        break
    }
    const pending = this.#pending
    if (pending.length >= MAX_PENDING_CHANGES) this.#applyPending()
    const k = pending.next()
    pending.kind[k] = kind
    pending.i[k] = node.i
    pending.at[k] = at
    if (kind === BEAT) {
      pending.height[k] = record.height
      pending.head[k] = record.head
      pending.genesis[k] = record.genesisCid
      pending.parent[k] = node.parentHead
    } else {
      pending.head[k] = ''
      pending.genesis[k] = null
      pending.parent[k] = undefined
    }
  }

  /** Applies the queued changes to the monitor, in the order the registry announced them. */
  #applyPending (): void {
    const pending = this.#pending
    const n = pending.length
    if (n === 0) return
    const monitor = this.#monitor
    const { kind, i, height, at, head, genesis, parent } = pending
    for (let k = 0; k < n; k++) {
      const node = i[k] as number
      switch (kind[k]) {
        case BEAT:
          monitor.beat(node, genesis[k] ?? null, height[k] as number, head[k] ?? '', at[k] as number, parent[k])
          break
        case CONNECTED:
          monitor.connected(node, at[k] as number)
          break
        case DISCONNECTED:
          monitor.disconnected(node)
          break
        case FORGOTTEN:
          monitor.forget(node)
      }
    }
    pending.clear()
  }

  /** Evaluates the monitor, logs what started or ended, and publishes the panel if it changed. */
  evaluate (): void {
    const now = this.#clock.now()
    for (const event of this.monitor.evaluate(now)) this.#logEvent(event)
    const panels = this.monitor.panels(now)
    const { line, networks } = encodeForksLine(now, panels)
    if (networks === this.#lastPanel) return
    // a new round, branch, divergence or fork goes out at once, as the alarm's latency counts
    // from it; nodes moving between the rounds shown, at most once a second besides (a
    // thousand nodes move all the time, and each panel names them all). Counted apart: a
    // panel sent for a new round shows its first node alone on it, and with rounds coming
    // faster than a second, moves timed from any send would never show the rest arriving
    const shape = panelShape(panels)
    const movesOnly = shape === this.#lastShape
    if (movesOnly && now - this.#lastMovesAt < PANEL_MOVES_SEND_MS) return
    if (movesOnly) this.#lastMovesAt = now
    this.#lastPanel = networks
    this.#lastShape = shape
    this.#publish('forks', utf8.encode(line))
  }

  /** Publishes each node's median propagation, when it changed. */
  sendPropagation (): void {
    const { line, medians } = encodePropagationLine(this.#clock.now(), this.monitor.medians())
    if (medians === this.#lastMedians) return
    this.#lastMedians = medians
    this.#publish('prop', utf8.encode(line))
  }

  #logEvent (event: MonitorEvent): void {
    const record = this.#describe(event.genesis, event.fork)
    if (event.kind === 'fork_started') {
      log('fork %d started at height %s: %d sides', record.id, record.splitHeight ?? '?', record.sides.length + (record.otherSides?.count ?? 0))
      this.#logged(FORK_BEGAN, record)
    } else {
      log('fork %d ended after %d ms, %d deep', record.id, record.durationMs ?? 0, record.depth)
      this.#logged(FORK_ENDED, record)
    }
  }

  /** Into the memory log and the record: began at its start, ended at its end (relay clock),
   *  so ?at= shows a fork from when its heads first differed. The peers are the nodes off the
   *  largest side, named (the ones the fork concerns): at most MAX_SIDES_LOGGED - 1 sides of
   *  MAX_SIDE_NODES_LOGGED names, as the record lists them (the sides it counts in `otherSides`
   *  name nobody). data is the whole log entry. */
  #logged (kind: typeof FORK_BEGAN | typeof FORK_ENDED, record: ForkRecord): void {
    const k = this.#log.findIndex(entry => entry.id === record.id)
    if (k >= 0) this.#log[k] = record
    else {
      this.#log.push(record)
      if (this.#log.length > FORK_LOG_SIZE) this.#log.shift()
    }
    const at = kind === FORK_BEGAN ? record.startedAt : record.endedAt ?? this.#clock.now()
    const peers = record.sides.filter(side => !side.largest).flatMap(side => side.nodes.map(node => node.peerId))
    this.#record?.event(at, kind, peers, { ...record })
  }

  /** A tracked fork with its nodes named, as the log keeps it (nicknames and clients as the
   *  registry has them now, which is when the fork began or ended). */
  #describe (genesis: string | null, fork: TrackedFork): ForkRecord {
    // the tracker gives the sides largest first (fork-tracker.ts, reported), then by size
    const sides = fork.sides
    const listed = sides.slice(0, MAX_SIDES_LOGGED)
    let otherNodes = 0
    for (let k = MAX_SIDES_LOGGED; k < sides.length; k++) otherNodes += sides[k]?.nodes.length ?? 0
    const record: ForkRecord = {
      id: fork.id,
      genesis,
      startedAt: fork.startedAt,
      calledAt: fork.calledAt,
      endedAt: fork.endedAt,
      durationMs: fork.endedAt === null ? null : fork.endedAt - fork.startedAt,
      splitHeight: fork.splitHeight,
      depth: fork.depth,
      sides: listed.map(side => ({
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
    if (sides.length > listed.length) record.otherSides = { count: sides.length - listed.length, nodeCount: otherNodes }
    return record
  }
}

/** What of the panels is sent at once when it changes: per network its rounds (by id, with
 *  their branch), its branches, divergence and fork; not who is on them, nor the counts. */
function panelShape (panels: readonly NetworkPanel[]): string {
  let shape = ''
  for (const p of panels) {
    shape += `${p.genesis ?? ''}|${String(p.main)}|${String(p.tracked)}|${p.fork?.id ?? ''}|${p.divergingSince ?? ''}|`
    for (const b of p.branches) shape += `${b.tip}:${String(b.forked)}:${String(b.largest)},`
    shape += '|'
    for (const c of p.columns) {
      for (const r of c.rounds) shape += `${r.id}:${r.branch},`
      shape += ';'
    }
    shape += '\n'
  }
  return shape
}
