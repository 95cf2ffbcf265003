// The relay against real libp2p nodes on loopback: senders writing go-filecoin's bytes over TCP
// and WebSockets, feed subscribers, the HTTP API, bad input and restarts.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { decodeFeedLine, encodeHeartbeatLine } from '../protocol/index.ts'
import { createPeer, openHeartbeatStream } from '../testing/peers.ts'
import { FeedClient } from '../testing/feed-client.ts'
import { getJson, getMetric } from '../testing/http.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { FeedMessage, NodeRecord } from '../protocol/index.ts'
import type { TestRelay } from '../testing/test-relay.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

const enc = new TextEncoder()
const tcpAddr = (relay: TestRelay): string => relay.nodeAddrs.find(a => !a.includes('/ws')) ?? assert.fail('no TCP address')
const wsAddr = (relay: TestRelay): string => relay.browserAddrs[0] ?? assert.fail('no WebSocket address')

function beat (stream: Stream, height: number, nickname = 'steady', head = `{ bafyhead${height} }`): void {
  stream.send(enc.encode(encodeHeartbeatLine({ head, height, nickname, minerAddress: 't01000', genesisCid: null })))
}

async function apiNode (relay: TestRelay, peerId: string): Promise<NodeRecord | undefined> {
  const nodes = await getJson<NodeRecord[]>(`${relay.httpUrl}/api/nodes`)
  return nodes.find(node => node.peerId === peerId)
}

describe('relay', () => {
  let relay: TestRelay
  const peers: Libp2p[] = []
  const peer = async (): Promise<Libp2p> => { const p = await createPeer(); peers.push(p); return p }

  before(async () => { relay = await startTestRelay() })
  after(async () => {
    await Promise.all(peers.map(async p => { await p.stop() }))
    await relay.destroy()
  })

  it('shows a go-filecoin sender over TCP to a feed subscriber and in /api/nodes', async () => {
    const viewer = await FeedClient.open(await peer(), wsAddr(relay))
    const sender = await peer()
    const stream = await openHeartbeatStream(sender, tcpAddr(relay))
    // go-filecoin's exact bytes: Go escapes, the zero miner address, a raw UTF-8 "ë" that the
    // chunks below split in half, and two lines arriving in one chunk
    const first = enc.encode('{"Head":"{ bafyA bafyB }","Height":42,"Nickname":"zo\u00eb\\u003ctest\\u003e","MinerAddress":"\\u003cempty\\u003e","GenesisCID":{"/":"bafyGenesis"}}\n')
    const second = enc.encode('{"Head":"{ bafyC }","Height":43,"Nickname":"zo\u00eb\\u003ctest\\u003e","MinerAddress":"\\u003cempty\\u003e","GenesisCID":{"/":"bafyGenesis"}}\n')
    const cut = first.indexOf(0xc3) + 1 // between the two bytes of ë
    stream.send(first.subarray(0, cut))
    stream.send(new Uint8Array([...first.subarray(cut), ...second]))

    const id = sender.peerId.toString()
    const seen = await waitFor('the feed to show height 43', () => { const n = viewer.byPeer(id); return n?.height === 43 ? n : undefined })
    assert.equal(seen.nickname, 'zoë<test>')
    assert.equal(seen.head, '{ bafyC }')
    assert.equal(seen.minerAddress, null)
    assert.equal(seen.genesisCid, 'bafyGenesis')
    assert.equal(seen.connected, true)

    const listed = await waitFor('/api/nodes to list the sender', async () => await apiNode(relay, id))
    assert.equal(listed.height, 43)
    assert.equal(listed.nickname, 'zoë<test>')
    assert.equal(listed.minerAddress, null)
    assert.equal(listed.connected, true)
    assert.equal(typeof listed.lastHeartbeatAt, 'number')
    assert.ok(Math.abs((listed.lastHeartbeatAt ?? 0) - Date.now()) < 60_000)
    assert.equal(await getMetric(relay.httpUrl, 'devnet_heartbeats_accepted_total'), 2)
  })

  it('takes heartbeats over WebSockets too', async () => {
    const sender = await peer()
    const stream = await openHeartbeatStream(sender, wsAddr(relay))
    beat(stream, 7, 'websocketnode')
    const listed = await waitFor('/api/nodes to list the WebSocket sender', async () => await apiNode(relay, sender.peerId.toString()))
    assert.equal(listed.nickname, 'websocketnode')
    assert.equal(listed.height, 7)
    assert.equal(listed.minerAddress, 't01000')
  })

  it('gives a subscriber that joins later a snapshot of every node, with history', async () => {
    const sender = await peer()
    const stream = await openHeartbeatStream(sender, tcpAddr(relay))
    const id = sender.peerId.toString()
    for (const height of [100, 101, 102]) beat(stream, height, 'historian')
    await waitFor('the relay to have height 102', async () => (await apiNode(relay, id))?.height === 102)

    const late = await FeedClient.open(await peer(), wsAddr(relay))
    await waitFor('the late subscriber to be synced', () => late.synced)
    const [hello, snapshot] = late.messages
    assert.equal(hello?.t, 'hello')
    assert.equal(snapshot?.t, 'snapshot')
    const node = late.byPeer(id)
    assert.equal(node?.height, 102)
    const i = [...late.nodes].find(([, n]) => n.peerId === id)?.[0] ?? assert.fail('no index')
    assert.deepEqual(late.history.get(i)?.map(([, h]) => h), [100, 101, 102])
    // the other nodes of this relay are in the snapshot as well
    assert.ok(late.nodes.size >= 3)
  })

  it('serves at /api/snapshot the lines a new subscriber starts with, for a page\'s first paint', async () => {
    const sender = await peer()
    const stream = await openHeartbeatStream(sender, tcpAddr(relay))
    const id = sender.peerId.toString()
    for (const height of [200, 201]) beat(stream, height, 'first-paint')
    await waitFor('the relay to have height 201', async () => (await apiNode(relay, id))?.height === 201)

    const response = await fetch(`${relay.httpUrl}/api/snapshot`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^application\/x-ndjson/)
    const lines = (await response.text()).split('\n')
    assert.equal(lines.pop(), '', 'every line ends with a newline')
    const messages = lines.map(decodeFeedLine)
    const viewer = await FeedClient.open(await peer(), wsAddr(relay))
    await waitFor('the subscriber to be synced', () => viewer.synced)
    // the same messages the feed opens with, but for the clock readings in hello and snapshot,
    // and the fork monitor's panel, which may have moved on in between
    const withoutClock = (m: FeedMessage): unknown => 'serverTime' in m ? { ...m, serverTime: 0 } : m
    const opening = viewer.messages.slice(0, viewer.messages.findIndex(m => m.t === 'synced') + 1)
    const nodes = (list: FeedMessage[]): unknown[] => list.filter(m => m.t !== 'forks').map(withoutClock)
    assert.deepEqual(nodes(messages), nodes(opening))
    assert.deepEqual(messages.map(m => m.t), ['hello', 'snapshot', ...messages.slice(2, -2).map(() => 'node'), 'forks', 'synced'])
    assert.deepEqual(opening.map(m => m.t), messages.map(m => m.t))
    const node = messages.find(m => m.t === 'node' && m.node.peerId === id)
    assert.ok(node?.t === 'node')
    assert.deepEqual(node.history?.map(([, height]) => height), [200, 201])
  })

  it('keeps /api/snapshot to the feed when the relay picks its viewers', async () => {
    const picky = await startTestRelay({ allowViewers: [(await peer()).peerId.toString()] })
    try {
      const response = await fetch(`${picky.httpUrl}/api/snapshot`)
      assert.equal(response.status, 403)
      assert.match(await response.text(), /viewer allowlist/)
    } finally {
      await picky.destroy()
    }
  })

  it('tells subscribers when a node disconnects', async () => {
    const viewer = await FeedClient.open(await peer(), wsAddr(relay))
    const sender = await peer()
    const stream = await openHeartbeatStream(sender, tcpAddr(relay))
    beat(stream, 5, 'leaver')
    const id = sender.peerId.toString()
    await waitFor('the node to show connected', () => viewer.byPeer(id)?.connected)
    await sender.stop()
    await waitFor('the node to show disconnected', () => viewer.byPeer(id)?.connected === false)
    assert.equal((await apiNode(relay, id))?.connected, false)
  })

  it('drops and counts bad lines, keeps the stream, and leaves other nodes alone', async () => {
    const viewer = await FeedClient.open(await peer(), wsAddr(relay))
    const good = await peer()
    const goodStream = await openHeartbeatStream(good, tcpAddr(relay))
    const bad = await peer()
    const badStream = await openHeartbeatStream(bad, tcpAddr(relay))
    const before = async (reason: string): Promise<number> => await getMetric(relay.httpUrl, `devnet_heartbeats_rejected_total{reason="${reason}"}`)
    const counts = {
      not_json: await before('not_json'),
      invalid_height: await before('invalid_height'),
      invalid_head: await before('invalid_head'),
      invalid_nickname: await before('invalid_nickname'),
      invalid_utf8: await before('invalid_utf8')
    }
    beat(goodStream, 10, 'goodnode')
    const lines = [
      'this is not json',
      '{"Head":5,"Height":1}',
      '{"Head":"{ }","Height":-1}',
      '{"Head":"{ }","Height":1.5}',
      '{"Head":"{ }","Height":18446744073709551615}',
      '{"Head":"{ }","Height":3,"Nickname":["x"]}'
    ]
    for (const line of lines) badStream.send(enc.encode(line + '\n'))
    badStream.send(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d, 0x0a]))
    beat(goodStream, 11, 'goodnode')
    beat(badStream, 9, 'recovered')

    await waitFor('the bad node\'s good line to arrive', () => viewer.byPeer(bad.peerId.toString())?.height === 9)
    await waitFor('the good node at 11', () => viewer.byPeer(good.peerId.toString())?.height === 11)
    assert.equal(await before('not_json'), counts.not_json + 1)
    assert.equal(await before('invalid_head'), counts.invalid_head + 1)
    assert.equal(await before('invalid_height'), counts.invalid_height + 3)
    assert.equal(await before('invalid_nickname'), counts.invalid_nickname + 1)
    assert.equal(await before('invalid_utf8'), counts.invalid_utf8 + 1)
    assert.equal(badStream.status, 'open')
    assert.equal(viewer.byPeer(bad.peerId.toString())?.nickname, 'recovered')
  })

  it('resets a stream whose line passes 64 KiB, counts it, and leaves other nodes alone', async () => {
    const good = await peer()
    const goodStream = await openHeartbeatStream(good, tcpAddr(relay))
    const hog = await peer()
    const hogStream = await openHeartbeatStream(hog, tcpAddr(relay))
    const before = await getMetric(relay.httpUrl, 'devnet_heartbeats_rejected_total{reason="line_too_long"}')
    hogStream.send(new Uint8Array(70 * 1024).fill(0x61))
    await waitFor('the relay to reset the oversized stream', () => hogStream.status !== 'open')
    assert.equal(await getMetric(relay.httpUrl, 'devnet_heartbeats_rejected_total{reason="line_too_long"}'), before + 1)
    beat(goodStream, 77, 'bystander')
    await waitFor('the bystander at 77', async () => (await apiNode(relay, good.peerId.toString()))?.height === 77)
    assert.equal(await apiNode(relay, hog.peerId.toString()), undefined)
  })

  it('resets a second heartbeat stream on one connection and keeps the first', async () => {
    const sender = await peer()
    const first = await openHeartbeatStream(sender, tcpAddr(relay))
    beat(first, 1, 'twostreams')
    const id = sender.peerId.toString()
    await waitFor('the first stream\'s beat', async () => (await apiNode(relay, id))?.height === 1)
    const before = await getMetric(relay.httpUrl, 'devnet_heartbeats_rejected_total{reason="duplicate_stream"}')
    const second = await openHeartbeatStream(sender, tcpAddr(relay))
    assert.equal(sender.getConnections().length, 1, 'both streams share one connection')
    await waitFor('the relay to reset the second stream', () => second.status !== 'open')
    assert.equal(await getMetric(relay.httpUrl, 'devnet_heartbeats_rejected_total{reason="duplicate_stream"}'), before + 1)
    beat(first, 2, 'twostreams')
    await waitFor('the first stream to keep working', async () => (await apiNode(relay, id))?.height === 2)
  })
})

describe('relay restart', () => {
  it('keeps its peer ID and lists known nodes offline until they beat again', async () => {
    const first = await startTestRelay()
    const sender = await createPeer()
    try {
      const stream = await openHeartbeatStream(sender, tcpAddr(first))
      beat(stream, 500, 'survivor')
      const id = sender.peerId.toString()
      await waitFor('the relay to know the node', async () => (await apiNode(first, id))?.height === 500)
      await first.stop()
      // the sender learns that its connection died before it redials, as a real node would
      await waitFor('the sender to see its connection close', () => sender.getConnections().length === 0)

      const second = await startTestRelay({ dataDir: first.dataDir })
      try {
        assert.equal(second.peerId, first.peerId)
        const listed = await apiNode(second, id)
        assert.ok(listed != null, 'the node is still known after the restart')
        assert.equal(listed.connected, false)
        assert.equal(listed.height, 500)
        assert.equal(listed.nickname, 'survivor')

        const viewer = await FeedClient.open(sender, wsAddr(second))
        await waitFor('the snapshot', () => viewer.synced)
        assert.equal(viewer.byPeer(id)?.connected, false)

        const again = await openHeartbeatStream(sender, tcpAddr(second))
        beat(again, 501, 'survivor')
        await waitFor('the node to be back online in the feed', () => { const n = viewer.byPeer(id); return n?.connected === true && n.height === 501 })
        assert.equal((await apiNode(second, id))?.connected, true)
      } finally {
        await second.destroy()
      }
    } finally {
      await sender.stop()
    }
  })
})
