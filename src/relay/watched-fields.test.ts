// The heartbeat's optional fields after Go's five, at a real relay: kept and shown in
// /api/nodes and the feed, validated like the old ones (a bad one is a counted, named
// rejection), kept in the history record, and gone again when a sender stops sending them.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { FeedClient } from '../testing/feed-client.ts'
import { getMetric } from '../testing/http.ts'
import { createPeer, openHeartbeatStream } from '../testing/peers.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { StateAnswer } from '../protocol/history.ts'
import type { TestRelay } from '../testing/test-relay.ts'
import type { Libp2p } from '@libp2p/interface'

const encoder = new TextEncoder()
const GO = '{"Head":"{ bafyA }","Height":7,"Nickname":"n","MinerAddress":"\\u003cempty\\u003e","GenesisCID":null'

describe('the watcher\'s heartbeat fields at the relay', () => {
  let relay: TestRelay
  let peer: Libp2p

  before(async () => {
    relay = await startTestRelay()
    peer = await createPeer()
  })

  after(async () => {
    await peer.stop()
    await relay.destroy()
  })

  it('keeps them in /api/nodes, the feed and the record, rejects a bad one by name, and clears them when they stop coming', async () => {
    const feed = await FeedClient.open(peer, relay.browserAddrs[0] ?? '')
    const stream = await openHeartbeatStream(peer, relay.nodeAddrs[0] ?? '')
    const id = peer.peerId.toString()
    const listed = async (): Promise<NodeRecord | undefined> => (await (await fetch(`${relay.httpUrl}/api/nodes`)).json() as NodeRecord[]).find(node => node.peerId === id)

    stream.send(encoder.encode(`${GO},"Client":"Geth","ClientVersion":"v1.13.5","NodePeerID":"16Uiu2HAmH15yAPm69RgbZjodSZcBAzWAXFYxbCpNxFaubTDbmSxB","Syncing":true,"FinalizedHeight":3}\n`))
    const node = await waitFor('the fields in /api/nodes', async () => { const node = await listed(); return node?.client === 'Geth' && node })
    assert.deepEqual([node.clientVersion, node.nodePeerId, node.syncing, node.finalizedHeight], ['v1.13.5', '16Uiu2HAmH15yAPm69RgbZjodSZcBAzWAXFYxbCpNxFaubTDbmSxB', true, 3])
    await waitFor('the fields in the feed', () => feed.byPeer(id)?.syncing === true && feed.byPeer(id)?.client === 'Geth')
    // and in the history record (the next write, within a fifth of a second), for ?at= and replay
    const recorded = await waitFor('the fields in /api/state', async () => {
      const state = await (await fetch(`${relay.httpUrl}/api/state?at=now`)).json() as StateAnswer
      const n = state.nodes.find(n => n.peerId === id)
      return n?.client === 'Geth' && n
    })
    assert.deepEqual([recorded.clientVersion, recorded.nodePeerId, recorded.syncing, recorded.finalizedHeight], ['v1.13.5', '16Uiu2HAmH15yAPm69RgbZjodSZcBAzWAXFYxbCpNxFaubTDbmSxB', true, 3])

    stream.send(encoder.encode(`${GO},"Client":5}\n`))
    await waitFor('the bad line counted by name', async () => await getMetric(relay.httpUrl, 'devnet_heartbeats_rejected_total{reason="invalid_client"}') === 1)
    assert.equal((await listed())?.client, 'Geth', 'a rejected line changes nothing')

    stream.send(encoder.encode(`${GO}}\n`))
    await waitFor('a go-filecoin line clears them', async () => { const node = await listed(); return node?.client === null && node.syncing === null })
    await waitFor('in the feed too', () => feed.byPeer(id)?.client === null)
    await stream.close()
  })

  it('keeps a head\'s parent (ParentHead) in the record with the head it came with', async () => {
    const sender = await createPeer()
    try {
      const stream = await openHeartbeatStream(sender, relay.nodeAddrs[0] ?? '')
      const id = sender.peerId.toString()
      const stateOf = async (): Promise<StateAnswer['nodes'][number] | undefined> =>
        (await (await fetch(`${relay.httpUrl}/api/state?at=now`)).json() as StateAnswer).nodes.find(n => n.peerId === id)
      const beat = (height: number, head: string, parent?: string): void => {
        stream.send(encoder.encode(`{"Head":"${head}","Height":${height},"Nickname":"p","MinerAddress":"","GenesisCID":null${parent === undefined ? '' : `,"ParentHead":"${parent}"`}}\n`))
      }
      beat(8, '0xb8', '0xb7')
      const recorded = await waitFor('the parent in /api/state', async () => { const n = await stateOf(); return n?.head === '0xb8' && n })
      assert.equal(recorded.parentHead, '0xb7')
      // a sender that reports none: the next head has none
      beat(9, '0xb9')
      const next = await waitFor('the next head in /api/state', async () => { const n = await stateOf(); return n?.head === '0xb9' && n })
      assert.equal(next.parentHead, undefined)
      await stream.close()
    } finally {
      await sender.stop()
    }
  })
})
