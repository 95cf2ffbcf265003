// Hostile input against the relay as its own process, while well-behaved nodes beat: every
// kind of bad line, lines far past the cap, a thousand streams from one peer and three hundred
// misbehaving connections from one host. Each test ends by checking that nothing was lost:
// every good node's latest height is right in /api/nodes and in a reading feed subscriber.
// (What the relay's memory does with lines past the cap is measured by the benchmark:
// `npm run bench`, row "oversized lines".)
import assert from 'node:assert/strict'
import { createConnection } from 'node:net'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { HEARTBEAT_PROTOCOL } from '../protocol/index.ts'
import { FeedClient } from '../testing/feed-client.ts'
import { GoodSwarm, heartbeatLine } from '../testing/good-swarm.ts'
import { getJson, getMetric } from '../testing/http.ts'
import { createPeer, openHeartbeatStream } from '../testing/peers.ts'
import { startRelayProcess } from '../testing/relay-process.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { Libp2p } from '@libp2p/interface'
import type { Socket } from 'node:net'

const enc = new TextEncoder()
const rejected = (reason: string): string => `devnet_heartbeats_rejected_total{reason="${reason}"}`

// what a page would do with it if the relay or the dashboard ever let it through as markup
const HTML_NICKNAME = '<script>alert("x")</script><img src=x onerror=\'alert(1)\'>&amp;&lt;</b><!--'

describe('hostile input', () => {
  it('drops every kind of bad line and resets streams whose lines run past the cap, while good nodes beat', { timeout: 180_000 }, async () => {
    const relay = await startRelayProcess()
    const viewerPeer = await createPeer()
    const hostile: Libp2p[] = []
    const hostilePeer = async (): Promise<Libp2p> => { const p = await createPeer(); hostile.push(p); return p }
    let startedGood: GoodSwarm | undefined
    try {
      const good = startedGood = await GoodSwarm.start(10, relay.tcp)
      const reader = await FeedClient.open(viewerPeer, relay.ws)
      good.beatEvery(200)

      // Bad lines of every kind from one peer, fewer than its bad-line budget (20), so the
      // stream survives them and its good line afterwards counts
      const mixed = await hostilePeer()
      const mixedStream = await openHeartbeatStream(mixed, relay.tcp)
      const badLines: Array<[string, string]> = [
        ['not_json', 'this is not json'],
        ['not_json', '{"Head":"{ }","Height":1'],
        ['not_object', '[1,2,3]'],
        ['not_object', 'null'],
        ['invalid_head', '{"Head":5,"Height":1}'],
        ['invalid_height', '{"Head":"{ }","Height":"5"}'],
        ['invalid_height', '{"Head":"{ }","Height":-1}'],
        ['invalid_height', '{"Head":"{ }","Height":1.5}'],
        ['invalid_height', '{"Head":"{ }","Height":18446744073709551615}'],
        ['invalid_height', '{"Head":"{ }","Height":9007199254740992}'],
        ['invalid_nickname', '{"Head":"{ }","Height":3,"Nickname":["x"]}'],
        ['invalid_miner_address', '{"Head":"{ }","Height":3,"MinerAddress":{"a":1}}'],
        ['invalid_genesis_cid', '{"Head":"{ }","Height":3,"GenesisCID":"bafy"}']
      ]
      const reasons = [...new Set(badLines.map(([reason]) => reason))]
      const before = new Map(await Promise.all(reasons.map(async r => [r, await getMetric(relay.httpUrl, rejected(r))] as const)))
      for (const [, text] of badLines) mixedStream.send(enc.encode(text + '\n'))
      mixedStream.send(heartbeatLine(4242, 'recovered'))

      // HTML in a nickname is a nickname like any other: stored and served as the same text,
      // sent raw by one peer and Go-escaped (\u003c…) by another
      const rawHtml = await openHeartbeatStream(await hostilePeer(), relay.tcp)
      rawHtml.send(enc.encode(JSON.stringify({ Head: '{ bafyhtml }', Height: 7, Nickname: HTML_NICKNAME, MinerAddress: '' }) + '\n'))
      const goHtml = await openHeartbeatStream(await hostilePeer(), relay.tcp)
      const goEscaped = JSON.stringify(HTML_NICKNAME).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
      goHtml.send(enc.encode(`{"Head":"{ bafyhtml }","Height":8,"Nickname":${goEscaped},"MinerAddress":"\\u003cempty\\u003e"}\n`))

      await waitFor('the mixed peer\'s good line', () => reader.byPeer(mixed.peerId.toString())?.height === 4242)
      for (const reason of reasons) {
        const expected = badLines.filter(([r]) => r === reason).length
        assert.equal(await getMetric(relay.httpUrl, rejected(reason)) - (before.get(reason) ?? 0), expected, `${reason} rejections`)
      }
      assert.equal(mixedStream.status, 'open', 'bad lines under the budget do not cost the stream')

      // Lines past the 64 KiB cap: 8 MiB with no newline (four peers, one after another), and a
      // well-formed heartbeat whose nickname is 1 MB. Each stream is reset once the relay has
      // buffered 64 KiB of it, and counted; the peer's connection is not (one bad line is not
      // a garbage sender), and no row is made for any of them.
      const hogs = await Promise.all(Array.from({ length: 5 }, async () => openHeartbeatStream(await hostilePeer(), relay.tcp)))
      const tooLongBefore = await getMetric(relay.httpUrl, rejected('line_too_long'))
      for (const hog of hogs.slice(0, 4)) {
        const chunk = new Uint8Array(2 ** 20).fill(0x7b) // '{', over and over
        for (let m = 0; m < 8; m++) hog.send(chunk)
        await waitFor('the relay to reset the 8 MiB stream', () => hog.status !== 'open')
      }
      const bigNick = hogs[4] ?? assert.fail('no fifth stream')
      bigNick.send(enc.encode(`{"Head":"{ bafybig }","Height":9,"Nickname":"${'n'.repeat(1_000_000)}","MinerAddress":""}\n`))
      await waitFor('the relay to reset the 1 MB nickname stream', () => bigNick.status !== 'open')
      assert.equal(await getMetric(relay.httpUrl, rejected('line_too_long')) - tooLongBefore, 5)
      assert.equal(await getMetric(relay.httpUrl, 'devnet_heartbeat_streams'), good.peers.length + 3, 'only the good, mixed and HTML streams remain')

      good.stopBeating()
      good.beat()
      await good.expectLatest(relay.httpUrl, reader)

      const listed = await getJson<NodeRecord[]>(`${relay.httpUrl}/api/nodes`)
      // by peer, not by the heights they sent (7 and 8): the good nodes pass those heights too,
      // and where they stop depends on how fast the test ran
      const htmlPeers = hostile.slice(1, 3).map(p => p.peerId.toString())
      const htmlRows = listed.filter(n => htmlPeers.includes(n.peerId))
      assert.deepEqual(htmlRows.map(n => n.height).sort(), [7, 8])
      for (const row of htmlRows) assert.equal(row.nickname, HTML_NICKNAME, 'the nickname is served as the same text')
      for (const id of htmlPeers) assert.equal(reader.byPeer(id)?.nickname, HTML_NICKNAME)
      const res = await fetch(`${relay.httpUrl}/api/nodes`)
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, 'served as JSON, never as markup')
      await res.body?.cancel()
      // only peers that sent a valid line have rows: 10 good, the recovered one, two HTML names
      assert.equal(listed.length, 13, 'no row for a peer that only sent garbage')
      assert.equal(reader.nodes.size, 13)
    } finally {
      await startedGood?.stop()
      await Promise.all([viewerPeer, ...hostile].map(async p => { await p.stop() }))
      await relay.stop()
    }
  })

  it('survives 1,000 streams opened by one peer on one connection', { timeout: 180_000 }, async () => {
    const relay = await startRelayProcess()
    const viewerPeer = await createPeer()
    const abuser = await createPeer()
    let startedGood: GoodSwarm | undefined
    try {
      const good = startedGood = await GoodSwarm.start(10, relay.tcp)
      const reader = await FeedClient.open(viewerPeer, relay.ws)
      good.beatEvery(200)
      const duplicatesBefore = await getMetric(relay.httpUrl, rejected('duplicate_stream'))
      const connection = await abuser.dial(multiaddr(relay.tcp))
      const results = await Promise.allSettled(Array.from({ length: 1_000 }, async () =>
        connection.newStream(HEARTBEAT_PROTOCOL, { maxOutboundStreams: 2_000, signal: AbortSignal.timeout(30_000) })))
      const opened = results.flatMap(r => r.status === 'fulfilled' ? [r.value] : [])
      // at most one heartbeat stream per connection survives: the rest are reset by yamux (past
      // 64 streams), by libp2p (past 4 heartbeat streams) or by the receiver (duplicate)
      const survivors = await waitFor('all but one stream to be reset', () => {
        const open = opened.filter(s => s.status === 'open')
        return open.length <= 1 ? open : undefined
      }, 30_000)
      const duplicates = await getMetric(relay.httpUrl, rejected('duplicate_stream')) - duplicatesBefore
      assert.ok(duplicates >= 1, 'the receiver counted the duplicates that reached it')
      assert.ok(await getMetric(relay.httpUrl, 'devnet_heartbeat_streams') <= good.peers.length + 1)

      // the one surviving stream (if libp2p kept the connection) still carries beats
      const [survivor] = survivors
      if (survivor != null) {
        survivor.send(heartbeatLine(31337, 'abuser'))
        await waitFor('the abuser\'s surviving stream to count', () => reader.byPeer(abuser.peerId.toString())?.height === 31337)
      }
      good.stopBeating()
      good.beat()
      await good.expectLatest(relay.httpUrl, reader)
      assert.ok((await getJson<{ ok: boolean }>(`${relay.httpUrl}/healthz`)).ok)
    } finally {
      await startedGood?.stop()
      await Promise.all([viewerPeer, abuser].map(async p => { await p.stop() }))
      await relay.stop()
    }
  })

  it('keeps 50 good nodes whole while 300 misbehaving connections from one host arrive at once', { timeout: 180_000 }, async () => {
    // garbage senders must reach their bad-line budget, not the rate limit (a burst of 20)
    const relay = await startRelayProcess(['--cool-off-seconds', '60', '--max-beats-per-second', '1000'])
    const viewerPeer = await createPeer()
    let startedGood: GoodSwarm | undefined
    const idle: Libp2p[] = []
    const garbage: Libp2p[] = []
    const raw: Socket[] = []
    try {
      const good = startedGood = await GoodSwarm.start(50, relay.tcp)
      const reader = await FeedClient.open(viewerPeer, relay.ws)
      good.beatEvery(500)
      await waitFor('the reader to see the good nodes', () => reader.nodes.size === 50)
      const cutOffBefore = await getMetric(relay.httpUrl, 'devnet_peers_cut_off_total')
      const tcpPort = Number(/\/tcp\/(\d+)/.exec(relay.tcp)?.[1])
      idle.push(...await Promise.all(Array.from({ length: 100 }, async () => createPeer())))
      garbage.push(...await Promise.all(Array.from({ length: 100 }, async () => createPeer())))

      await Promise.allSettled([
        // 100 libp2p peers that complete the handshake and then do nothing
        ...idle.map(async p => p.dial(multiaddr(relay.tcp))),
        // 100 that open a heartbeat stream and send 25 lines of garbage: past the budget
        ...garbage.map(async p => {
          const stream = await openHeartbeatStream(p, relay.tcp)
          for (let k = 0; k < 25; k++) stream.send(enc.encode(`garbage ${k} \u0000\u0001\n`))
        }),
        // 100 raw TCP sockets: half send bytes that are not multistream-select, half sit silent
        ...Array.from({ length: 100 }, async (_, k) => {
          const socket = createConnection({ host: '127.0.0.1', port: tcpPort })
          socket.on('error', () => {})
          raw.push(socket)
          await new Promise<void>((resolve, reject) => { socket.once('connect', resolve).once('error', reject) })
          if (k % 2 === 0) socket.write(Buffer.from('GET / HTTP/1.1\r\n\r\n' + '\u00ff'.repeat(4096)))
        })
      ])
      await waitFor('the garbage senders to be cut off', async () => await getMetric(relay.httpUrl, 'devnet_peers_cut_off_total') - cutOffBefore === 100, 60_000)
      // not multistream-select: refused at once; silent: dropped when the handshake times out
      await waitFor('the relay to close every raw socket that sent garbage', () => raw.every((s, k) => k % 2 === 1 || s.destroyed || s.readableEnded))
      await waitFor('the relay to close every silent raw socket', () => raw.every(s => s.destroyed || s.readableEnded), 60_000)
      // a banned peer that comes back is refused in the handshake
      const refusedBefore = await getMetric(relay.httpUrl, 'devnet_connections_refused_total{reason="cooling_off"}')
      const comeback = garbage[0] ?? assert.fail('no garbage peer')
      await assert.rejects(async () => { await openHeartbeatStream(comeback, relay.tcp) })
      assert.equal(await getMetric(relay.httpUrl, 'devnet_connections_refused_total{reason="cooling_off"}'), refusedBefore + 1)

      good.stopBeating()
      good.beat()
      await good.expectLatest(relay.httpUrl, reader)
      const listed = await getJson<NodeRecord[]>(`${relay.httpUrl}/api/nodes`)
      assert.equal(listed.length, 50, 'only the good nodes have rows')
      assert.equal(reader.nodes.size, 50)
    } finally {
      for (const socket of raw) socket.destroy()
      await startedGood?.stop()
      await Promise.all([viewerPeer, ...idle, ...garbage].map(async p => { await p.stop() }))
      await relay.stop()
    }
  })
})
