// Helpers for the record's tests: a scripted devnet timeline on a fake clock, fed to a
// HistoryRecord, with a plain model of what every node was at every moment to check the
// record against. Production code never imports this file.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HistoryRecord } from '../relay/record/record-service.ts'
import type { HistoryRecordInit } from '../relay/record/record-service.ts'
import type { BeatInput, NodeAt } from '../relay/record/types.ts'
import { createRandom } from '../sim/random.ts'

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0)

/** A fake clock the record reads. */
export class FakeClock {
  t: number
  constructor (t = T0) { this.t = t }
  readonly now = (): number => this.t
}

export async function tempDir (): Promise<{ dir: string, remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'devnet-record-'))
  return { dir, remove: async () => { await rm(dir, { recursive: true, force: true }) } }
}

/** A record on a fake clock, flushed and kept by the test (no timers, no worker). */
export function manualRecord (dir: string, clock: FakeClock, init: Partial<HistoryRecordInit> = {}): HistoryRecord {
  const record = new HistoryRecord({ dataDir: dir, now: clock.now, manual: true, checkpointWorker: false, ...init })
  record.start()
  return record
}

export type ModelEvent =
  /** `parent`: the head's parent, as a heartbeat with ParentHead says */
  | { t: number, peer: string, kind: 'beat', beat: BeatInput, parent?: string }
  | { t: number, peer: string, kind: 'connected' | 'disconnected' | 'forgotten' }

interface ModelNode {
  height: number
  head: string
  /** as the beat that brought the head said */
  parentHead?: string
  nickname: string
  minerAddress: string | null
  genesisCid: string | null
  client?: string
  clientVersion?: string
  connected: boolean
  syncing: boolean | null
  finalizedHeight: number | null
  firstSeenAt: number
  lastChangeAt: number
}

/** What each node was at a moment, from the plain list of what happened. */
export class Model {
  readonly events: ModelEvent[] = []

  #beats: Map<string, { t: number[], h: number[] }> | undefined

  add (events: Iterable<ModelEvent>): void {
    for (const e of events) this.events.push(e)
    this.#beats = undefined
  }

  /** A node's height at a moment (undefined before its first beat); forgets are not followed. */
  heightAt (peer: string, at: number): number | undefined {
    if (this.#beats == null) {
      this.#beats = new Map()
      for (const e of this.events) {
        if (e.kind !== 'beat') continue
        let b = this.#beats.get(e.peer)
        if (b == null) this.#beats.set(e.peer, b = { t: [], h: [] })
        b.t.push(e.t)
        b.h.push(e.beat.height)
      }
    }
    const b = this.#beats.get(peer)
    if (b == null) return undefined
    let lo = 0
    let hi = b.t.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((b.t[mid] ?? 0) <= at) lo = mid + 1
      else hi = mid
    }
    return lo === 0 ? undefined : b.h[lo - 1]
  }

  stateAt (at: number): Map<string, ModelNode> {
    const nodes = new Map<string, ModelNode>()
    for (const e of this.events) {
      if (e.t > at) break
      const n = nodes.get(e.peer)
      if (e.kind === 'forgotten') {
        nodes.delete(e.peer)
        continue
      }
      if (e.kind === 'beat') {
        const b = e.beat
        if (n == null) {
          nodes.set(e.peer, {
            height: b.height, head: b.head, ...(e.parent != null ? { parentHead: e.parent } : {}), nickname: b.nickname, minerAddress: b.minerAddress, genesisCid: b.genesisCid,
            ...(b.client != null ? { client: b.client } : {}),
            ...(b.clientVersion != null ? { clientVersion: b.clientVersion } : {}),
            connected: true, syncing: b.syncing ?? null, finalizedHeight: b.finalizedHeight ?? null, firstSeenAt: e.t, lastChangeAt: e.t
          })
          continue
        }
        const changed = n.height !== b.height || n.head !== b.head || n.nickname !== b.nickname || n.minerAddress !== b.minerAddress ||
          n.genesisCid !== b.genesisCid || n.client !== b.client || n.clientVersion !== b.clientVersion
        if (changed) n.lastChangeAt = e.t
        // the record keeps a parent with a change of head; a beat that repeats the head keeps the old one
        if (n.height !== b.height || n.head !== b.head) {
          if (e.parent != null) n.parentHead = e.parent
          else delete n.parentHead
        }
        n.height = b.height
        n.head = b.head
        n.nickname = b.nickname
        n.minerAddress = b.minerAddress
        n.genesisCid = b.genesisCid
        if (b.client != null) n.client = b.client
        else delete n.client
        if (b.clientVersion != null) n.clientVersion = b.clientVersion
        else delete n.clientVersion
        n.connected = true
        if (b.syncing != null) n.syncing = b.syncing
        if (b.finalizedHeight != null) n.finalizedHeight = b.finalizedHeight
        continue
      }
      if (n != null) n.connected = e.kind === 'connected'
    }
    return nodes
  }

  /** Feeds one event to the record, as the relay would. */
  static apply (record: HistoryRecord, e: ModelEvent): void {
    if (e.kind === 'beat') record.heartbeat(e.peer, e.t, e.beat, e.parent)
    else if (e.kind === 'connected') record.connected(e.peer, e.t)
    else if (e.kind === 'disconnected') record.disconnected(e.peer, e.t)
    else record.forgotten(e.peer, e.t)
  }
}

/** The fields a NodeAt (the record's answer) shares with the model's node, for comparison. */
export function comparable (n: NodeAt | ModelNode): Record<string, unknown> {
  return {
    height: n.height,
    head: n.head,
    parentHead: n.parentHead,
    nickname: n.nickname,
    minerAddress: n.minerAddress,
    genesisCid: n.genesisCid,
    client: n.client,
    clientVersion: n.clientVersion,
    connected: n.connected,
    syncing: n.syncing,
    finalizedHeight: n.finalizedHeight,
    lastChangeAt: n.lastChangeAt
  }
}

export const headOf = (height: number, fork = ''): string => `{ bafy2bzacea${fork}${String(height).padStart(40, '0')} }`

export interface ScriptOptions {
  nodes: number
  /** ms of timeline */
  durationMs: number
  blockMs: number
  beatMs: number
  seed: number
  /** also script disconnects, reconnects, forgets, nickname changes, finality and syncing */
  trouble?: boolean
  /** from this time on, even-numbered nodes report each head's parent (ParentHead) */
  parentsFrom?: number
}

/**
 * A devnet timeline: nodes beat every beatMs on a chain with a block every blockMs; with
 * trouble, some lag, fork briefly (a lower height on another head), go away and come back,
 * are forgotten and heard again, rename themselves, and report finality and syncing.
 */
export function script (options: ScriptOptions, start = T0): ModelEvent[] {
  const rnd = createRandom(options.seed).next
  const events: ModelEvent[] = []
  const peers = Array.from({ length: options.nodes }, (_, k) => `12D3KooWTestPeer${String(k).padStart(4, '0')}${'x'.repeat(30)}`)
  const offline = new Set<string>()
  const names = peers.map((_, k) => `node-${k}`)
  for (let t = start; t < start + options.durationMs; t += 250) {
    for (const [k, peer] of peers.entries()) {
      const phase = (k * 977) % options.beatMs
      const due = (t - start - phase) % options.beatMs
      if (due < 0 || due >= 250) continue
      const at = t + due
      if (options.trouble === true) {
        const r = rnd()
        if (offline.has(peer)) {
          if (r < 0.05) offline.delete(peer)
          else continue
        } else if (r < 0.004) {
          offline.add(peer)
          events.push({ t: at, peer, kind: 'disconnected' })
          continue
        } else if (r < 0.005) {
          offline.add(peer)
          events.push({ t: at, peer, kind: 'disconnected' })
          events.push({ t: at + 1, peer, kind: 'forgotten' })
          continue
        } else if (r < 0.007) {
          names[k] = `node-${k}-${Math.floor(rnd() * 100)}`
        }
      }
      const chain = 2_000_000 + Math.floor((at - start) / options.blockMs)
      const lag = options.trouble === true && k % 7 === 0 ? Math.floor(rnd() * 3) : 0
      const forked = options.trouble === true && k % 11 === 0 && rnd() < 0.1
      const height = chain - lag - (forked ? 1 : 0)
      const beat: BeatInput = {
        height,
        head: headOf(height, forked ? 'f' : ''),
        nickname: names[k] ?? '',
        minerAddress: k % 3 === 0 ? `t0${1000 + k}` : null,
        genesisCid: 'bafy2bzacegenesis'
      }
      if (options.trouble === true && k % 5 === 0) {
        beat.client = 'lotus'
        beat.clientVersion = '1.30.0'
        beat.finalizedHeight = chain - 900 - (Math.floor((at - start) / 30_000) % 2)
        beat.syncing = lag > 1
      }
      // a node that forked made its block on the chain's previous head
      if (options.parentsFrom != null && at >= options.parentsFrom && k % 2 === 0) events.push({ t: at, peer, kind: 'beat', beat, parent: headOf(height - 1) })
      else events.push({ t: at, peer, kind: 'beat', beat })
    }
  }
  events.sort((a, b) => a.t - b.t)
  return events
}

/** The peers and heights record-kill-child.ts beats with: a node's height is what it reports at its
 *  last beat, which the test knows from the beat schedule. */
export function killTestPeer (k: number): string {
  return `12D3KooWKillTest${String(k).padStart(5, '0')}${'y'.repeat(30)}`
}

export function expectedHeight (k: number, at: number): number {
  return 3_000_000 + Math.floor(at / 1_000) + (k % 3)
}
