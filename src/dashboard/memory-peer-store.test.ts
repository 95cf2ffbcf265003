import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { TypedEventEmitter } from '@libp2p/interface'
import type { Libp2pEvents, Peer, PeerData, PeerId, PeerStore } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
// the stock store, to check that the page's store behaves as libp2p expects (both come with libp2p)
import { persistentPeerStore } from '@libp2p/peer-store'
import { MemoryDatastore } from 'datastore-core/memory'
import { MAX_STORED_PEERS, memoryPeerStore } from './memory-peer-store.ts'

interface Harness {
  store: PeerStore
  updates: string[]
}

const REFUSED = '/ip4/10.9.9.9/tcp/1/ws'

async function peer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

function harness (self: PeerId, stock: boolean): Harness {
  const events = new TypedEventEmitter<Libp2pEvents>()
  const updates: string[] = []
  events.addEventListener('peer:update', evt => { updates.push(`peer:update ${evt.detail.previous == null ? 'new' : 'changed'}`) })
  events.addEventListener('self:peer:update', () => { updates.push('self:peer:update') })
  // like libp2p's: the connection gater's filterMultiaddrForPeer
  const addressFilter = async (_peer: PeerId, addr: Multiaddr): Promise<boolean> => addr.toString() !== REFUSED
  const components = { peerId: self, events, logger: defaultLogger(), datastore: new MemoryDatastore() }
  return { store: stock ? persistentPeerStore(components, { addressFilter }) : memoryPeerStore(components, { addressFilter }), updates }
}

/** What a caller can see of a peer, in plain values. */
function plain (peer: Peer): unknown {
  return {
    id: peer.id.toString(),
    addresses: peer.addresses.map(({ multiaddr, isCertified }) => `${multiaddr.toString()}${isCertified ? ' certified' : ''}`),
    protocols: peer.protocols,
    metadata: [...peer.metadata].map(([name, value]) => `${name}=${Buffer.from(value).toString('hex')}`),
    tags: [...peer.tags].map(([name, tag]) => `${name}=${tag.value}`),
    envelope: peer.peerRecordEnvelope == null ? null : Buffer.from(peer.peerRecordEnvelope).toString('hex')
  }
}

async function lookup (store: PeerStore, id: PeerId): Promise<unknown> {
  try {
    return plain(await store.get(id))
  } catch (err) {
    return (err as Error).name
  }
}

describe('memoryPeerStore', () => {
  it('answers every step of a dashboard-like history as libp2p\'s own peer store does', async () => {
    const self = await peer()
    const relay = await peer()
    const other = await peer()
    const relayAddr = multiaddr('/ip4/192.168.1.20/tcp/4002/ws')
    const steps: Array<[string, (store: PeerStore) => Promise<unknown>]> = [
      ['dial succeeded', async store => await store.merge(relay, { multiaddrs: [relayAddr], metadata: { 'last-dial-success': Uint8Array.of(1, 2) } })],
      ['protocol negotiated', async store => await store.merge(relay, { protocols: ['/devnet-dashboard/feed/1.0.0'] })],
      ['the same again', async store => await store.merge(relay, { protocols: ['/devnet-dashboard/feed/1.0.0'] })],
      ['patch addresses, one with its own /p2p/, one refused', async store => await store.patch(relay, {
        multiaddrs: [multiaddr('/ip4/192.168.1.20/tcp/4003/ws'), multiaddr(`/ip4/192.168.1.20/tcp/4004/ws/p2p/${relay}`), multiaddr(REFUSED), relayAddr]
      })],
      ['merge a certified address, a tag and another protocol', async store => await store.merge(relay, {
        addresses: [{ multiaddr: multiaddr('/ip4/192.168.1.20/tcp/4005/ws'), isCertified: true }],
        tags: { 'keep-alive-feed': { value: 50 } },
        protocols: ['/a/1.0.0']
      })],
      ['remove metadata, add an envelope', async store => await store.merge(relay, { metadata: { 'last-dial-success': undefined }, peerRecordEnvelope: Uint8Array.of(9) })],
      ['patch protocols only', async store => await store.patch(relay, { protocols: ['/b/1.0.0'] })],
      ['own addresses', async store => await store.patch(self, { multiaddrs: [] })],
      ['own protocol', async store => await store.merge(self, { protocols: ['/ipfs/ping/1.0.0'] })],
      ['another peer, dial failed', async store => await store.merge(other, { metadata: { 'last-dial-failure': Uint8Array.of(3) } })],
      ['save replaces', async store => await store.save(other, { protocols: ['/c/1.0.0'] } satisfies PeerData)],
      ['all, without self', async store => (await store.all()).map(plain)],
      ['all, filtered', async store => (await store.all({ filters: [p => p.protocols.includes('/c/1.0.0')] })).map(plain)],
      ['has', async store => [await store.has(relay), await store.has(self)]],
      ['getInfo', async store => (await store.getInfo(relay)).multiaddrs.map(String)],
      ['delete', async store => { await store.delete(relay); await store.delete(self); return [await store.has(relay), await store.has(self)] }],
      ['get after delete', async store => await lookup(store, relay)],
      ['invalid tag', async store => await store.merge(other, { tags: { bad: { value: 101 } } }).catch((err: Error) => err.name)]
    ]
    const stock = harness(self, true)
    const ours = harness(self, false)
    for (const [name, step] of steps) {
      const expected = await step(stock.store)
      const actual = await step(ours.store)
      const show = (value: unknown): unknown => value != null && typeof value === 'object' && 'id' in value ? plain(value as Peer) : value
      assert.deepEqual(show(actual), show(expected), name)
      assert.deepEqual(await lookup(ours.store, relay), await lookup(stock.store, relay), `${name}: the relay afterwards`)
      assert.deepEqual(await lookup(ours.store, other), await lookup(stock.store, other), `${name}: the other peer afterwards`)
      assert.deepEqual(ours.updates, stock.updates, `${name}: events`)
    }
  })

  it('keeps one entry per address: a copy naming the peer itself, or certified, joins it', async () => {
    const self = await peer()
    const relay = await peer()
    const { store } = harness(self, false)
    const addr = '/ip4/192.168.1.20/tcp/4002/ws'
    await store.merge(relay, { multiaddrs: [multiaddr(addr), multiaddr(`${addr}/p2p/${relay}`)] })
    await store.merge(relay, { addresses: [{ multiaddr: multiaddr(addr), isCertified: true }] })
    assert.deepEqual((await store.get(relay)).addresses.map(a => `${a.multiaddr.toString()}${a.isCertified ? ' certified' : ''}`), [`${addr} certified`])
  })

  it('drops expired tags', async () => {
    const self = await peer()
    const relay = await peer()
    const { store } = harness(self, false)
    await store.merge(relay, { tags: { brief: { value: 1, ttl: 0 }, lasting: { value: 2 } } })
    await new Promise(resolve => setTimeout(resolve, 5))
    assert.deepEqual([...(await store.get(relay)).tags.keys()], ['lasting'])
  })

  it('applies concurrent merges one after the other, so none is lost', async () => {
    const self = await peer()
    const relay = await peer()
    const { store } = harness(self, false)
    await Promise.all(['/a/1', '/b/1', '/c/1'].map(async protocol => await store.merge(relay, { protocols: [protocol] })))
    assert.deepEqual((await store.get(relay)).protocols, ['/a/1', '/b/1', '/c/1'])
  })

  it(`keeps at most ${MAX_STORED_PEERS} peers, itself included, forgetting the one updated longest ago`, async () => {
    const self = await peer()
    const { store } = harness(self, false)
    await store.merge(self, { protocols: ['/ipfs/ping/1.0.0'] })
    const peers: PeerId[] = []
    for (let i = 0; i < MAX_STORED_PEERS + 3; i++) {
      peers.push(await peer())
      await store.merge(peers[i] as PeerId, { protocols: ['/x/1'] })
      // the first peer stays fresh: it is updated after every other
      await store.merge(peers[0] as PeerId, { metadata: { n: Uint8Array.of(i) } })
    }
    assert.equal((await store.all()).length + 1, MAX_STORED_PEERS)
    assert.ok(await store.has(self))
    assert.ok(await store.has(peers[0] as PeerId))
    assert.ok(!(await store.has(peers[1] as PeerId)))
    assert.ok(await store.has(peers[peers.length - 1] as PeerId))
  })

  it('refuses signed peer records, which only identify would bring', async () => {
    const { store } = harness(await peer(), false)
    await assert.rejects(store.consumePeerRecord(Uint8Array.of(1)), { name: 'InvalidParametersError' })
  })
})
