// 10% of 200 nodes flapping (dropping their connection and redialling every few seconds)
// while the rest beat steadily: no ghost or duplicate rows, right connected flags, and the
// relay's memory flat. `npm test` runs 25 s of it; DEVNET_SOAK=1 runs the two minutes the
// issue asks for (DEVNET_SOAK_SECONDS=<s> for any other length).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GoodSwarm, heartbeatLine } from '../testing/good-swarm.ts'
import { mib, MiB, retainedBytes, settledRss } from '../testing/memory.ts'
import { startRelayProcess } from '../testing/relay-process.ts'
import { createPeer, openHeartbeatStream } from '../testing/peers.ts'
import { FeedClient } from '../testing/feed-client.ts'
import { getJson } from '../testing/http.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

const NODES = 200
const FLAPPERS = 20
const SOAK_SECONDS = Number(process.env.DEVNET_SOAK_SECONDS ?? (process.env.DEVNET_SOAK === '1' ? 120 : 25))
// how often the retained memory is sampled during the run
const SAMPLE_EVERY_MS = 10_000

const pause = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** A node that beats with the swarm while connected and drops its connection every 2-4 s. */
class Flapper {
  readonly peer: Libp2p
  readonly nickname: string
  stream?: Stream
  lastHeight = 0
  flaps = 0

  constructor (peer: Libp2p, nickname: string) {
    this.peer = peer
    this.nickname = nickname
  }

  beat (height: number): void {
    // a stream being closed by a flap can still say 'open' while its writable end is closing
    if (this.stream?.status !== 'open' || this.stream.writeStatus !== 'writable') return
    this.stream.send(heartbeatLine(height, this.nickname, true))
    this.lastHeight = height
  }

  /** Drops the connection: half the time as a crash would (abort), half cleanly (hang up). */
  async disconnect (): Promise<void> {
    if (this.flaps % 2 === 0) for (const c of this.peer.getConnections()) c.abort(new Error('flap'))
    else await Promise.all(this.peer.getConnections().map(async c => { await c.close() }))
    this.stream = undefined
  }

  async connect (target: string, height: number): Promise<void> {
    this.stream = await openHeartbeatStream(this.peer, target)
    this.beat(height)
  }
}

describe('flapping nodes', () => {
  // Stated bound: what the relay retains (heap + external after a full GC) grows by less than
  // 8 MiB over the run. Every reconnection builds a connection, a stream and their buffers;
  // a leak of even a few KiB each would pass that within a soak (~600 reconnections in two
  // minutes). The only legitimate growth is history: short heads and one height change a
  // second keep it under 2 MiB for 200 nodes over two minutes.
  it(`keeps exactly 200 rows with the right flags while 20 of 200 nodes flap for ${SOAK_SECONDS} s`, { timeout: (SOAK_SECONDS + 180) * 1000 }, async () => {
    const relay = await startRelayProcess([], { inspect: true })
    const viewer = await createPeer()
    const steady = await GoodSwarm.start(NODES - FLAPPERS, relay.tcp, { prefix: 'steady', shortHeads: true })
    const flappers = await Promise.all(Array.from({ length: FLAPPERS }, async (_, k) => new Flapper(await createPeer(), `flapper${k}`)))
    let running = true
    try {
      await Promise.all(flappers.map(async f => { await f.connect(relay.tcp, steady.height) }))
      const reader = await FeedClient.open(viewer, relay.ws)
      const timer = setInterval(() => {
        steady.beat()
        for (const f of flappers) f.beat(steady.height)
      }, 1_000)
      await waitFor('the reader to see 200 nodes', () => reader.synced && reader.nodes.size === NODES, 30_000)

      const flapping = flappers.map(async f => {
        while (running) {
          await pause(2_000 + Math.random() * 2_000) // the flap period, not synchronisation
          if (!running) break
          await f.disconnect()
          await pause(Math.random() * 1_000) // some redial at once, some a moment later
          await f.connect(relay.tcp, steady.height)
          f.flaps++
        }
      })

      const samples: number[] = [await retainedBytes(relay)]
      const rssStart = await settledRss(relay.httpUrl)
      const until = Date.now() + SOAK_SECONDS * 1000
      while (Date.now() < until) {
        await pause(Math.min(SAMPLE_EVERY_MS, Math.max(0, until - Date.now()))) // sampling interval
        samples.push(await retainedBytes(relay))
      }
      running = false
      await Promise.all(flapping)
      clearInterval(timer)
      const rssEnd = await settledRss(relay.httpUrl)

      // the end state: half the flappers left offline, the rest and every steady node at the last height
      const offline = flappers.slice(0, FLAPPERS / 2)
      const online = flappers.slice(FLAPPERS / 2)
      for (const f of offline) await f.disconnect()
      steady.beat()
      for (const f of online) f.beat(steady.height)
      const expected = new Map<string, { height: number, connected: boolean }>()
      for (const id of steady.ids) expected.set(id, { height: steady.height, connected: true })
      for (const f of online) expected.set(f.peer.peerId.toString(), { height: steady.height, connected: true })
      for (const f of offline) expected.set(f.peer.peerId.toString(), { height: f.lastHeight, connected: false })
      const matches = (n: NodeRecord | undefined, want: { height: number, connected: boolean }): boolean =>
        n != null && n.height === want.height && n.connected === want.connected

      const listed = await waitFor('/api/nodes to show every node at its last height with the right flag', async () => {
        const nodes = await getJson<NodeRecord[]>(`${relay.httpUrl}/api/nodes`)
        const byPeer = new Map(nodes.map(n => [n.peerId, n]))
        return [...expected].every(([id, want]) => matches(byPeer.get(id), want)) ? nodes : undefined
      }, 30_000)
      await waitFor('the feed subscriber to show the same', () => [...expected].every(([id, want]) => matches(reader.byPeer(id), want)), 30_000)

      const flaps = flappers.reduce((sum, f) => sum + f.flaps, 0)
      const growth = (samples.at(-1) ?? 0) - (samples[0] ?? 0)
      console.log(`# ${SOAK_SECONDS} s, ${flaps} flaps; relay heap+external after GC every ${SAMPLE_EVERY_MS / 1000} s: ${samples.map(mib).join(', ')}; RSS ${mib(rssStart)} → ${mib(rssEnd)}`)

      assert.ok(flaps >= FLAPPERS * Math.floor(SOAK_SECONDS / 5), `the flappers flapped (${flaps})`)
      assert.equal(listed.length, NODES, 'no ghost rows in /api/nodes')
      assert.equal(new Set(listed.map(n => n.peerId)).size, NODES, 'no duplicate rows in /api/nodes')
      assert.equal(listed.filter(n => n.connected).length, NODES - FLAPPERS / 2)
      assert.equal(reader.nodes.size, NODES, 'no ghost rows in the feed')
      assert.equal(new Set([...reader.nodes.values()].map(n => n.peerId)).size, NODES, 'no duplicate rows in the feed')
      assert.equal([...reader.nodes.values()].filter(n => n.connected).length, NODES - FLAPPERS / 2)
      assert.ok(growth < 8 * MiB, `the relay retained ${mib(growth)} more`)
    } finally {
      running = false
      await steady.stop()
      await Promise.all([viewer, ...flappers.map(f => f.peer)].map(async p => { await p.stop() }))
      await relay.stop()
    }
  })
})
