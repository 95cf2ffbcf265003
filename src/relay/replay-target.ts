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
import type { Heartbeat } from '../protocol/index.ts'

interface Played {
  height: number
  head: string
  info: NodeInfo
  connected: boolean
  stale: boolean
  lastBeatAt: number
}

export interface RegistryReplayTargetInit {
  registry: NodeRegistry
  /** the replayed clock */
  now: () => number
  /** how often a beating node beats between recorded changes, in replayed time */
  beatPeriodMs?: number
}

function heartbeatOf (p: Played): Heartbeat {
  return { head: p.head, height: p.height, nickname: p.info.nickname, minerAddress: p.info.minerAddress, genesisCid: p.info.genesisCid }
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
        info: { nickname: n.nickname, minerAddress: n.minerAddress, genesisCid: n.genesisCid },
        connected: n.connected,
        stale: n.stale,
        lastBeatAt: n.connected && !n.stale ? at : n.lastHeartbeatAt
      }
      this.#nodes.set(n.peerId, played)
      this.#registry.heartbeat(n.peerId, heartbeatOf(played), played.lastBeatAt)
      if (!n.connected) this.#registry.setConnected(n.peerId, false)
    }
  }

  change (change: ReplayChange): void {
    let p = this.#nodes.get(change.peerId)
    if (p == null) {
      p = { height: 0, head: '', info: { nickname: '', minerAddress: null, genesisCid: null }, connected: false, stale: false, lastBeatAt: change.t }
      this.#nodes.set(change.peerId, p)
    }
    switch (change.kind) {
      case 'beat':
        p.height = change.height
        p.head = change.head
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
