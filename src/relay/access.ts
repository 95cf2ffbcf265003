// Access control and per-peer limits: allowlists of peer IDs, a token bucket for heartbeat
// rate, and a penalty box for peers that keep sending bad input.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { ALLOWED_NODES_FILE, ALLOWED_VIEWERS_FILE } from './constants.ts'

/**
 * Peer IDs from a file (one per line; `#` starts a comment; blank lines ignored) and/or a
 * list. A file that is named but missing or holds a bad peer ID is an error: a typo must
 * not silently open or close the relay.
 */
export async function loadPeerList (file: string | undefined, listed: readonly string[] = []): Promise<Set<string> | undefined> {
  if (file == null && listed.length === 0) return undefined
  const ids = new Set<string>()
  const add = (raw: string, where: string): void => {
    try {
      ids.add(peerIdFromString(raw).toString())
    } catch {
      throw new Error(`${where}: ${JSON.stringify(raw)} is not a peer ID`)
    }
  }
  listed.forEach(id => { add(id, 'allowlist') })
  if (file != null) {
    const text = await readFile(file, 'utf8')
    text.split('\n').forEach((line, n) => {
      const id = line.replace(/#.*/, '').trim()
      if (id !== '') add(id, `${file}:${n + 1}`)
    })
  }
  return ids
}

export interface Allowlists {
  /** peers that may send heartbeats; undefined: every peer may */
  nodes?: Set<string>
  /** peers that may subscribe to the feed; undefined: every peer may */
  viewers?: Set<string>
}

/** The allowlists from the data dir's files (where present) and the given peer IDs. */
export async function loadAllowlists (dataDir: string, listed: { allowNodes?: readonly string[], allowViewers?: readonly string[] }): Promise<Allowlists> {
  const inDataDir = (name: string): string | undefined => existsSync(join(dataDir, name)) ? join(dataDir, name) : undefined
  const nodes = await loadPeerList(inDataDir(ALLOWED_NODES_FILE), listed.allowNodes)
  const viewers = await loadPeerList(inDataDir(ALLOWED_VIEWERS_FILE), listed.allowViewers)
  return { ...(nodes != null ? { nodes } : {}), ...(viewers != null ? { viewers } : {}) }
}

/** A token bucket: `rate` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  readonly rate: number
  readonly burst: number
  #tokens: number
  #at: number

  constructor (rate: number, burst: number, now: number) {
    this.rate = rate
    this.burst = burst
    this.#tokens = burst
    this.#at = now
  }

  take (now: number): boolean {
    this.#tokens = Math.min(this.burst, this.#tokens + (now - this.#at) * this.rate / 1000)
    this.#at = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}

// Peers banned at once; past this the ban that ends soonest is lifted early
const MAX_BANNED_PEERS = 10_000

/** Peers refused until a time. Bounded: expired bans are swept as new ones arrive. */
export class PenaltyBox {
  readonly #until = new Map<string, number>()

  ban (peerId: string, until: number, now: number): void {
    if (this.#until.size >= MAX_BANNED_PEERS) {
      for (const [id, end] of this.#until) if (end <= now) this.#until.delete(id)
      if (this.#until.size >= MAX_BANNED_PEERS) {
        let soonest: string | undefined
        let soonestEnd = Infinity
        for (const [id, end] of this.#until) if (end < soonestEnd) { soonest = id; soonestEnd = end }
        if (soonest != null) this.#until.delete(soonest)
      }
    }
    this.#until.set(peerId, until)
  }

  isBanned (peerId: string, now: number): boolean {
    const until = this.#until.get(peerId)
    if (until == null) return false
    if (until > now) return true
    this.#until.delete(peerId)
    return false
  }

  get size (): number {
    return this.#until.size
  }
}
