// A node whose host vanished without closing its connection (a blackholed TCP proxy: nothing
// passes, nothing is closed) goes offline once its silence is probed and unanswered; a node
// that is merely quiet answers the probe and stays connected. Dashboards, which never send,
// are probed the same way: a vanished one gives up its feed slot, a live one keeps it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { HEARTBEAT_PROTOCOL } from '../protocol/index.ts'
import { heartbeatLine } from '../testing/good-swarm.ts'
import { slowProxy } from '../testing/slow-proxy.ts'
import { createPeer, openHeartbeatStream } from '../testing/peers.ts'
import { FeedClient } from '../testing/feed-client.ts'
import { getJson, getMetric } from '../testing/http.ts'
import { ManualClock } from '../testing/clock.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { SlowProxy } from '../testing/slow-proxy.ts'
import type { TestRelay } from '../testing/test-relay.ts'
import type { Libp2p } from '@libp2p/interface'

describe('quiet probe', () => {
  let relay: TestRelay
  let proxy: SlowProxy
  let viewerProxy: SlowProxy
  // the relay's time: silences, probe timeouts and sweeps move only when the test moves it, on
  // the relay's own settings (a probe after 30 s of silence, 10 s to answer, a sweep every 5 s)
  const clock = new ManualClock(Date.now())
  const peers: Libp2p[] = []
  const tcpPort = (): number => Number(/\/tcp\/(\d+)\/p2p/.exec(relay.nodeAddrs.find(a => !a.includes('/ws')) ?? '')?.[1])
  const node = async (peerId: string): Promise<NodeRecord | undefined> =>
    (await getJson<NodeRecord[]>(`${relay.httpUrl}/api/nodes`)).find(n => n.peerId === peerId)
  const probes = async (kind: 'quiet' | 'viewer', result: 'answered' | 'unanswered'): Promise<number> =>
    await getMetric(relay.httpUrl, `devnet_${kind}_probes_total{result="${result}"}`)

  before(async () => {
    relay = await startTestRelay({ clock })
    proxy = await slowProxy(tcpPort())
    viewerProxy = await slowProxy(tcpPort())
  })
  after(async () => {
    // first, so no connection is left waiting on a host that will never answer
    await proxy.close()
    await viewerProxy.close()
    await Promise.all(peers.map(async p => { await p.stop() }))
    await relay.destroy()
  })

  it('keeps a quiet node whose host answers, and takes one whose host vanished offline', async () => {
    // quiet but there: one beat, then nothing; its libp2p answers the probe ("not supported")
    const quiet = await createPeer()
    peers.push(quiet)
    const quietStream = await openHeartbeatStream(quiet, relay.nodeAddrs.find(a => !a.includes('/ws')) ?? '')
    quietStream.send(heartbeatLine(1, 'quiet'))

    // vanished: beats through a proxy that then lets nothing through either way
    const gone = await createPeer()
    peers.push(gone)
    const goneStream = await gone.dialProtocol(multiaddr(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${relay.peerId}`), HEARTBEAT_PROTOCOL)
    goneStream.send(heartbeatLine(1, 'gone'))
    const goneId = gone.peerId.toString()
    const quietId = quiet.peerId.toString()
    await waitFor('both nodes connected', async () => (await node(goneId))?.connected === true && (await node(quietId))?.connected === true)
    proxy.blackhole()

    // silent for less than 30 s: nobody is asked
    clock.advance(29_999)
    assert.equal(await probes('quiet', 'answered') + await probes('quiet', 'unanswered'), 0)
    // 30 s: both are asked; the quiet one's host answers
    clock.advance(1)
    await waitFor('the quiet node\'s host to answer', async () => await probes('quiet', 'answered') === 1)
    // the vanished one has 10 s: a moment before, it is still connected
    clock.advance(9_999)
    assert.equal((await node(goneId))?.connected, true)
    assert.equal(await probes('quiet', 'unanswered'), 0)
    clock.advance(1)
    await waitFor('the vanished node to go offline', async () => (await node(goneId))?.connected === false)
    assert.equal(await probes('quiet', 'unanswered'), 1)
    // the quiet one is asked again 30 s after it answered (the sweep at 60 s; time is moved to
    // it, not past it, so the probe's own 10 s do not run out before its host can answer)
    clock.advance(20_000)
    await waitFor('the quiet node\'s host to answer again', async () => await probes('quiet', 'answered') === 2)
    assert.equal((await node(quietId))?.connected, true)
    assert.equal(quietStream.status, 'open')
  })

  it('disconnects a dashboard whose host vanished, freeing its feed slot, and keeps one that is there', async () => {
    const subscribers = async (): Promise<number> => await getMetric(relay.httpUrl, 'devnet_feed_subscribers')
    const before = await subscribers()
    const answeredBefore = await probes('viewer', 'answered')
    const here = await createPeer()
    const gone = await createPeer()
    peers.push(here, gone)
    const hereFeed = await FeedClient.open(here, relay.nodeAddrs.find(a => !a.includes('/ws')) ?? '')
    const goneFeed = await FeedClient.open(gone, `/ip4/127.0.0.1/tcp/${viewerProxy.port}/p2p/${relay.peerId}`)
    await waitFor('both dashboards synced', () => hereFeed.synced && goneFeed.synced)
    assert.equal(await subscribers(), before + 2)
    viewerProxy.blackhole()

    // dashboards send nothing: each one's host is asked every 30 s, and has 10 s to answer
    clock.advance(30_000)
    await waitFor('the live dashboard\'s host to answer', async () => await probes('viewer', 'answered') === answeredBefore + 1)
    assert.equal(await subscribers(), before + 2)
    clock.advance(10_000)
    await waitFor('the vanished dashboard to be dropped', async () => await subscribers() === before + 1)
    assert.equal(await probes('viewer', 'unanswered'), 1)
    assert.equal(await getMetric(relay.httpUrl, 'devnet_feed_subscribers_closed_total{reason="unresponsive"}'), 1)
    assert.equal(hereFeed.stream.status, 'open')
  })
})
