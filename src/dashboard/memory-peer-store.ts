// The page's peer store, bundled in place of @libp2p/peer-store (see vite.config.ts). libp2p 3
// builds its peer store itself, with no option to pass another, and the stock one encodes
// every peer as protobuf into a datastore behind per-peer locks, and verifies signed peer
// records: about 10 KB of gzip the page carries for nothing. A page meets one peer, the
// relay (its gater refuses everything else), and keeps nothing across reloads, so plain
// objects in a Map do. It keeps the stock store's update semantics: patch replaces the
// fields it is given, merge adds to them, 'peer:update' fires when something changed.
import { InvalidParametersError, NotFoundError } from '@libp2p/interface'
import type { AbortOptions, Address, ComponentLogger, Libp2pEvents, Logger, Peer, PeerData, PeerId, PeerInfo, PeerQuery, PeerStore, Tag, TagOptions, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

// the relay and the page itself, plus relays the page was pointed at before; a page
// re-pointed at many relays forgets the one it dialled longest ago
export const MAX_STORED_PEERS = 32

export interface MemoryPeerStoreComponents {
  peerId: PeerId
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

export interface MemoryPeerStoreInit {
  /** libp2p passes its connection gater's filterMultiaddrForPeer */
  addressFilter?: (peerId: PeerId, multiaddr: Multiaddr, options?: AbortOptions) => Promise<boolean> | boolean
}

interface StoredTag extends Tag {
  /** ms since the epoch; absent: the tag never expires */
  expiresAt?: number
}

interface StoredPeer extends Peer {
  tags: Map<string, StoredTag>
}

class MemoryPeerStore implements PeerStore {
  readonly #peerId: PeerId
  readonly #events: TypedEventTarget<Libp2pEvents>
  readonly #log: Logger
  readonly #addressFilter: NonNullable<MemoryPeerStoreInit['addressFilter']>
  readonly #peers = new Map<string, StoredPeer>()
  // writes run one at a time: the address filter may be async, and two merges for one peer
  // must not both start from the same old record (the stock store takes a lock per peer)
  #writes: Promise<unknown> = Promise.resolve()

  constructor (components: MemoryPeerStoreComponents, init: MemoryPeerStoreInit = {}) {
    this.#peerId = components.peerId
    this.#events = components.events
    this.#log = components.logger.forComponent('devnet:dashboard:peer-store')
    this.#addressFilter = init.addressFilter ?? (() => true)
  }

  readonly [Symbol.toStringTag] = 'devnet-dashboard:memory-peer-store'

  async forEach (fn: (peer: Peer) => void, query?: PeerQuery): Promise<void> {
    for (const peer of await this.all(query)) fn(peer)
  }

  async all (query: PeerQuery = {}): Promise<Peer[]> {
    let peers = [...this.#peers.values()]
      .filter(peer => !peer.id.equals(this.#peerId))
      .map(peer => this.#view(peer))
      .filter(peer => (query.filters ?? []).every(filter => filter(peer)))
    for (const order of query.orders ?? []) peers = peers.sort(order)
    const offset = query.offset ?? 0
    return peers.slice(offset, query.limit != null ? offset + query.limit : undefined)
  }

  async delete (peerId: PeerId): Promise<void> {
    // like the stock store: the node's own record stays
    if (peerId.equals(this.#peerId)) return
    await this.#write(() => { this.#peers.delete(peerId.toString()) })
  }

  async has (peerId: PeerId): Promise<boolean> {
    return this.#peers.has(peerId.toString())
  }

  async get (peerId: PeerId): Promise<Peer> {
    const peer = this.#peers.get(peerId.toString())
    if (peer == null) throw new NotFoundError(`${peerId} is not in the peer store`)
    return this.#view(peer)
  }

  async getInfo (peerId: PeerId): Promise<PeerInfo> {
    const peer = await this.get(peerId)
    return { id: peer.id, multiaddrs: peer.addresses.map(address => address.multiaddr) }
  }

  async save (peerId: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> {
    return await this.#update(peerId, data, 'save', options)
  }

  async patch (peerId: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> {
    return await this.#update(peerId, data, 'patch', options)
  }

  async merge (peerId: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> {
    return await this.#update(peerId, data, 'merge', options)
  }

  async consumePeerRecord (): Promise<boolean> {
    // signed peer records arrive through identify, which the page does not run; checking
    // their signatures is most of what @libp2p/peer-record would add to the bundle
    throw new InvalidParametersError('the dashboard does not accept signed peer records')
  }

  async #update (peerId: PeerId, data: PeerData, strategy: 'save' | 'patch' | 'merge', options?: AbortOptions): Promise<Peer> {
    return await this.#write(async () => {
      const key = peerId.toString()
      const previous = strategy === 'save' ? undefined : this.#peers.get(key)
      const next = await this.#apply(peerId, previous, data, strategy === 'merge', options)
      const existed = this.#peers.get(key)
      this.#peers.delete(key)
      this.#peers.set(key, next)
      this.#evict()
      const peer = this.#view(next)
      if (existed == null || !samePeer(existed, next)) {
        const detail = { peer, ...(existed != null ? { previous: this.#view(existed) } : {}) }
        if (peerId.equals(this.#peerId)) this.#events.safeDispatchEvent('self:peer:update', { detail })
        else this.#events.safeDispatchEvent('peer:update', { detail })
      }
      return peer
    })
  }

  async #apply (peerId: PeerId, previous: StoredPeer | undefined, data: PeerData, merge: boolean, options?: AbortOptions): Promise<StoredPeer> {
    const given: Address[] | undefined = data.multiaddrs != null || data.addresses != null
      ? [...(data.multiaddrs ?? []).map(multiaddr => ({ multiaddr, isCertified: false })), ...(data.addresses ?? [])]
      : undefined
    const addresses = merge || given == null
      ? [...(previous?.addresses ?? []), ...(given ?? [])]
      : given
    const protocols = data.protocols == null
      ? previous?.protocols ?? []
      : merge ? [...(previous?.protocols ?? []), ...data.protocols] : data.protocols
    const peer: StoredPeer = {
      id: peerId,
      addresses: await this.#addresses(peerId, addresses, options),
      protocols: [...new Set(protocols)].sort((a, b) => a.localeCompare(b)),
      metadata: data.metadata == null ? previous?.metadata ?? new Map() : updateMap(merge ? previous?.metadata : undefined, data.metadata, checkMetadata),
      tags: data.tags == null ? previous?.tags ?? new Map() : updateMap(merge ? previous?.tags : undefined, data.tags, toStoredTag)
    }
    const envelope = data.peerRecordEnvelope ?? previous?.peerRecordEnvelope
    if (envelope != null) peer.peerRecordEnvelope = envelope
    return peer
  }

  /** Filtered, one per multiaddr (certified if any copy is), without a trailing /p2p/ of the peer itself, sorted. */
  async #addresses (peerId: PeerId, addresses: Address[], options?: AbortOptions): Promise<Address[]> {
    const byAddr = new Map<string, Address>()
    for (const address of addresses) {
      if (!(await this.#addressFilter(peerId, address.multiaddr, options))) continue
      const components = address.multiaddr.getComponents()
      const last = components[components.length - 1]
      const multiaddr = last?.name === 'p2p' && last.value === peerId.toString()
        ? address.multiaddr.decapsulateCode(last.code)
        : address.multiaddr
      const text = multiaddr.toString()
      byAddr.set(text, { multiaddr, isCertified: address.isCertified || (byAddr.get(text)?.isCertified ?? false) })
    }
    return [...byAddr.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, address]) => address)
  }

  #evict (): void {
    for (const [key, peer] of this.#peers) {
      if (this.#peers.size <= MAX_STORED_PEERS) return
      if (peer.id.equals(this.#peerId)) continue
      this.#log('forgetting %p, the peer updated longest ago', peer.id)
      this.#peers.delete(key)
    }
  }

  /** A copy for callers, without expired tags. */
  #view (peer: StoredPeer): Peer {
    const now = Date.now()
    const tags = new Map<string, Tag>()
    for (const [name, tag] of peer.tags) {
      if (tag.expiresAt == null || tag.expiresAt > now) tags.set(name, { value: tag.value })
    }
    return { ...peer, addresses: [...peer.addresses], protocols: [...peer.protocols], metadata: new Map(peer.metadata), tags }
  }

  async #write<T> (fn: () => T | Promise<T>): Promise<T> {
    const result = this.#writes.then(fn)
    this.#writes = result.catch(() => {})
    return await result
  }
}

/** Applies a patch of entries to a map: a value replaces, undefined removes, names sorted. */
function updateMap<In, Out> (previous: Map<string, Out> | undefined, update: Map<string, In | undefined> | Record<string, In | undefined>, convert: (name: string, value: In) => Out): Map<string, Out> {
  const entries = new Map(previous)
  for (const [name, value] of update instanceof Map ? update.entries() : Object.entries(update)) {
    if (value == null) entries.delete(name)
    else entries.set(name, convert(name, value))
  }
  return new Map([...entries.entries()].sort(([a], [b]) => a.localeCompare(b)))
}

function checkMetadata (name: string, value: Uint8Array): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidParametersError(`metadata ${name} must be a Uint8Array`)
  return value
}

function toStoredTag (name: string, tag: TagOptions): StoredTag {
  const value = tag.value ?? 0
  if (!Number.isInteger(value) || value < 0 || value > 100) throw new InvalidParametersError(`tag ${name} must have an integer value from 0 to 100`)
  if (tag.ttl != null && (!Number.isInteger(tag.ttl) || tag.ttl < 0)) throw new InvalidParametersError(`tag ${name} must have a non-negative integer ttl`)
  return tag.ttl != null ? { value, expiresAt: Date.now() + tag.ttl } : { value }
}

function samePeer (a: StoredPeer, b: StoredPeer): boolean {
  return sameList(a.addresses, b.addresses, (x, y) => x.isCertified === y.isCertified && x.multiaddr.equals(y.multiaddr)) &&
    sameList(a.protocols, b.protocols, (x, y) => x === y) &&
    sameList([...a.metadata], [...b.metadata], ([n, x], [m, y]) => n === m && sameBytes(x, y)) &&
    sameList([...a.tags], [...b.tags], ([n, x], [m, y]) => n === m && x.value === y.value && x.expiresAt === y.expiresAt) &&
    (a.peerRecordEnvelope == null ? b.peerRecordEnvelope == null : b.peerRecordEnvelope != null && sameBytes(a.peerRecordEnvelope, b.peerRecordEnvelope))
}

function sameList<T> (a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i] as T))
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

export function memoryPeerStore (components: MemoryPeerStoreComponents, init?: MemoryPeerStoreInit): PeerStore {
  return new MemoryPeerStore(components, init)
}

// the name libp2p imports from @libp2p/peer-store
export { memoryPeerStore as persistentPeerStore }
