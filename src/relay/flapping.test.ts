// 10% of 200 nodes flapping (dropping their connection and redialling) while the rest beat:
// no ghost or duplicate rows, and the right connected flags, whichever way each drop and
// redial reaches the relay. Rounds wait for what the relay shows, not for time to pass. (What
// the relay's memory does over minutes of it is measured by `npm run soak`, row "flapping".)
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FeedClient } from '../testing/feed-client.ts'
import { GoodSwarm, heartbeatLine } from '../testing/good-swarm.ts'
import { getJson } from '../testing/http.ts'
import { createPeer, openHeartbeatStream } from '../testing/peers.ts'
import { startRelayProcess } from '../testing/relay-process.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

const NODES = 200
const FLAPPERS = 20
// each flapper drops and redials this many times, each way (crash or hang-up, redial at once
// or once the relay has seen it go) coming round in turn
const ROUNDS = 4

/** A node that beats with the swarm while connected and drops its connection when told. */
class Flapper {
  readonly peer: Libp2p
  readonly nickname: string
  readonly k: number
  stream?: Stream
  lastHeight = 0
  flaps = 0

  constructor (peer: Libp2p, nickname: string, k: number) {
    this.peer = peer
    this.nickname = nickname
    this.k = k
  }

  get id (): string {
    return this.peer.peerId.toString()
  }

  beat (height: number): void {
    // a stream being closed by a flap can still say 'open' while its writable end is closing
    if (this.stream?.status !== 'open' || this.stream.writeStatus !== 'writable') return
    this.stream.send(heartbeatLine(height, this.nickname, true))
    this.lastHeight = height
  }

  /** Drops the connection: as a crash would (abort), or cleanly (hang up). */
  async disconnect (crash: boolean): Promise<void> {
    this.stream = undefined
    if (crash) for (const c of this.peer.getConnections()) c.abort(new Error('flap'))
    else await Promise.all(this.peer.getConnections().map(async c => { await c.close() }))
  }

  async connect (target: string, height: number): Promise<void> {
    this.stream = await openHeartbeatStream(this.peer, target)
    this.beat(height)
  }
}

describe('flapping nodes', () => {
  it(`keeps exactly 200 rows with the right flags while 20 of 200 nodes drop and redial ${ROUNDS} times each`, { timeout: 240_000 }, async () => {
    const relay = await startRelayProcess()
    const viewer = await createPeer()
    let startedSteady: GoodSwarm | undefined
    const flappers = await Promise.all(Array.from({ length: FLAPPERS }, async (_, k) => new Flapper(await createPeer(), `flapper${k}`, k)))
    try {
      const steady = startedSteady = await GoodSwarm.start(NODES - FLAPPERS, relay.tcp, { prefix: 'steady', shortHeads: true })
      await Promise.all(flappers.map(async f => { await f.connect(relay.tcp, steady.height) }))
      const reader = await FeedClient.open(viewer, relay.ws)
      await waitFor('the reader to see 200 nodes', () => reader.synced && reader.nodes.size === NODES, 30_000)
      const seen = (f: Flapper, connected: boolean): boolean => reader.byPeer(f.id)?.connected === connected

      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(flappers.map(async f => {
          const way = (f.k + round) % 4
          await f.disconnect(way < 2)
          // half redial at once (the relay may see the new connection before the old one's
          // end), half once the relay has shown them offline
          if (way % 2 === 1) await waitFor(`${f.nickname} to show offline`, () => seen(f, false), 30_000)
          await f.connect(relay.tcp, steady.height)
          f.flaps++
        }))
        steady.beat()
        for (const f of flappers) f.beat(steady.height)
        await waitFor(`round ${round + 1}: every node connected at ${steady.height} in the feed`, () =>
          reader.nodes.size === NODES && [...reader.nodes.values()].every(n => n.connected && n.height === steady.height), 30_000)
      }

      // the end state: half the flappers left offline, the rest and every steady node at the last height
      const offline = flappers.slice(0, FLAPPERS / 2)
      const online = flappers.slice(FLAPPERS / 2)
      for (const f of offline) await f.disconnect(f.k % 2 === 0)
      steady.beat()
      for (const f of online) f.beat(steady.height)
      const expected = new Map<string, { height: number, connected: boolean }>()
      for (const id of steady.ids) expected.set(id, { height: steady.height, connected: true })
      for (const f of online) expected.set(f.id, { height: steady.height, connected: true })
      for (const f of offline) expected.set(f.id, { height: f.lastHeight, connected: false })
      const matches = (n: NodeRecord | undefined, want: { height: number, connected: boolean }): boolean =>
        n != null && n.height === want.height && n.connected === want.connected

      const listed = await waitFor('/api/nodes to show every node at its last height with the right flag', async () => {
        const nodes = await getJson<NodeRecord[]>(`${relay.httpUrl}/api/nodes`)
        const byPeer = new Map(nodes.map(n => [n.peerId, n]))
        return [...expected].every(([id, want]) => matches(byPeer.get(id), want)) ? nodes : undefined
      }, 30_000)
      await waitFor('the feed subscriber to show the same', () => [...expected].every(([id, want]) => matches(reader.byPeer(id), want)), 30_000)

      assert.equal(flappers.reduce((sum, f) => sum + f.flaps, 0), FLAPPERS * ROUNDS)
      assert.equal(listed.length, NODES, 'no ghost rows in /api/nodes')
      assert.equal(new Set(listed.map(n => n.peerId)).size, NODES, 'no duplicate rows in /api/nodes')
      assert.equal(listed.filter(n => n.connected).length, NODES - FLAPPERS / 2)
      assert.equal(reader.nodes.size, NODES, 'no ghost rows in the feed')
      assert.equal(new Set([...reader.nodes.values()].map(n => n.peerId)).size, NODES, 'no duplicate rows in the feed')
      assert.equal([...reader.nodes.values()].filter(n => n.connected).length, NODES - FLAPPERS / 2)
    } finally {
      await startedSteady?.stop()
      await Promise.all([viewer, ...flappers.map(f => f.peer)].map(async p => { await p.stop() }))
      await relay.stop()
    }
  })
})
