import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { NodeRegistry } from './registry.ts'
import type { Heartbeat } from '../protocol/index.ts'
import type { RegistryChange } from './registry.ts'

const hb = (height: number, head = `{ h${height} }`, nickname = 'n'): Heartbeat => ({ head, height, nickname, minerAddress: null, genesisCid: null })

describe('NodeRegistry', () => {
  it('announces a new node in full, then plain beats, then full state when its nickname changes', () => {
    const registry = new NodeRegistry()
    const kinds: string[] = []
    registry.onChange(change => kinds.push(change.kind))
    registry.heartbeat('p1', hb(1), 1000)
    registry.heartbeat('p1', hb(2), 2000)
    registry.heartbeat('p1', hb(2, '{ h2 }', 'renamed'), 3000)
    assert.deepEqual(kinds, ['node', 'beat', 'node'])
    const node = registry.get('p1')
    assert.equal(node?.record.nickname, 'renamed')
    assert.equal(node?.record.firstSeenAt, 1000)
    assert.equal(node?.record.lastHeartbeatAt, 3000)
  })

  it('records history only when height or head changes, and bounds it', () => {
    const registry = new NodeRegistry({ historyLimit: 4 })
    registry.heartbeat('p1', hb(1), 1)
    registry.heartbeat('p1', hb(1), 2)
    registry.heartbeat('p1', hb(1, '{ other }'), 3)
    assert.deepEqual(registry.get('p1')?.history.points(), [[1, 1], [3, 1]])
    for (let h = 2; h <= 10; h++) registry.heartbeat('p1', hb(h), 10 + h)
    assert.deepEqual(registry.get('p1')?.history.points(), [[17, 7], [18, 8], [19, 9], [20, 10]])
  })

  it('counts consensus and dispute among connected nodes at the best height', () => {
    const registry = new NodeRegistry()
    registry.heartbeat('a', hb(10, '{ x }'), 1)
    registry.heartbeat('b', hb(10, '{ x }'), 1)
    registry.heartbeat('c', hb(10, '{ y }'), 1)
    registry.heartbeat('d', hb(9, '{ z }'), 1)
    registry.heartbeat('e', hb(11, '{ w }'), 1)
    registry.setConnected('e', false)
    assert.deepEqual(registry.consensus(), { bestHeight: 10, inConsensus: 2, inDispute: 1 })
    assert.equal(registry.connectedCount, 4)
  })

  it('counts a round seen in part as one head, and one network\'s nodes only', () => {
    const registry = new NodeRegistry()
    registry.heartbeat('a', hb(10, '{ x1 x2 x3 }'), 1)
    registry.heartbeat('b', hb(10, '{ x1 x2 }'), 1)
    registry.heartbeat('c', hb(10, '{ x3 }'), 1)
    assert.deepEqual(registry.consensus(), { bestHeight: 10, inConsensus: 3, inDispute: 0 })
    registry.heartbeat('d', { ...hb(12, '{ w }'), genesisCid: 'bafyother' }, 1)
    registry.heartbeat('e', { ...hb(10, '{ x1 }'), genesisCid: 'bafymain' }, 1)
    assert.deepEqual(registry.consensus('bafymain'), { bestHeight: 10, inConsensus: 4, inDispute: 0 }, 'another genesis is not this network')
    assert.equal(registry.consensus().bestHeight, 12)
  })

  it('restores saved nodes as offline and announces them coming back', () => {
    const registry = new NodeRegistry()
    registry.restore([{ peerId: 'p', nickname: 'back', height: 5, head: '{ h5 }', minerAddress: null, genesisCid: null, connected: true, firstSeenAt: 1, lastHeartbeatAt: 2, client: null, clientVersion: null, nodePeerId: null, syncing: null, finalizedHeight: null }])
    assert.equal(registry.get('p')?.record.connected, false)
    assert.equal(registry.connectedCount, 0)
    const changes: RegistryChange['kind'][] = []
    registry.onChange(change => changes.push(change.kind))
    registry.setConnected('p', true)
    registry.heartbeat('p', hb(6, '{ h6 }', 'back'), 10)
    assert.deepEqual(changes, ['connected', 'beat'])
    assert.equal(registry.get('p')?.record.firstSeenAt, 1)
  })

  it('forgets the least recently heard offline node past its cap, never a connected one', () => {
    const registry = new NodeRegistry({ maxKnownNodes: 2 })
    const forgotten: string[] = []
    registry.onChange(change => { if (change.kind === 'forgotten') forgotten.push(change.node.record.peerId) })
    registry.heartbeat('old', hb(1), 1)
    registry.heartbeat('older', hb(1), 0)
    registry.setConnected('old', false)
    registry.setConnected('older', false)
    registry.heartbeat('new', hb(1), 5)
    assert.deepEqual(forgotten, ['older'])
    assert.equal(registry.size, 2)
    assert.equal(registry.getByIndex(1), undefined)
    registry.heartbeat('newer', hb(1), 6)
    assert.deepEqual(forgotten, ['older', 'old'])
    assert.ok(registry.get('new')?.record.connected)
  })

  it('keeps a watcher\'s fields (client, version, node peer ID, syncing, finalized) and announces their change in full', () => {
    const registry = new NodeRegistry()
    const kinds: string[] = []
    registry.onChange(change => kinds.push(change.kind))
    const watched = (height: number, syncing: boolean): Heartbeat => ({ ...hb(height), extra: { client: 'Lodestar', clientVersion: 'v1.5.1', nodePeerId: '16Uiu2HAm', syncing, finalizedHeight: 8 } })
    registry.heartbeat('w', watched(10, false), 1)
    registry.heartbeat('w', watched(11, false), 2)
    registry.heartbeat('w', watched(12, true), 3)
    assert.deepEqual(kinds, ['node', 'beat', 'node'])
    const record = registry.get('w')?.record
    assert.deepEqual([record?.client, record?.clientVersion, record?.nodePeerId, record?.syncing, record?.finalizedHeight], ['Lodestar', 'v1.5.1', '16Uiu2HAm', true, 8])
    registry.heartbeat('g', hb(1), 4)
    assert.deepEqual([registry.get('g')?.record.client, registry.get('g')?.record.syncing], [null, null], 'a go-filecoin sender has none of them')
  })

  it('shows roster nodes before they are heard (missing), names them, and drops the ones taken off the roster unheard', () => {
    const registry = new NodeRegistry()
    const changes: string[] = []
    registry.onChange(change => changes.push(`${change.kind}:${change.node.record.peerId}`))
    registry.heartbeat('heard', hb(3), 1)
    registry.expect('file', [{ name: 'lotus-a', peerId: 'a' }, { name: 'teku-1', peerId: 'b' }, { name: 'already', peerId: 'heard' }])
    const a = registry.get('a')?.record
    assert.deepEqual({ nickname: a?.nickname, connected: a?.connected, lastHeartbeatAt: a?.lastHeartbeatAt, firstSeenAt: a?.firstSeenAt }, { nickname: 'lotus-a', connected: false, lastHeartbeatAt: null, firstSeenAt: null })
    assert.equal(registry.get('heard')?.record.nickname, 'n', 'a node already heard keeps its own nickname')
    assert.equal(registry.missingCount, 2)
    assert.deepEqual(changes.slice(1), ['node:a', 'node:b'])

    // first heard: its own nickname and times, in full
    registry.heartbeat('a', hb(5, '{ h5 }', 'lotus-a'), 7)
    assert.deepEqual([registry.get('a')?.record.firstSeenAt, registry.get('a')?.record.lastHeartbeatAt, registry.get('a')?.record.connected], [7, 7, true])
    assert.equal(changes.at(-1), 'node:a')
    assert.equal(registry.missingCount, 1)

    // another source expects more; the first drops b (never heard: forgotten) and a (heard: kept)
    registry.expect('watch', [{ name: 'geth-1', peerId: 'c' }])
    registry.expect('file', [])
    assert.equal(registry.get('b'), undefined)
    assert.ok(registry.get('a') != null)
    assert.ok(registry.get('c') != null)
    assert.ok(changes.includes('forgotten:b'))
    assert.equal(registry.consensus().bestHeight, 5, 'missing nodes are not in consensus')

    // after a restart, nodes never heard come back only from a roster, not from the saved list
    const restarted = new NodeRegistry()
    restarted.restore([...registry.nodes()].map(node => node.record))
    assert.ok(restarted.get('a') != null)
    assert.equal(restarted.get('c'), undefined)
  })
})
