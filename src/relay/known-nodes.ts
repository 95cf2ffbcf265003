// Known nodes survive a relay restart: start() restores them from the data dir (offline until
// they beat again), changes are written at most every PERSIST_INTERVAL_MS, and stop() writes
// the last state.
import { logger } from '@libp2p/logger'
import { repeat, systemClock } from '../p2p/clock.ts'
import { PERSIST_INTERVAL_MS } from './constants.ts'
import { loadKnownNodes, saveKnownNodes } from './storage.ts'
import type { Clock } from '../p2p/clock.ts'
import type { NodeRegistry } from './registry.ts'

const log = logger('devnet:relay:known-nodes')

export interface KnownNodesPersistenceComponents {
  registry: NodeRegistry
  /** the relay's data dir, where known-nodes.json lives */
  dataDir: string
}

export interface KnownNodesPersistenceInit {
  /** default PERSIST_INTERVAL_MS */
  intervalMs?: number
  /** the write timer's clock; default the real one */
  clock?: Clock
}

export function knownNodesPersistence (init: KnownNodesPersistenceInit = {}): (components: KnownNodesPersistenceComponents) => KnownNodesPersistence {
  return components => new KnownNodesPersistence(components, init)
}

export class KnownNodesPersistence {
  readonly #registry: NodeRegistry
  readonly #dataDir: string
  readonly #intervalMs: number
  readonly #clock: Clock
  #stopWrites?: () => void
  #saving: Promise<void> | undefined
  #started = false

  constructor (components: KnownNodesPersistenceComponents, init: KnownNodesPersistenceInit = {}) {
    this.#registry = components.registry
    this.#dataDir = components.dataDir
    this.#intervalMs = init.intervalMs ?? PERSIST_INTERVAL_MS
    this.#clock = init.clock ?? systemClock
  }

  /** Restores the saved nodes into the registry, then saves its changes now and then. */
  async start (): Promise<void> {
    if (this.#started) return
    this.#registry.restore(await loadKnownNodes(this.#dataDir))
    this.#registry.dirty = false
    this.#started = true
    this.#stopWrites = repeat(this.#clock, this.#intervalMs, () => { void this.#persist() })
  }

  /** Writes what the registry knows now, once any write under way is done. */
  async stop (): Promise<void> {
    if (!this.#started) return
    this.#started = false
    this.#stopWrites?.()
    this.#stopWrites = undefined
    await this.#saving
    this.#registry.dirty = true
    await this.#persist()
  }

  async #persist (): Promise<void> {
    const registry = this.#registry
    if (this.#saving != null || !registry.dirty) return
    registry.dirty = false
    const records = Array.from(registry.nodes(), node => node.record)
    this.#saving = saveKnownNodes(this.#dataDir, records)
      .catch(err => { registry.dirty = true; log.error('could not save known nodes: %e', err) })
      .finally(() => { this.#saving = undefined })
    await this.#saving
  }
}
