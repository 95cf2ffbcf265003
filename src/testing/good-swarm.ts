// Well-behaved nodes for the fault and abuse tests: each beats go-filecoin heartbeat lines on
// its own connection, and the swarm checks at the end that every one's latest height arrived.
import assert from 'node:assert/strict'
import { encodeHeartbeatLine } from '../protocol/index.ts'
import { getJson } from './http.ts'
import { createPeer, openHeartbeatStream } from './peers.ts'
import { waitFor } from './wait-for.ts'
import type { FeedClient } from './feed-client.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

const enc = new TextEncoder()

/** A go-filecoin heartbeat line: a three-block tipset key as long as a real one, or a short
 *  one (where a test measures memory, so that history filling up does not hide what it measures). */
export function heartbeatLine (height: number, nickname: string, short = false): Uint8Array {
  const head = short ? `{ bafy${height} }` : `{ bafy2bzacea${height}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bafy2bzaceb${height}bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb bafy2bzacec${height}cccccccccccccccccccccccccccccccccccccccccccccccccc }`
  return enc.encode(encodeHeartbeatLine({ head, height, nickname, minerAddress: 't01000', genesisCid: null }))
}

/**
 * Well-behaved nodes, each with its own connection and heartbeat stream, all beating the same
 * height; `expectLatest` is the "nothing is lost" check every fault test ends with.
 */
// how many of a swarm's nodes dial at once
const SWARM_DIAL_BATCH = 50

export class GoodSwarm {
  readonly peers: Libp2p[]
  readonly streams: Stream[]
  readonly prefix: string
  readonly shortHeads: boolean
  height = 0
  /** when each height was sent, for latency */
  readonly sentAt = new Map<number, number>()
  #timer?: ReturnType<typeof setInterval>

  private constructor (peers: Libp2p[], streams: Stream[], prefix: string, shortHeads: boolean) {
    this.peers = peers
    this.streams = streams
    this.prefix = prefix
    this.shortHeads = shortHeads
  }

  static async start (count: number, target: string, options: { prefix?: string, shortHeads?: boolean } = {}): Promise<GoodSwarm> {
    const peers = await Promise.all(Array.from({ length: count }, async () => createPeer()))
    const streams: Stream[] = []
    try {
      // a few dozen handshakes at a time: hundreds at once on a loaded 2-core machine can keep
      // one waiting past the relay's 10 s upgrade timeout (EncryptionFailedError). The burst
      // itself is tested on its own (relay-limits.test.ts); a swarm is the well-behaved rest.
      for (let k = 0; k < peers.length; k += SWARM_DIAL_BATCH) {
        streams.push(...await Promise.all(peers.slice(k, k + SWARM_DIAL_BATCH).map(async peer => await openHeartbeatStream(peer, target))))
      }
    } catch (err) {
      // the caller never gets a swarm to stop: its peers must not keep the test process alive
      await Promise.all(peers.map(async peer => { await peer.stop() }))
      throw err
    }
    const swarm = new GoodSwarm(peers, streams, options.prefix ?? 'good', options.shortHeads ?? false)
    swarm.beat()
    return swarm
  }

  get ids (): string[] {
    return this.peers.map(p => p.peerId.toString())
  }

  beat (): void {
    this.height++
    this.sentAt.set(this.height, performance.now())
    this.streams.forEach((s, k) => { if (s.status === 'open' && s.writeStatus === 'writable') s.send(heartbeatLine(this.height, `${this.prefix}${k}`, this.shortHeads)) })
  }

  /** Beats every intervalMs (well under the relay's per-peer rate) until stopBeating. */
  beatEvery (intervalMs: number): void {
    this.#timer = setInterval(() => { this.beat() }, intervalMs)
  }

  stopBeating (): void {
    clearInterval(this.#timer)
  }

  /** Every node connected at the swarm's last height, in /api/nodes and in the reader's model. */
  async expectLatest (httpUrl: string, reader: FeedClient, timeoutMs = 30_000): Promise<void> {
    const height = this.height
    const ids = this.ids
    for (const stream of this.streams) assert.equal(stream.status, 'open', 'a good node\'s stream was closed')
    await waitFor(`/api/nodes to show ${ids.length} good nodes at ${height}`, async () => {
      const byPeer = new Map((await getJson<NodeRecord[]>(`${httpUrl}/api/nodes`)).map(n => [n.peerId, n]))
      return ids.every(id => byPeer.get(id)?.height === height && byPeer.get(id)?.connected === true)
    }, timeoutMs)
    await waitFor(`the feed subscriber to show ${ids.length} good nodes at ${height}`, () =>
      ids.every(id => { const n = reader.byPeer(id); return n?.height === height && n.connected }), timeoutMs)
  }

  async stop (): Promise<void> {
    this.stopBeating()
    await Promise.all(this.peers.map(async p => { await p.stop() }))
  }
}
