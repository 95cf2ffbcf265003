// The fork monitor over every network a relay hears: nodes grouped by the genesis they report,
// a ForkTracker per genesis (MAX_NETWORKS at most), so a node of another devnet, or one
// started with the wrong genesis, is another network and never a branch of this one. The
// network with the most connected nodes is the relay's own ("main"); nodes that report no
// genesis (go-filecoin before Aug 2019, watched nodes) are counted in it. Pure: time comes in
// with each call, so it is tested on a fake clock.
import { MAX_NETWORKS } from '../protocol/forks.ts'
import { ForkTracker } from './fork-tracker.ts'
import type { ForksMessage, NetworkPanel } from '../protocol/forks.ts'
import type { ForkTrackerEvent, TrackedFork } from './fork-tracker.ts'

type Genesis = string | null

interface MonitoredNode {
  /** as the node reports it */
  genesis: Genesis
  /** its last beat's head's parent (ParentHead), when it reported one: its last beat goes
   *  into another tracker with it when the main network changes */
  parent: string | undefined
  connected: boolean
  /** the network whose tracker holds it; undefined: untracked (past MAX_NETWORKS) */
  network: Genesis | undefined
}

export type MonitorEvent = ForkTrackerEvent & { genesis: Genesis }

const EMPTY_PROPAGATION = { blocks: 0, counts: [] }

export class ForkMonitor {
  readonly #nodes = new Map<number, MonitoredNode>()
  readonly #trackers = new Map<Genesis, ForkTracker>()
  readonly #maxNetworks: number
  #main: Genesis = null
  /** the last fork id given: ids go on from the record's after a restart */
  #lastId = 0

  constructor (init: { maxNetworks?: number } = {}) {
    this.#maxNetworks = init.maxNetworks ?? MAX_NETWORKS
  }

  /** Fork ids go on after this one (the highest the record holds), so a restarted relay's
   *  first fork is not #1 again. Call before the first evaluate. */
  continueIdsAfter (lastId: number): void {
    this.#lastId = Math.max(this.#lastId, lastId)
  }

  /** Forks called so far, over every network: over the record's life once ids go on from it
   *  (continueIdsAfter; ids count every fork called, from 1), since the start without one. */
  get forksSoFar (): number {
    return this.#lastId
  }

  get main (): Genesis {
    return this.#main
  }

  /** The forks open now, by network. */
  openForks (): Array<{ genesis: Genesis, fork: TrackedFork }> {
    const out: Array<{ genesis: Genesis, fork: TrackedFork }> = []
    for (const [genesis, tracker] of this.#trackers) {
      const fork = tracker.openFork
      if (fork !== null) out.push({ genesis, fork })
    }
    return out
  }

  /** The network a node with this genesis belongs to. */
  #networkOf (genesis: Genesis): Genesis {
    return genesis ?? this.#main
  }

  #tracker (network: Genesis): ForkTracker | undefined {
    let tracker = this.#trackers.get(network)
    if (tracker === undefined && this.#trackers.size < this.#maxNetworks) {
      tracker = new ForkTracker({
        nextForkId: () => ++this.#lastId
      })
      this.#trackers.set(network, tracker)
    }
    return tracker
  }

  /** A heartbeat; `parent`: its head's parent, when the sender reports it (ParentHead). */
  beat (i: number, genesis: Genesis, height: number, head: string, at: number, parent?: string): void {
    let node = this.#nodes.get(i)
    if (node === undefined) {
      node = { genesis, parent, connected: true, network: undefined }
      this.#nodes.set(i, node)
    }
    node.genesis = genesis
    node.parent = parent
    node.connected = true
    const network = this.#networkOf(genesis)
    if (node.network !== network || node.network === undefined) {
      // a new node, one that changed genesis, or one untracked that may now have a place
      if (node.network !== undefined) this.#trackers.get(node.network)?.forget(i)
      node.network = this.#tracker(network) === undefined ? undefined : network
    }
    if (node.network === undefined) return
    this.#trackers.get(node.network)?.beat(i, height, head, at, parent)
  }

  connected (i: number, at: number): void {
    const node = this.#nodes.get(i)
    if (node === undefined) return
    node.connected = true
    if (node.network !== undefined) this.#trackers.get(node.network)?.connected(i, at)
  }

  disconnected (i: number): void {
    const node = this.#nodes.get(i)
    if (node === undefined) return
    node.connected = false
    if (node.network !== undefined) this.#trackers.get(node.network)?.disconnected(i)
  }

  forget (i: number): void {
    const node = this.#nodes.get(i)
    if (node === undefined) return
    if (node.network !== undefined) this.#trackers.get(node.network)?.forget(i)
    this.#nodes.delete(i)
  }

  /** Connected nodes per network (nodes with no genesis in the main one). */
  #counts (): Map<Genesis, number> {
    const counts = new Map<Genesis, number>()
    for (const node of this.#nodes.values()) {
      if (!node.connected) continue
      const network = this.#networkOf(node.genesis)
      counts.set(network, (counts.get(network) ?? 0) + 1)
    }
    return counts
  }

  /** Settles which network is the main one, then evaluates every tracker. */
  evaluate (now: number): MonitorEvent[] {
    this.#settleMain()
    const events: MonitorEvent[] = []
    for (const [genesis, tracker] of this.#trackers) {
      for (const event of tracker.evaluate(now)) events.push({ ...event, genesis })
      // a network whose nodes all left or moved: its tracker goes (its fork, if any, with it)
      if (tracker.size === 0 && genesis !== this.#main) this.#trackers.delete(genesis)
    }
    return events
  }

  /** The main network is the one with the most connected nodes (ties: as before, then by
   *  genesis); nodes with no genesis follow it when it changes. */
  #settleMain (): void {
    let main = this.#main
    let most = -1
    const counts = new Map<Genesis, number>()
    for (const node of this.#nodes.values()) {
      if (!node.connected || node.genesis === null) continue
      counts.set(node.genesis, (counts.get(node.genesis) ?? 0) + 1)
    }
    for (const [genesis, count] of [...counts].sort(([a], [b]) => (a ?? '') < (b ?? '') ? -1 : 1)) {
      if (count > most || (count === most && genesis === this.#main)) {
        main = genesis
        most = count
      }
    }
    if (counts.size === 0) main = null
    if (main === this.#main) return
    this.#main = main
    for (const [i, node] of this.#nodes) {
      if (node.genesis !== null || node.network === main) continue
      const old = node.network === undefined ? undefined : this.#trackers.get(node.network)
      const last = old?.lastBeat(i)
      old?.forget(i)
      node.network = this.#tracker(main) === undefined ? undefined : main
      if (node.network !== undefined && last !== undefined) {
        const tracker = this.#trackers.get(main)
        tracker?.connected(i, last.at)
        tracker?.beat(i, last.height, last.head, last.at, node.parent)
        if (!node.connected) tracker?.disconnected(i)
      }
    }
  }

  /** Every network's panel, the main one first, then by size. */
  panels (now: number): NetworkPanel[] {
    const counts = this.#counts()
    const networks = new Set<Genesis>([...counts.keys(), ...this.#trackers.keys()])
    const panels: NetworkPanel[] = []
    for (const genesis of networks) {
      const tracker = this.#trackers.get(genesis)
      const base = { genesis, main: genesis === this.#main, nodes: counts.get(genesis) ?? 0, tracked: tracker !== undefined }
      if (tracker === undefined) {
        panels.push({ ...base, blockTimeMs: null, columns: [], branches: [], fork: null, divergingSince: null, propagation: EMPTY_PROPAGATION })
        continue
      }
      const { placed: _, ...panel } = tracker.panel(now)
      panels.push({ ...base, ...panel })
    }
    panels.sort((a, b) => Number(b.main) - Number(a.main) || b.nodes - a.nodes || ((a.genesis ?? '') < (b.genesis ?? '') ? -1 : 1))
    return panels
  }

  message (now: number): ForksMessage {
    return { t: 'forks', at: now, networks: this.panels(now) }
  }

  /** Per node, its median propagation delay, over every tracked network. */
  medians (): Array<[i: number, ms: number]> {
    const out: Array<[number, number]> = []
    for (const tracker of this.#trackers.values()) out.push(...tracker.medians())
    return out.sort((a, b) => a[0] - b[0])
  }
}
