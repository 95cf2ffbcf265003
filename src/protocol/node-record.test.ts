import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseNodeRecord } from './feed.ts'

const V1 = { peerId: '12D3KooWA', nickname: 'a', height: 5, head: '{ h }', minerAddress: null, genesisCid: null, connected: false, firstSeenAt: 1, lastHeartbeatAt: 2 }

describe('NodeRecord (feed version 2)', () => {
  it('reads a record saved by a version 1 relay (known-nodes.json), its new fields null', () => {
    assert.deepEqual(parseNodeRecord(V1), { ...V1, client: null, clientVersion: null, nodePeerId: null, syncing: null, finalizedHeight: null })
  })

  it('reads a roster node never heard (null times) and a watched node\'s fields', () => {
    const roster = parseNodeRecord({ ...V1, firstSeenAt: null, lastHeartbeatAt: null })
    assert.deepEqual([roster.firstSeenAt, roster.lastHeartbeatAt], [null, null])
    const watched = parseNodeRecord({ ...V1, client: 'Geth', clientVersion: 'v1.13.5', nodePeerId: null, syncing: true, finalizedHeight: 90 })
    assert.deepEqual([watched.client, watched.clientVersion, watched.syncing, watched.finalizedHeight], ['Geth', 'v1.13.5', true, 90])
  })

  it('refuses the new fields of the wrong type', () => {
    for (const bad of [{ syncing: 'no' }, { finalizedHeight: -1 }, { client: 7 }, { clientVersion: 'v'.repeat(129) }, { lastHeartbeatAt: 'never' }]) {
      assert.throws(() => parseNodeRecord({ ...V1, ...bad }), { name: 'InvalidFeedMessageError' })
    }
  })
})
