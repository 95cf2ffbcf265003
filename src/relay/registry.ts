// What the relay knows of each node, keyed by peer ID: the latest heartbeat, first and last
// heard, connected now, and a bounded history. Every change is announced to listeners once,
// which the feed turns into one encoded message for all subscribers.
import { HistoryRing } from './history.ts'
import { HISTORY_LIMIT, MAX_KNOWN_NODES } from './constants.ts'
import { groupRounds } from '../protocol/index.ts'
import type { Heartbeat, NodeRecord } from '../protocol/index.ts'

export interface KnownNode {
  /** the feed's short id for this node, unique for the relay's lifetime */
  readonly i: number
  readonly record: NodeRecord
  readonly history: HistoryRing
  /** the parent of its head, as its last heartbeat reported it (ParentHead): for the fork
   *  monitor only, not part of the record the feed and the history carry */
  parentHead: string | undefined
}

export type RegistryChange =
  /** first heartbeat of a node, or its nickname, miner or genesis changed: full state */
  | { kind: 'node', node: KnownNode }
  /** a heartbeat that changed nothing but height, head and time */
  | { kind: 'beat', node: KnownNode }
  | { kind: 'connected', node: KnownNode }
  | { kind: 'disconnected', node: KnownNode }
  /** dropped to stay under maxKnownNodes, or an expected node no longer on the roster */
  | { kind: 'forgotten', node: KnownNode }

// a node known only from a roster has none of a watcher's fields yet
const NO_EXTRA = { client: null, clientVersion: null, nodePeerId: null, syncing: null, finalizedHeight: null } as const

// Distinct head strings kept for sharing; nodes on one tipset then hold one copy of its key
// in their state and history instead of one parsed copy per heartbeat. Past the bound the
// table starts over (heads then stop being shared until they are seen again).
const MAX_INTERNED_HEADS = 8_192

export interface ConsensusStats {
  bestHeight: number
  /** connected nodes at the best height on its most common round (a head, whole or in part) */
  inConsensus: number
  /** connected nodes at the best height on any other round */
  inDispute: number
}

export interface RegistryInit {
  maxKnownNodes?: number
  historyLimit?: number
}

export class NodeRegistry {
  readonly #nodes = new Map<string, KnownNode>()
  readonly #byIndex = new Map<number, KnownNode>()
  readonly #heads = new Map<string, string>()
  readonly #listeners = new Set<(change: RegistryChange) => void>()
  /** what each roster source expects */
  readonly #rosters = new Map<string, ReadonlyArray<{ name: string, peerId: string }>>()
  readonly #maxKnownNodes: number
  readonly #historyLimit: number
  #nextIndex = 0
  #connected = 0
  /** set on every change, cleared by whoever persists the registry */
  dirty = false

  constructor (init: RegistryInit = {}) {
    this.#maxKnownNodes = init.maxKnownNodes ?? MAX_KNOWN_NODES
    this.#historyLimit = init.historyLimit ?? HISTORY_LIMIT
  }

  get size (): number {
    return this.#nodes.size
  }

  get connectedCount (): number {
    return this.#connected
  }

  get (peerId: string): KnownNode | undefined {
    return this.#nodes.get(peerId)
  }

  getByIndex (i: number): KnownNode | undefined {
    return this.#byIndex.get(i)
  }

  nodes (): IterableIterator<KnownNode> {
    return this.#nodes.values()
  }

  onChange (listener: (change: RegistryChange) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  /** Nodes remembered from an earlier run: known, offline until they beat or connect again. */
  restore (records: Iterable<NodeRecord>): void {
    for (const saved of records) {
      // a node never heard was on a roster, which says again whether it is still expected
      if (this.#nodes.has(saved.peerId) || saved.lastHeartbeatAt === null) continue
      const node = this.#add({ ...saved, connected: false })
      if (saved.lastHeartbeatAt !== null) node.history.push(saved.lastHeartbeatAt, saved.height)
    }
    this.#evictIfFull()
  }

  /**
   * The nodes one source (a roster file, the relay's own watcher) says to expect: each not known
   * yet is added, never heard ("missing": lastHeartbeatAt null), under its name. Nodes this
   * source expected before, no other source expects, and that were never heard are dropped.
   */
  expect (source: string, roster: ReadonlyArray<{ name: string, peerId: string }>): void {
    this.#rosters.set(source, roster)
    const expected = new Map<string, string>()
    for (const entries of this.#rosters.values()) for (const { name, peerId } of entries) expected.set(peerId, name)
    for (const node of [...this.#nodes.values()]) {
      const { record } = node
      if (record.lastHeartbeatAt !== null || expected.has(record.peerId)) continue
      this.#forget(node)
    }
    for (const [peerId, name] of expected) {
      const known = this.#nodes.get(peerId)
      if (known == null) {
        const node = this.#add({
          peerId,
          nickname: name,
          height: 0,
          head: '{ }',
          minerAddress: null,
          genesisCid: null,
          connected: false,
          firstSeenAt: null,
          lastHeartbeatAt: null,
          ...NO_EXTRA
        })
        this.#emit({ kind: 'node', node })
      } else if (known.record.lastHeartbeatAt === null && known.record.nickname !== name) {
        // renamed in the roster before it was ever heard: its own nickname comes with its beats
        known.record.nickname = name
        this.#emit({ kind: 'node', node: known })
      }
    }
    this.#evictIfFull()
  }

  /** Nodes expected but never heard. */
  get missingCount (): number {
    let missing = 0
    for (const { record } of this.#nodes.values()) if (record.lastHeartbeatAt === null) missing++
    return missing
  }

  heartbeat (peerId: string, hb: Heartbeat, now: number): void {
    const head = this.#intern(hb.head)
    const extra = hb.extra
    // interned too: a parent is the head nodes held a block before
    const parentHead = extra?.parentHead === undefined ? undefined : this.#intern(extra.parentHead)
    let node = this.#nodes.get(peerId)
    if (node == null) {
      node = this.#add({
        peerId,
        nickname: hb.nickname,
        height: hb.height,
        head,
        minerAddress: hb.minerAddress,
        genesisCid: hb.genesisCid,
        connected: true,
        firstSeenAt: now,
        lastHeartbeatAt: now,
        client: extra?.client ?? null,
        clientVersion: extra?.clientVersion ?? null,
        nodePeerId: extra?.nodePeerId ?? null,
        syncing: extra?.syncing ?? null,
        finalizedHeight: extra?.finalizedHeight ?? null
      })
      this.#connected++
      node.parentHead = parentHead
      node.history.push(now, hb.height)
      this.#evictIfFull()
      this.#emit({ kind: 'node', node })
      return
    }
    const record = node.record
    const client = extra?.client ?? null
    const clientVersion = extra?.clientVersion ?? null
    const nodePeerId = extra?.nodePeerId ?? null
    const syncing = extra?.syncing ?? null
    const finalizedHeight = extra?.finalizedHeight ?? null
    const infoChanged = record.nickname !== hb.nickname || record.minerAddress !== hb.minerAddress ||
      record.genesisCid !== hb.genesisCid || !record.connected || record.lastHeartbeatAt === null ||
      record.client !== client || record.clientVersion !== clientVersion || record.nodePeerId !== nodePeerId ||
      record.syncing !== syncing || record.finalizedHeight !== finalizedHeight
    if (record.height !== hb.height || record.head !== head) {
      node.history.push(now, hb.height)
    }
    if (!record.connected) {
      record.connected = true
      this.#connected++
    }
    record.nickname = hb.nickname
    record.minerAddress = hb.minerAddress
    record.genesisCid = hb.genesisCid
    record.height = hb.height
    record.head = head
    record.firstSeenAt ??= now
    record.lastHeartbeatAt = now
    record.client = client
    record.clientVersion = clientVersion
    record.nodePeerId = nodePeerId
    record.syncing = syncing
    record.finalizedHeight = finalizedHeight
    node.parentHead = parentHead
    this.#emit({ kind: infoChanged ? 'node' : 'beat', node })
  }

  /** A known node's heartbeat stream opened or closed. Unknown peers are ignored: a node is
   *  known from its first valid heartbeat. */
  setConnected (peerId: string, connected: boolean): void {
    const node = this.#nodes.get(peerId)
    if (node == null || node.record.connected === connected) return
    node.record.connected = connected
    this.#connected += connected ? 1 : -1
    this.#emit({ kind: connected ? 'connected' : 'disconnected', node })
  }

  /**
   * Consensus at the best height of one network: `genesis` (nodes reporting none count in it),
   * by default every connected node's. Heads that share a block are one round (a tipset seen
   * in part), so they count as one.
   */
  consensus (genesis?: string | null): ConsensusStats {
    const inNetwork = (record: NodeRecord): boolean => genesis === undefined || record.genesisCid === null || record.genesisCid === genesis
    let bestHeight = 0
    for (const { record } of this.#nodes.values()) {
      if (record.connected && inNetwork(record) && record.height > bestHeight) bestHeight = record.height
    }
    const heads = new Map<string, number>()
    let atBest = 0
    for (const { record } of this.#nodes.values()) {
      if (record.connected && inNetwork(record) && record.height === bestHeight) {
        atBest++
        heads.set(record.head, (heads.get(record.head) ?? 0) + 1)
      }
    }
    let inConsensus = 0
    for (const round of groupRounds(heads.keys())) {
      inConsensus = Math.max(inConsensus, round.reduce((sum, head) => sum + (heads.get(head) ?? 0), 0))
    }
    return { bestHeight, inConsensus, inDispute: atBest - inConsensus }
  }

  #intern (head: string): string {
    const known = this.#heads.get(head)
    if (known != null) return known
    if (this.#heads.size >= MAX_INTERNED_HEADS) this.#heads.clear()
    this.#heads.set(head, head)
    return head
  }

  #add (record: NodeRecord): KnownNode {
    const node: KnownNode = { i: this.#nextIndex++, record, history: new HistoryRing(this.#historyLimit), parentHead: undefined }
    this.#nodes.set(record.peerId, node)
    this.#byIndex.set(node.i, node)
    return node
  }

  /** Forgets the least recently heard offline nodes while over the cap. */
  #evictIfFull (): void {
    while (this.#nodes.size > this.#maxKnownNodes) {
      let oldest: KnownNode | undefined
      for (const node of this.#nodes.values()) {
        // a node never heard counts as heard longest ago
        if (!node.record.connected && (oldest == null || (node.record.lastHeartbeatAt ?? -1) < (oldest.record.lastHeartbeatAt ?? -1))) {
          oldest = node
        }
      }
      // every node is connected: the connection cap, far below this one, bounds them
      if (oldest == null) return
      this.#forget(oldest)
    }
  }

  #forget (node: KnownNode): void {
    this.#nodes.delete(node.record.peerId)
    this.#byIndex.delete(node.i)
    this.#emit({ kind: 'forgotten', node })
  }

  #emit (change: RegistryChange): void {
    this.dirty = true
    for (const listener of this.#listeners) listener(change)
  }
}
