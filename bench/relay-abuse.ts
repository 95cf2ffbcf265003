// The relay as its own process under abuse, measured: what a normal subscriber waits for while
// other subscribers read slowly, not at all, or hang up mid-snapshot; what the relay keeps
// after lines far past the cap; what it keeps while nodes flap. These were thresholds inside
// the fault tests; the tests (src/relay/*.test.ts) now check the behaviour and these print the
// numbers (BENCHMARKS.md rows "slow subscribers", "oversized lines", "flapping").
import { FeedClient } from '../src/testing/feed-client.ts'
import { GoodSwarm, heartbeatLine } from '../src/testing/good-swarm.ts'
import { getMetric } from '../src/testing/http.ts'
import { MisbehavingSubscribers } from '../src/testing/misbehaving-subscribers.ts'
import { retainedBytes, settledRss } from './memory.ts'
import { createPeer, openHeartbeatStream } from '../src/testing/peers.ts'
import { startRelayProcess } from '../src/testing/relay-process.ts'
import { waitFor } from '../src/testing/wait-for.ts'
import { mib, percentile } from './lib.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

/** Send → receive latency of a normal subscriber's heartbeats, ms. */
export interface Latency { p50: number, p99: number, max: number, beats: number }

function latency (samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b)
  return { p50: Math.round(percentile(sorted, 0.5)), p99: Math.round(percentile(sorted, 0.99)), max: Math.round(sorted.at(-1) ?? NaN), beats: sorted.length }
}

const pause = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) } // a measurement's pacing

export interface SlowSubscribersResult {
  nodes: number
  /** the same load with only the normal subscriber, then with the misbehaving ones */
  control: Latency
  hostile: Latency
  hostileSeconds: number
  hangUps: number
  /** hang-ups whose first chunk did not hold the whole snapshot */
  midSnapshot: number
  /** heap + external after a full GC, before and after the misbehaving subscribers */
  retainedMiB: [number, number]
  rssMiB: [number, number]
  maxBufferedBytes: number
  maxDirty: number
  coalesced: number
  /** the one reading a byte a second: still served, or closed for not draining */
  slowClosed: boolean
}

/**
 * 500 nodes beating once a second; a normal subscriber's latency for phaseSeconds alone, then
 * for at least phaseSeconds beside a subscriber that never reads, one that reads a byte a second
 * (through a throttling proxy) and a string of them that hang up in the middle of the snapshot.
 */
export async function slowSubscribers (options: { nodes: number, phaseSeconds: number, log: (line: string) => void }): Promise<SlowSubscribersResult> {
  const relay = await startRelayProcess([], { inspect: true })
  let readerPeer: Libp2p | undefined
  let misbehaving: MisbehavingSubscribers | undefined
  let started: GoodSwarm | undefined
  try {
    const swarm = started = await GoodSwarm.start(options.nodes, relay.tcp)
    readerPeer = await createPeer()
    const reader = await FeedClient.open(readerPeer, relay.ws)
    let samples: number[] = []
    reader.onMessage = message => {
      if (message.t !== 'hb') return
      const sent = swarm.sentAt.get(message.height)
      if (sent != null) samples.push(performance.now() - sent)
    }
    swarm.beatEvery(1_000)
    await waitFor(`the reader to see all ${options.nodes} nodes`, () => reader.synced && reader.nodes.size === options.nodes, 120_000)
    await pause(options.phaseSeconds * 1000)
    const control = latency(samples)
    samples = []
    options.log(`  control: p50 ${control.p50} ms, p99 ${control.p99} ms over ${control.beats} beats`)
    const retainedBefore = await retainedBytes(relay)
    const rssBefore = await settledRss(relay.httpUrl)

    const bad = misbehaving = await MisbehavingSubscribers.open(relay)
    const start = Date.now()
    // at least the phase, and until a subscriber that is behind is being coalesced, with a cap
    while ((Date.now() - start < options.phaseSeconds * 1000 || bad.coalesced === 0) && Date.now() - start < 60_000) {
      await bad.hangUp()
      await pause(200)
    }
    const hostileSeconds = Math.round((Date.now() - start) / 1000)
    const hostile = latency(samples)
    options.log(`  beside the misbehaving subscribers for ${hostileSeconds} s: p50 ${hostile.p50} ms, p99 ${hostile.p99} ms over ${hostile.beats} beats`)
    await waitFor('the relay to drop every hung-up subscriber', async () => await getMetric(relay.httpUrl, 'devnet_feed_subscribers') <= 3, 30_000)
    // the lower of two readings: on a loaded machine the last hung-up connections can still be
    // being torn down at the first; what is retained shows in both
    const retainedFirst = await retainedBytes(relay)
    const rssAfter = await settledRss(relay.httpUrl)
    const retainedAfter = Math.min(retainedFirst, await retainedBytes(relay))
    const result: SlowSubscribersResult = {
      nodes: options.nodes,
      control,
      hostile,
      hostileSeconds,
      hangUps: bad.hangUps,
      midSnapshot: bad.midSnapshot,
      retainedMiB: [retainedBefore, retainedAfter].map(toMiB) as [number, number],
      rssMiB: [rssBefore, rssAfter].map(toMiB) as [number, number],
      maxBufferedBytes: bad.maxBufferedBytes,
      maxDirty: bad.maxDirty,
      coalesced: await getMetric(relay.httpUrl, 'devnet_feed_events_coalesced_total'),
      slowClosed: await getMetric(relay.httpUrl, 'devnet_feed_subscribers_closed_total{reason="slow"}') > 0
    }
    options.log(`  relay heap+external after GC ${mib(retainedBefore)} → ${mib(retainedAfter)}; RSS ${mib(rssBefore)} → ${mib(rssAfter)}; ${bad.hangUps} hang-ups (${bad.midSnapshot} mid-snapshot)`)
    return result
  } finally {
    await started?.stop()
    await readerPeer?.stop()
    await misbehaving?.close()
    await relay.stop()
  }
}

const toMiB = (bytes: number): number => Math.round(bytes / 2 ** 20 * 10) / 10

export interface OversizedLinesResult {
  /** heap + external after a full GC, before and after; RSS before, after, and the highest reading */
  retainedMiB: [number, number]
  rssMiB: [number, number]
  peakRssMiB: number
}

/** Four streams that each send 8 MiB without a newline, then a heartbeat with a 1 MB nickname. */
export async function oversizedLines (options: { log: (line: string) => void }): Promise<OversizedLinesResult> {
  const relay = await startRelayProcess([], { inspect: true })
  const peers: Libp2p[] = []
  try {
    const hogs = await Promise.all(Array.from({ length: 5 }, async () => {
      const p = await createPeer()
      peers.push(p)
      return await openHeartbeatStream(p, relay.tcp)
    }))
    const retainedBefore = await retainedBytes(relay)
    const rssBefore = await settledRss(relay.httpUrl)
    let peak = rssBefore
    for (const hog of hogs.slice(0, 4)) {
      const chunk = new Uint8Array(2 ** 20).fill(0x7b)
      for (let m = 0; m < 8; m++) hog.send(chunk)
      await waitFor('the relay to reset the 8 MiB stream', () => hog.status !== 'open')
      peak = Math.max(peak, await getMetric(relay.httpUrl, 'process_resident_memory_bytes'))
    }
    const bigNick = hogs[4]
    bigNick?.send(new TextEncoder().encode(`{"Head":"{ bafybig }","Height":9,"Nickname":"${'n'.repeat(1_000_000)}","MinerAddress":""}\n`))
    await waitFor('the relay to reset the 1 MB nickname stream', () => bigNick?.status !== 'open')
    const rssAfter = await settledRss(relay.httpUrl)
    const retainedAfter = await retainedBytes(relay)
    options.log(`  relay heap+external after GC ${mib(retainedBefore)} → ${mib(retainedAfter)}; RSS ${mib(rssBefore)} → ${mib(rssAfter)} (peak reading ${mib(peak)})`)
    return { retainedMiB: [toMiB(retainedBefore), toMiB(retainedAfter)], rssMiB: [toMiB(rssBefore), toMiB(rssAfter)], peakRssMiB: toMiB(peak) }
  } finally {
    await Promise.all(peers.map(async p => { await p.stop() }))
    await relay.stop()
  }
}

export interface FlappingResult {
  seconds: number
  flaps: number
  /** heap + external after a full GC, every sampleSeconds from the start */
  retainedMiB: number[]
  rssMiB: [number, number]
}

/**
 * 200 nodes beating once a second, 20 of them dropping their connection (half as a crash, half
 * cleanly) every 2-4 s and redialling at once or a moment later, for `seconds`.
 */
export async function flapping (options: { nodes: number, flappers: number, seconds: number, log: (line: string) => void }): Promise<FlappingResult> {
  const relay = await startRelayProcess([], { inspect: true })
  const flappers = await Promise.all(Array.from({ length: options.flappers }, async () => await createPeer()))
  let started: GoodSwarm | undefined
  const streams = new Map<Libp2p, Stream>()
  let running = true
  let flaps = 0
  const connect = async (p: Libp2p): Promise<void> => {
    const stream = await openHeartbeatStream(p, relay.tcp)
    streams.set(p, stream)
    stream.send(heartbeatLine(started?.height ?? 0, `flapper-${p.peerId.toString().slice(-6)}`, true))
  }
  try {
    const steady = started = await GoodSwarm.start(options.nodes - options.flappers, relay.tcp, { prefix: 'steady', shortHeads: true })
    await Promise.all(flappers.map(connect))
    const timer = setInterval(() => {
      steady.beat()
      for (const [p, s] of streams) if (s.status === 'open' && s.writeStatus === 'writable') s.send(heartbeatLine(steady.height, `flapper-${p.peerId.toString().slice(-6)}`, true))
    }, 1_000)
    const loops = flappers.map(async (p, k) => {
      while (running) {
        await pause(2_000 + Math.random() * 2_000)
        if (!running) break
        streams.delete(p)
        if (k % 2 === 0) for (const c of p.getConnections()) c.abort(new Error('flap'))
        else await Promise.all(p.getConnections().map(async c => { await c.close() }))
        await pause(Math.random() * 1_000)
        await connect(p).catch(() => {})
        flaps++
      }
    })
    const sampleMs = Math.max(10_000, options.seconds * 1000 / 12)
    const samples = [await retainedBytes(relay)]
    const rssStart = await settledRss(relay.httpUrl)
    const until = Date.now() + options.seconds * 1000
    while (Date.now() < until) {
      await pause(Math.min(sampleMs, Math.max(0, until - Date.now())))
      samples.push(await retainedBytes(relay))
    }
    running = false
    await Promise.all(loops)
    clearInterval(timer)
    const rssEnd = await settledRss(relay.httpUrl)
    options.log(`  ${options.seconds} s, ${flaps} flaps; relay heap+external after GC: ${samples.map(mib).join(', ')}; RSS ${mib(rssStart)} → ${mib(rssEnd)}`)
    return { seconds: options.seconds, flaps, retainedMiB: samples.map(toMiB), rssMiB: [toMiB(rssStart), toMiB(rssEnd)] }
  } finally {
    running = false
    await started?.stop()
    await Promise.all(flappers.map(async p => { await p.stop() }))
    await relay.stop()
  }
}
