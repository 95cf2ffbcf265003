// The expected roster: nodes the relay shows from the start, "missing" until first heard, so a
// node that never came up is seen, not just one that left. From `--roster <file>` (nodes that
// beat on their own, or a standalone watcher's <data dir>/roster.json) and from the watcher
// the relay runs itself (`--watch`). The file is JSON: { "nodes": [ { "name", "peerId" } ] };
// it is checked every few seconds, so a watcher's edits reach the relay while both run.
import { readFile, stat } from 'node:fs/promises'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { repeat, systemClock } from '../p2p/clock.ts'
import { MAX_NICKNAME_LENGTH } from '../protocol/index.ts'
import { MAX_KNOWN_NODES } from './constants.ts'
import type { NodeRegistry } from './registry.ts'
import type { Clock } from '../p2p/clock.ts'

const log = logger('devnet:relay:roster')

// a roster of the known-node cap's size is ~1 MB; far more is not a roster
const MAX_ROSTER_BYTES = 4 * 1024 * 1024
// a watcher rewrites its roster on every edit of its node file; seconds are soon enough
export const ROSTER_CHECK_INTERVAL_MS = 2_000

export interface RosterEntry {
  /** shown as the nickname until the node's own heartbeats say otherwise */
  name: string
  peerId: string
}

export class InvalidRosterError extends Error {
  static name = 'InvalidRosterError'

  constructor (message: string) {
    super(message)
    this.name = 'InvalidRosterError'
  }
}

/** Checks a roster file's text; throws InvalidRosterError naming the entry and field. */
export function parseRoster (text: string, source = 'roster'): RosterEntry[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new InvalidRosterError(`${source}: not JSON (${(err as Error).message})`)
  }
  const nodes = typeof value === 'object' && value !== null ? (value as { nodes?: unknown }).nodes : undefined
  if (!Array.isArray(nodes)) throw new InvalidRosterError(`${source}: expected { "nodes": [ { "name": "…", "peerId": "12D3KooW…" } ] }`)
  if (nodes.length > MAX_KNOWN_NODES) throw new InvalidRosterError(`${source}: ${nodes.length} nodes; at most ${MAX_KNOWN_NODES}`)
  const seen = new Set<string>()
  return nodes.map((entry: unknown, index: number) => {
    const label = `${source}: nodes[${index}]`
    const { name, peerId } = (typeof entry === 'object' && entry !== null ? entry : {}) as { name?: unknown, peerId?: unknown }
    if (typeof name !== 'string' || name.length > MAX_NICKNAME_LENGTH) throw new InvalidRosterError(`${label}: name must be a string of at most ${MAX_NICKNAME_LENGTH} characters`)
    let id: string
    try {
      id = peerIdFromString(String(peerId)).toString()
    } catch {
      throw new InvalidRosterError(`${label} (${JSON.stringify(name)}): peerId is not a peer ID`)
    }
    if (seen.has(id)) throw new InvalidRosterError(`${label} (${JSON.stringify(name)}): peerId ${id} is listed twice`)
    seen.add(id)
    return { name, peerId: id }
  })
}

async function readRoster (file: string): Promise<RosterEntry[]> {
  const info = await stat(file)
  if (info.size > MAX_ROSTER_BYTES) throw new InvalidRosterError(`${file}: larger than ${MAX_ROSTER_BYTES} bytes`)
  return parseRoster(await readFile(file, 'utf8'), file)
}

/**
 * Loads the roster file, then re-reads it when it changes; a broken edit keeps the last good
 * roster and is logged once. The first read throws (a relay told to expect nodes from a file
 * it cannot read should say so at start).
 */
export class RosterFile {
  readonly file: string
  readonly #onChange: (roster: RosterEntry[]) => void
  #stopChecks: (() => void) | undefined
  #lastStat = ''
  #lastError = ''

  constructor (file: string, onChange: (roster: RosterEntry[]) => void) {
    this.file = file
    this.#onChange = onChange
  }

  async load (): Promise<RosterEntry[]> {
    this.#lastStat = await this.#statKey()
    try {
      return await readRoster(this.file)
    } catch (err) {
      if (err instanceof InvalidRosterError) throw err
      throw new InvalidRosterError(`${this.file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    }
  }

  /** Checks the file every `intervalMs` on the clock until stop(). */
  start (intervalMs = ROSTER_CHECK_INTERVAL_MS, clock: Clock = systemClock): void {
    this.#stopChecks ??= repeat(clock, intervalMs, () => { void this.check() })
  }

  stop (): void {
    this.#stopChecks?.()
    this.#stopChecks = undefined
  }

  async check (): Promise<void> {
    const key = await this.#statKey()
    if (key === this.#lastStat) return
    this.#lastStat = key
    try {
      const roster = await readRoster(this.file)
      this.#lastError = ''
      this.#onChange(roster)
    } catch (err) {
      const message = (err as Error).message
      if (message !== this.#lastError) log.error('%s; keeping the last good roster', message)
      this.#lastError = message
    }
  }

  async #statKey (): Promise<string> {
    try {
      const s = await stat(this.file)
      return `${s.ino}:${s.size}:${s.mtimeMs}`
    } catch (err) {
      return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`
    }
  }
}

/** The roster as a relay service: start() reads the file (throwing on a bad one) and tells the
 *  registry to expect its nodes, then follows the file on the relay's clock; stop() stops
 *  following it. */
export function rosterFile (file: string, intervalMs = ROSTER_CHECK_INTERVAL_MS): (components: { registry: Pick<NodeRegistry, 'expect'>, clock?: Clock }) => { start: () => Promise<void>, stop: () => void } {
  return ({ registry, clock }) => {
    const roster = new RosterFile(file, entries => { registry.expect('roster file', entries) })
    return {
      start: async () => {
        registry.expect('roster file', await roster.load())
        roster.start(intervalMs, clock)
      },
      stop: () => { roster.stop() }
    }
  }
}
