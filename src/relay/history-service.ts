// The relay's history as a service: the record (every change, in SQLite in the data dir) and
// the event detector, fed from the node registry's changes. The heartbeat path only queues;
// writing, sweeping and retention run on timers of their own.
import { systemClock } from '../p2p/clock.ts'
import type { Clock } from '../p2p/clock.ts'
import { EventDetector } from './event-detector.ts'
import { HistoryRecord } from './record/index.ts'
import type { NodeRegistry, RegistryChange } from './registry.ts'
import { Counter, Gauge } from 'prom-client'
import type { RelayMetrics } from './metrics.ts'

export interface HistoryServiceInit {
  /** default DEFAULT_HISTORY_DAYS */
  historyDays?: number
  /** default DEFAULT_HISTORY_MAX_MB */
  historyMaxMb?: number
  /** the relay's clock: the times changes are recorded at, and the record's and the event
   *  detector's timers; default the real clock */
  clock?: Clock
}

export interface HistoryServiceComponents {
  registry: NodeRegistry
  dataDir: string
}

export function historyService (init: HistoryServiceInit = {}): (components: HistoryServiceComponents) => HistoryService {
  return components => new HistoryService(components, init)
}

export class HistoryService {
  readonly record: HistoryRecord
  readonly detector: EventDetector
  readonly #registry: NodeRegistry
  readonly #now: () => number
  #unsubscribe: (() => void) | undefined

  constructor (components: HistoryServiceComponents, init: HistoryServiceInit = {}) {
    this.#registry = components.registry
    const clock = init.clock ?? systemClock
    this.#now = clock.now
    this.record = new HistoryRecord({
      dataDir: components.dataDir,
      clock,
      ...(init.historyDays != null ? { historyDays: init.historyDays } : {}),
      ...(init.historyMaxMb != null ? { historyMaxMb: init.historyMaxMb } : {})
    })
    this.detector = new EventDetector({
      clock,
      sink: {
        event: (at, kind, peers, data) => {
          this.record.event(at, kind, peers, data)
          // whether a node was beating is part of its state at a moment (?at=, replay): beats
          // that change nothing are not recorded one by one, the detector's word is
          if (kind === 'stale' || kind === 'back') for (const peer of peers) this.record.stale(peer, at, kind === 'stale')
        }
      }
    })
  }

  start (): void {
    if (this.#unsubscribe != null) return
    this.record.start()
    // nodes remembered from earlier runs are not new when they come back
    // (a node on a roster never heard has said nothing to remember)
    for (const { record } of this.#registry.nodes()) {
      if (record.lastHeartbeatAt !== null) this.detector.known(record.peerId, record.lastHeartbeatAt, record.height)
    }
    this.detector.start()
    this.#unsubscribe = this.#registry.onChange(change => { this.#onChange(change) })
  }

  async stop (): Promise<void> {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    this.detector.stop()
    await this.record.stop()
  }

  #onChange (change: RegistryChange): void {
    const peer = change.node.record.peerId
    switch (change.kind) {
      case 'node':
      case 'beat': {
        const record = change.node.record
        const at = record.lastHeartbeatAt
        // a node on the expected roster, not heard yet (or renamed there): nothing it said to
        // record; its first beat is its first change
        if (at === null) return
        // the record copies what changed; the registry's record is handed over as it is
        this.record.heartbeat(peer, at, record, change.node.parentHead)
        this.detector.heartbeat(peer, at, record.height, record.syncing)
        return
      }
      case 'connected': {
        const at = this.#now()
        this.record.connected(peer, at)
        this.detector.connected(peer, at)
        return
      }
      case 'disconnected': {
        const at = this.#now()
        this.record.disconnected(peer, at)
        this.detector.disconnected(peer, at)
        return
      }
      case 'forgotten':
        this.record.forgotten(peer, this.#now())
        this.detector.forgotten(peer)
    }
  }
}

/** A counter that follows a running total kept elsewhere (read on scrape). */
function totalCounter (metrics: RelayMetrics, name: string, help: string, read: () => number): void {
  let last = 0
  // eslint-disable-next-line no-new
  new Counter({
    name,
    help,
    registers: [metrics.registry],
    collect () {
      const value = read()
      // the total starts over when the record is opened again (after it could not be)
      if (value > last) this.inc(value - last)
      last = value
    }
  })
}

/** The record's health on /metrics: paused or not (and why), its size, what it dropped. */
export function registerHistoryMetrics (metrics: RelayMetrics, history: HistoryService): void {
  const record = history.record
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'devnet_record_paused',
    help: 'Whether recording is paused (1), by reason: disk_full, io_error, error, unavailable; 0 while it records',
    labelNames: ['reason'],
    registers: [metrics.registry],
    collect () {
      this.reset()
      const paused = record.stats.paused
      if (paused == null) this.set({ reason: 'none' }, 0)
      else this.set({ reason: paused }, 1)
    }
  })
  metrics.gauge('devnet_record_bytes', 'Bytes the history record\'s pages take (free pages not counted)', () => record.size().used)
  metrics.gauge('devnet_record_file_bytes', 'Size of the history record\'s file', () => record.size().file)
  metrics.gauge('devnet_record_queued_changes', 'Changes waiting for the record\'s next write', () => record.stats.queued)
  metrics.gauge('devnet_record_last_flush_seconds', 'How long the record\'s last write took', () => record.stats.lastFlushMs / 1000)
  totalCounter(metrics, 'devnet_record_changes_written_total', 'Changes written to the history record', () => record.stats.changesWritten)
  totalCounter(metrics, 'devnet_record_write_errors_total', 'Writes to the history record that failed (each pause begins with one)', () => record.stats.writeErrors)
  totalCounter(metrics, 'devnet_record_changes_dropped_queue_full_total', 'Changes not recorded because the queue to the record was full', () => record.stats.dropped.queueFull)
  totalCounter(metrics, 'devnet_record_changes_dropped_paused_total', 'Changes not recorded because recording was paused (a full disk)', () => record.stats.dropped.paused)
  totalCounter(metrics, 'devnet_events_dropped_total', 'Node events not recorded because the node flapped past its allowance', () => history.detector.dropped)
}
