// Replay's way into the relay: recorded changes become what the node registry would have been
// told, so the feed serves them to dashboards as it serves a live devnet. A beat that changed
// nothing was not recorded one by one; the record says instead whether a node was beating
// (stale or not), so between changes a beating node beats here every BEAT_PERIOD of the
// replayed clock, and a quiet one does not, as the relay heard them then.
import { DEFAULT_BEAT_PERIOD_MS } from '../protocol/status-rules.ts'
import type { NodeRegistry } from './registry.ts'
import type { ReplayChange } from './record/reader.ts'
import type { NodeAt, NodeInfo } from './record/types.ts'
import type { ReplayTarget } from './replay.ts'
import type { Heartbeat, HeartbeatExtra } from '../protocol/index.ts'

interface Played {
  height: number
  head: string
  /** the head's parent, as recorded (ParentHead): the replay's fork monitor links rounds by it */
  parent: string | undefined
  info: NodeInfo
  connected: boolean
  stale: boolean
  lastBeatAt: number
  /** the watcher's facts as recorded (null: never sent) */
  syncing: boolean | null
  finalized: number | null
}

export interface RegistryReplayTargetInit {
  registry: NodeRegistry
  /** the replayed clock */
  now: () => number
  /** how often a beating node beats between recorded changes, in replayed time */
  beatPeriodMs?: number
}

function heartbeatOf (p: Played): Heartbeat {
  const hb: Heartbeat = { head: p.head, height: p.height, nickname: p.info.nickname, minerAddress: p.info.minerAddress, genesisCid: p.info.genesisCid }
  // a watched node's fields, played back as it sent them (the page's client column, 'syncing')
  const extra: HeartbeatExtra = {}
  if (p.info.client != null) extra.client = p.info.client
  if (p.info.clientVersion != null) extra.clientVersion = p.info.clientVersion
  if (p.info.nodePeerId != null) extra.nodePeerId = p.info.nodePeerId
  if (p.syncing !== null) extra.syncing = p.syncing
  if (p.finalized !== null) extra.finalizedHeight = p.finalized
  if (p.parent !== undefined) extra.parentHead = p.parent
  if (Object.keys(extra).length > 0) hb.extra = extra
  return hb
}

export class RegistryReplayTarget implements ReplayTarget {
  readonly #registry: NodeRegistry
  readonly #now: () => number
  readonly #beatPeriodMs: number
  readonly #nodes = new Map<string, Played>()

  constructor (init: RegistryReplayTargetInit) {
    this.#registry = init.registry
    this.#now = init.now
    this.#beatPeriodMs = init.beatPeriodMs ?? DEFAULT_BEAT_PERIOD_MS
  }

  begin (nodes: NodeAt[], at: number): void {
    for (const n of nodes) {
      const played: Played = {
        height: n.height,
        head: n.head,
        parent: n.parentHead,
        info: {
          nickname: n.nickname,
          minerAddress: n.minerAddress,
          genesisCid: n.genesisCid,
          ...(n.client != null ? { client: n.client } : {}),
          ...(n.clientVersion != null ? { clientVersion: n.clientVersion } : {}),
          ...(n.nodePeerId != null ? { nodePeerId: n.nodePeerId } : {})
        },
        connected: n.connected,
        stale: n.stale,
        lastBeatAt: n.connected && !n.stale ? at : n.lastHeartbeatAt,
        syncing: n.syncing,
        finalized: n.finalizedHeight
      }
      this.#nodes.set(n.peerId, played)
      this.#registry.heartbeat(n.peerId, heartbeatOf(played), played.lastBeatAt)
      if (!n.connected) this.#registry.setConnected(n.peerId, false)
    }
  }

  change (change: ReplayChange): void {
    let p = this.#nodes.get(change.peerId)
    if (p == null) {
      p = { height: 0, head: '', parent: undefined, info: { nickname: '', minerAddress: null, genesisCid: null }, connected: false, stale: false, lastBeatAt: change.t, syncing: null, finalized: null }
      this.#nodes.set(change.peerId, p)
    }
    switch (change.kind) {
      case 'beat':
        p.height = change.height
        p.head = change.head
        p.parent = change.parent
        this.#beat(change.peerId, p, change.t)
        return
      case 'info':
        p.info = change.info
        // an info arrives with a beat; the node's first one comes before its first height
        if (p.head !== '') this.#beat(change.peerId, p, change.t)
        return
      case 'connected':
        p.connected = true
        p.stale = false
        this.#registry.setConnected(change.peerId, true)
        return
      case 'disconnected':
        p.connected = false
        p.stale = false
        this.#registry.setConnected(change.peerId, false)
        return
      case 'stale':
        p.stale = true
        return
      case 'back':
        p.stale = false
        return
      // recorded after the beat that carried them: the same beat again, now with them
      case 'finalized':
        p.finalized = change.height
        if (p.head !== '') this.#beat(change.peerId, p, change.t)
        return
      case 'syncing':
        p.syncing = change.syncing
        if (p.head !== '') this.#beat(change.peerId, p, change.t)
        return
      case 'forgotten':
        this.#nodes.delete(change.peerId)
        this.#registry.setConnected(change.peerId, false)
    }
  }

  /** Beats for every beating node whose period has passed on the replayed clock; the replay
   *  calls this on a timer of its own. */
  tick (): void {
    const now = this.#now()
    for (const [peer, p] of this.#nodes) {
      if (!p.connected || p.stale || p.head === '' || now - p.lastBeatAt < this.#beatPeriodMs) continue
      this.#beat(peer, p, now)
    }
  }

  #beat (peer: string, p: Played, at: number): void {
    p.connected = true
    p.lastBeatAt = at
    this.#registry.heartbeat(peer, heartbeatOf(p), at)
  }
}
