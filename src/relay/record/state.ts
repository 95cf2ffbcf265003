// The state of every node at a moment, rebuilt from the record: the last keyframe at or
// before it, then the changes after the keyframe up to the moment. Shared by ?at= queries and
// by the writer, which starts from the state at the end of the record when it reopens.
import { BLOB_V2, BLOB_V3, decodeJournal, decodeSegment } from './blobs.ts'
import { SEGMENT_MS } from './constants.ts'
import { parentsFrom } from './schema.ts'
import {
  CHANGE_BACK, CHANGE_BEAT, CHANGE_CONNECTED, CHANGE_DISCONNECTED, CHANGE_FINALIZED, CHANGE_FORGOTTEN, CHANGE_INFO,
  CHANGE_STALE, CHANGE_SYNCING, NO_PARENT
} from './types.ts'
import type { ChangeKind, NodeAt, NodeInfo } from './types.ts'
import type { DatabaseSync } from 'node:sqlite'

/** A node's state with the record's ids not yet resolved to text. */
export interface RawState {
  node: number
  height: number
  /** head id; 0 when no beat has been seen */
  head: number
  /** the head's parent as the beat that brought the head reported it (a head id); NO_PARENT
   *  when it reported none */
  parent: number
  /** info id; 0 when none has been seen */
  info: number
  connected: boolean
  stale: boolean
  syncing: boolean | null
  finalized: number | null
  changedAt: number
  beatAt: number
}

// keyframe flags: bit 0 connected, bit 1 syncing, bit 2 syncing unknown, bit 3 stale
export const FLAG_CONNECTED = 1
export const FLAG_SYNCING = 2
export const FLAG_SYNCING_UNKNOWN = 4
export const FLAG_STALE = 8

// seg.c: bit 0 connected at the end of the minute; bit 1 the minute holds changes other than
// beats (connections, info, finalized, syncing, stale, forgotten), which only decoding shows; bit
// 2 the minute has no beat (its height is the node's, carried). The common row (beats, no
// other change) is 0 or 1, which SQLite stores in no bytes at all
export const SEG_CONNECTED = 1
export const SEG_OTHER = 2
export const SEG_NO_BEAT = 4

export function flagsOf (state: { connected: boolean, stale: boolean, syncing: boolean | null }): number {
  return (state.connected ? FLAG_CONNECTED : 0) | (state.syncing === true ? FLAG_SYNCING : 0) | (state.syncing == null ? FLAG_SYNCING_UNKNOWN : 0) |
    (state.stale ? FLAG_STALE : 0)
}

function blank (node: number, t: number): RawState {
  return { node, height: 0, head: 0, parent: NO_PARENT, info: 0, connected: false, stale: false, syncing: null, finalized: null, changedAt: t, beatAt: 0 }
}

// what a piece of the record settles about a node's state
const F_BEAT = 1
const F_CONN = 2
const F_INFO = 4
const F_FIN = 8
const F_SYNC = 16
const F_STALE = 32
const F_ALL = 63

/** The last value of each field within one piece of the record (a minute, or the journal),
 *  read forward; a forget in it clears what came before it. */
class Last {
  seen = 0
  forgot = false
  /** entries after the forget: the node was heard again */
  reborn = false
  firstT = 0
  height = 0
  head = 0
  parent = NO_PARENT
  beatT = 0
  connected = false
  info = 0
  infoT = 0
  fin = 0
  syncing = false
  stale = false

  reset (): void {
    this.seen = 0
    this.forgot = false
    this.reborn = false
    this.firstT = -1
  }

  add (kind: ChangeKind, t: number, a: number, b: number, parent: number): void {
    if (this.firstT < 0) this.firstT = t
    if (this.forgot) this.reborn = true
    switch (kind) {
      case CHANGE_BEAT: this.height = a; this.head = b; this.parent = parent; this.beatT = t; this.seen |= F_BEAT; break
      // a connection that opens or closes ends a silence: stale is per connection
      case CHANGE_CONNECTED: this.connected = true; this.stale = false; this.seen |= F_CONN | F_STALE; break
      case CHANGE_DISCONNECTED: this.connected = false; this.stale = false; this.seen |= F_CONN | F_STALE; break
      case CHANGE_INFO: this.info = a; this.infoT = t; this.seen |= F_INFO; break
      case CHANGE_FINALIZED: this.fin = a; this.seen |= F_FIN; break
      case CHANGE_SYNCING: this.syncing = a === 1; this.seen |= F_SYNC; break
      case CHANGE_STALE: this.stale = true; this.seen |= F_STALE; break
      case CHANGE_BACK: this.stale = false; this.seen |= F_STALE; break
      case CHANGE_FORGOTTEN:
        this.forgot = true
        this.reborn = false
        this.seen = 0
        this.firstT = t
        break
    }
  }
}

/** A node's state settled field by field, newest piece of the record first. */
interface Settling {
  known: number
  /** forgotten at some point after the pieces still to come: they no longer apply */
  sealed: boolean
  gone: boolean
  /** changedAt is settled (by the newest piece with a beat or an info) */
  changed: boolean
  /** the first change seen of this node, newest piece first: its earliest known time */
  firstT: number
  state: RawState
}

function settle (nodes: Map<number, Settling>, node: number, last: Last): void {
  // a piece with nothing up to the moment says nothing, not even that the node was known
  if (last.seen === 0 && !last.forgot) return
  let s = nodes.get(node)
  if (s == null) {
    s = { known: 0, sealed: false, gone: false, changed: false, firstT: last.firstT, state: blank(node, 0) }
    nodes.set(node, s)
  }
  if (s.sealed) return
  const fresh = last.seen & ~s.known
  const st = s.state
  if ((fresh & F_BEAT) !== 0) {
    st.height = last.height
    st.head = last.head
    st.parent = last.parent
    st.beatAt = last.beatT
  }
  if ((fresh & F_CONN) !== 0) st.connected = last.connected
  if ((fresh & F_INFO) !== 0) st.info = last.info
  if ((fresh & F_FIN) !== 0) st.finalized = last.fin
  if ((fresh & F_SYNC) !== 0) st.syncing = last.syncing
  if ((fresh & F_STALE) !== 0) st.stale = last.stale
  if (!s.changed && (last.seen & (F_BEAT | F_INFO)) !== 0) {
    st.changedAt = Math.max((last.seen & F_BEAT) !== 0 ? last.beatT : 0, (last.seen & F_INFO) !== 0 ? last.infoT : 0)
    s.changed = true
  }
  if (last.firstT >= 0) s.firstT = last.firstT
  s.known |= fresh
  if (last.forgot) {
    s.sealed = true
    if (!last.reborn && s.known === 0) s.gone = true
  }
}

export interface LoadedState {
  states: Map<number, RawState>
  /** the keyframe the state was rebuilt from, if any */
  keyframe: number | undefined
}

/**
 * Every node's state as of `at` (changes at `at` included). A keyframe at K holds the changes
 * before K, so the base is the last keyframe at or before at + 1. The changes after it are
 * read newest first, and a minute is decoded only while it can still settle something: most
 * nodes are settled by their last minute (its blob) and the summaries of the ones before.
 */
export function loadState (db: DatabaseSync, at: number): LoadedState {
  const kf = db.prepare('SELECT t FROM keyframe WHERE t <= ? ORDER BY t DESC LIMIT 1').get(at + 1) as { t: number } | undefined
  const base = kf?.t ?? 0
  const first = Math.floor(base / SEGMENT_MS)
  const lastMinute = Math.floor(at / SEGMENT_MS)
  const nodes = new Map<number, Settling>()
  const last = new Last()
  // segments of minutes before it were written without parents (a record of schema 2)
  const v3From = parentsFrom(db)

  // the journal: the open minute(s), newer than any segment
  const journal = new Map<number, Last>()
  for (const row of db.prepare('SELECT b, data FROM journal WHERE b >= ? AND b <= ? ORDER BY b, seq').iterate(first, lastMinute) as Iterable<{ b: number, data: Uint8Array }>) {
    decodeJournal(row.data, row.b * SEGMENT_MS, (node, kind, t, a, b, parent) => {
      if (t < base || t > at) return
      let l = journal.get(node)
      if (l == null) {
        l = new Last()
        l.reset()
        journal.set(node, l)
      }
      l.add(kind, t, a, b, parent)
    })
  }
  for (const [node, l] of journal) settle(nodes, node, l)

  // the minute `at` is in: the newest segments, read up to `at`
  /** `whole`: the minute ended by `at` (and began after the keyframe), so its summary's
   *  connection is the node's at the minute's end */
  const decodeRow = (b: number, node: number, h: number, c: number, data: Uint8Array, whole: boolean): void => {
    last.reset()
    decodeSegment(data, b * SEGMENT_MS, h, (kind, t, x, y, parent) => {
      if (t >= base && t <= at) last.add(kind, t, x, y, parent)
    }, b >= v3From ? BLOB_V3 : BLOB_V2)
    if (whole && (last.seen & F_CONN) === 0 && !last.forgot) {
      last.connected = (c & SEG_CONNECTED) !== 0
      last.seen |= F_CONN
    }
    settle(nodes, node, last)
  }
  if (lastMinute >= first) {
    for (const row of db.prepare('SELECT node, h, c, data FROM seg WHERE b = ?').iterate(lastMinute) as Iterable<{ node: number, h: number, c: number, data: Uint8Array }>) {
      decodeRow(lastMinute, row.node, row.h, row.c, row.data, false)
    }
  }
  // then, of the whole minutes before it, each node's last (its connection), its last with a
  // beat (height, head), and older ones only where they hold infos, finality, syncing or a forget
  // with their blobs, in one statement: a statement per piece (1,000 nodes) cost more than reading them
  const pieces = db.prepare(`
    WITH piece (node, b) AS (
      SELECT node, max(b) FROM seg WHERE b >= ?1 AND b < ?2 GROUP BY node
      UNION
      SELECT node, max(b) FROM seg WHERE b >= ?1 AND b < ?2 AND (c & ${SEG_NO_BEAT}) = 0 GROUP BY node
      UNION
      SELECT node, b FROM seg WHERE b >= ?1 AND b < ?2 AND (c & ${SEG_OTHER}) != 0)
    SELECT seg.node, seg.b, seg.h, seg.c, seg.data FROM piece JOIN seg ON seg.b = piece.b AND seg.node = piece.node
    ORDER BY seg.node, seg.b DESC`)
  pieces.setReturnArrays(true)
  for (const [node, b, h, c, data] of pieces.iterate(first, lastMinute) as Iterable<[number, number, number, number, Uint8Array]>) {
    const s = nodes.get(node)
    if (s != null && (s.sealed || s.known === F_ALL)) continue
    decodeRow(b, node, h, c, data, b * SEGMENT_MS >= base)
  }

  const states = new Map<number, RawState>()
  if (kf != null) {
    const rows = db.prepare('SELECT node, h, head, info, flags, fin, changed_t, beat_t, parent FROM kf_node WHERE t = ?').all(kf.t) as Array<{
      node: number, h: number, head: number, info: number, flags: number, fin: number | null, changed_t: number, beat_t: number, parent: number | null
    }>
    for (const row of rows) {
      const s = nodes.get(row.node)
      if (s?.sealed === true) continue
      const k = s?.known ?? 0
      const st = s?.state ?? blank(row.node, row.changed_t)
      if ((k & F_BEAT) === 0) { st.height = row.h; st.head = row.head; st.parent = row.parent ?? NO_PARENT }
      st.beatAt = Math.max(st.beatAt, row.beat_t)
      if ((k & F_CONN) === 0) st.connected = (row.flags & FLAG_CONNECTED) !== 0
      if ((k & F_INFO) === 0) st.info = row.info
      if ((k & F_FIN) === 0) st.finalized = row.fin
      if ((k & F_SYNC) === 0) st.syncing = (row.flags & FLAG_SYNCING_UNKNOWN) !== 0 ? null : (row.flags & FLAG_SYNCING) !== 0
      if ((k & F_STALE) === 0) st.stale = (row.flags & FLAG_STALE) !== 0
      if (s?.changed !== true) st.changedAt = row.changed_t
      states.set(row.node, st)
    }
  }
  for (const [node, s] of nodes) {
    if (s.gone) {
      states.delete(node)
      continue
    }
    if (!states.has(node)) {
      // heard first after the keyframe: changed, at the latest, when first heard
      if (!s.changed) s.state.changedAt = s.firstT
      states.set(node, s.state)
    }
  }
  return { states, keyframe: kf?.t }
}

const NO_INFO: NodeInfo = { nickname: '', minerAddress: null, genesisCid: null }

/** Text for the ids a state holds, looked up once each. */
export class IdResolver {
  readonly #heads = new Map<number, string>()
  readonly #infos = new Map<number, NodeInfo>()
  readonly #nodes = new Map<number, { peer: string, firstSeenAt: number } | null>()
  readonly #headStmt
  readonly #infoStmt
  readonly #nodeStmt
  readonly #db: DatabaseSync

  constructor (db: DatabaseSync) {
    this.#db = db
    this.#headStmt = db.prepare('SELECT text FROM head WHERE id = ?')
    this.#infoStmt = db.prepare('SELECT json FROM info WHERE id = ?')
    this.#nodeStmt = db.prepare('SELECT peer, first_t FROM node WHERE id = ?')
  }

  /** '' for a head retention has dropped (or none seen) */
  head (id: number): string {
    let text = this.#heads.get(id)
    if (text == null) {
      text = (this.#headStmt.get(id) as { text: string } | undefined)?.text ?? ''
      this.#heads.set(id, text)
    }
    return text
  }

  info (id: number): NodeInfo {
    let info = this.#infos.get(id)
    if (info == null) {
      const row = this.#infoStmt.get(id) as { json: string } | undefined
      info = row == null ? NO_INFO : parseInfo(row.json)
      this.#infos.set(id, info)
    }
    return info
  }

  /** Every node's peer ID in one query (a history names them all: a query each costs more). */
  loadNodes (): void {
    for (const row of this.#db.prepare('SELECT id, peer, first_t FROM node').iterate() as Iterable<{ id: number, peer: string, first_t: number }>) {
      this.#nodes.set(Number(row.id), { peer: row.peer, firstSeenAt: Number(row.first_t) })
    }
  }

  /** These infos in one query. */
  loadInfos (ids: Iterable<number>): void {
    const wanted = [...new Set(ids)].filter(id => id !== 0 && !this.#infos.has(id))
    if (wanted.length === 0) return
    for (const row of this.#db.prepare('SELECT id, json FROM info WHERE id IN (SELECT value FROM json_each(?))').iterate(JSON.stringify(wanted)) as Iterable<{ id: number, json: string }>) {
      this.#infos.set(Number(row.id), parseInfo(row.json))
    }
  }

  node (id: number): { peer: string, firstSeenAt: number } | undefined {
    let node = this.#nodes.get(id)
    if (node === undefined) {
      const row = this.#nodeStmt.get(id) as { peer: string, first_t: number } | undefined
      node = row == null ? null : { peer: row.peer, firstSeenAt: row.first_t }
      this.#nodes.set(id, node)
    }
    return node ?? undefined
  }
}

/** The stored form of an info: fixed key order, optional fields only when present. */
export function infoKey (info: NodeInfo): string {
  const stored: Record<string, string | null> = { n: info.nickname, m: info.minerAddress, g: info.genesisCid }
  if (info.client != null) stored.c = info.client
  if (info.clientVersion != null) stored.v = info.clientVersion
  if (info.nodePeerId != null) stored.p = info.nodePeerId
  return JSON.stringify(stored)
}

function str (value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

export function parseInfo (json: string): NodeInfo {
  let value: Record<string, unknown>
  try {
    value = JSON.parse(json) as Record<string, unknown>
  } catch {
    return NO_INFO
  }
  const info: NodeInfo = { nickname: str(value.n) ?? '', minerAddress: str(value.m), genesisCid: str(value.g) }
  const client = str(value.c)
  const clientVersion = str(value.v)
  const nodePeerId = str(value.p)
  if (client != null) info.client = client
  if (clientVersion != null) info.clientVersion = clientVersion
  if (nodePeerId != null) info.nodePeerId = nodePeerId
  return info
}

/** `{ parentHead }` for a parent id that resolves (none reported, or retention dropped it: `{}`). */
export function parentOf (resolver: IdResolver, parent: number): { parentHead?: string } {
  if (parent === NO_PARENT) return {}
  const text = resolver.head(parent)
  return text === '' ? {} : { parentHead: text }
}

/** States with their ids resolved, sorted by peer ID; nodes retention has dropped are left out. */
export function resolveStates (resolver: IdResolver, states: Iterable<RawState>): NodeAt[] {
  const out: NodeAt[] = []
  for (const s of states) {
    const node = resolver.node(s.node)
    if (node == null) continue
    out.push({
      peerId: node.peer,
      ...resolver.info(s.info),
      height: s.height,
      head: resolver.head(s.head),
      ...parentOf(resolver, s.parent),
      connected: s.connected,
      // stale only means something while connected
      stale: s.connected && s.stale,
      syncing: s.syncing,
      finalizedHeight: s.finalized,
      firstSeenAt: node.firstSeenAt,
      lastChangeAt: s.changedAt,
      lastHeartbeatAt: Math.max(s.beatAt, s.changedAt)
    })
  }
  return out.sort((a, b) => a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0)
}
