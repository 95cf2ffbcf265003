// Relay capacity: simulated nodes send heartbeats over TCP at a rising rate; 5 feed
// subscribers read them. At each step: the rate offered, the rate every subscriber got, the
// send-to-subscriber latency, and the relay's CPU and RSS. The relay runs alone on core 0;
// this process (senders and subscribers) runs on core 1.
import { multiaddr } from '@multiformats/multiaddr'
import { forEachLine } from '../src/p2p/lines.ts'
import { encodeHeartbeatLine, FEED_PROTOCOL, MAX_FEED_LINE_BYTES } from '../src/protocol/index.ts'
import { createPeer, openHeartbeatStream } from '../src/testing/peers.ts'
import { scrapeMetrics } from '../src/testing/http.ts'
import { waitFor } from '../src/testing/wait-for.ts'
import { cpuSeconds, MiB, percentile, pin, rssBytes, startBenchRelay } from './lib.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

export interface CapacityStep {
  /** the rate this step aimed at */
  rate: number
  /** the rate actually sent (pacing lands a little under the aim) */
  offered: number
  delivered: number
  p50: number
  p99: number
  relayCpu: number
  relayRssMiB: number
  /** this process: senders and subscribers; near 100% means the load, not the relay, is the limit */
  loadCpu: number
}

export interface CapacityResult {
  nodes: number
  subscribers: number
  steps: CapacityStep[]
  /** the highest offered rate that every subscriber received in full with p99 ≤ 250 ms */
  sustained: CapacityStep | undefined
  /** the relay's history record over the run (every heartbeat here is a new height, so a
   *  change to record), from its /metrics once its queue is empty */
  record: RecordTally
}

export interface RecordTally {
  /** heartbeats the relay accepted */
  accepted: number
  written: number
  droppedQueueFull: number
  droppedPaused: number
  writeErrors: number
  bytes: number
}

/** What the relay's record wrote and dropped, once it has written what it had queued. */
async function recordTally (httpUrl: string): Promise<RecordTally> {
  const scrape = await waitFor('the record\'s queue written', async () => {
    const s = await scrapeMetrics(httpUrl)
    return s.values.get('devnet_record_queued_changes') === 0 ? s : undefined
  }, 30_000)
  const v = (series: string): number => scrape.values.get(series) ?? 0
  return {
    accepted: v('devnet_heartbeats_accepted_total'),
    written: v('devnet_record_changes_written_total'),
    droppedQueueFull: v('devnet_record_changes_dropped_queue_full_total'),
    droppedPaused: v('devnet_record_changes_dropped_paused_total'),
    writeErrors: v('devnet_record_write_errors_total'),
    bytes: v('devnet_record_bytes')
  }
}

// how many sent heartbeats per node keep their send time for the latency lookup
const SEND_TIMES_KEPT = 1024
const HB_PREFIX = new TextEncoder().encode('{"t":"hb"')

function startsWith (line: Uint8Array, prefix: Uint8Array): boolean {
  if (line.length < prefix.length) return false
  for (let k = 0; k < prefix.length; k++) if (line[k] !== prefix[k]) return false
  return true
}

export async function relayCapacity (options: { nodes: number, rates: number[], stepMs: number, log: (line: string) => void }): Promise<CapacityResult> {
  pin(process.pid, 1)
  const relay = await startBenchRelay()
  const peers: Libp2p[] = []
  try {
    const tcp = relay.nodeAddrs.find(a => !a.includes('/ws')) ?? ''
    const ws = relay.browserAddrs[0] ?? ''
    // senders, dialled in small groups so the burst does not dominate the run
    const senders: Array<{ peer: Libp2p, stream: Stream, height: number, sentAt: Float64Array }> = []
    for (let k = 0; k < options.nodes; k += 50) {
      const group = await Promise.all(Array.from({ length: Math.min(50, options.nodes - k) }, async () => {
        const peer = await createPeer()
        peers.push(peer)
        return { peer, stream: await openHeartbeatStream(peer, tcp), height: 0, sentAt: new Float64Array(SEND_TIMES_KEPT) }
      }))
      senders.push(...group)
    }
    const senderByPeer = new Map(senders.map((s, k) => [s.peer.peerId.toString(), k]))
    const head = '{ bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4 }'
    const lineFor = (k: number, height: number): Uint8Array =>
      new TextEncoder().encode(encodeHeartbeatLine({ head, height, nickname: `bench${k}`, minerAddress: 't01000', genesisCid: null }))

    // subscribers: count heartbeat lines; parse one in 8 for the latency sample
    const subscribers = await Promise.all(Array.from({ length: 5 }, async () => {
      const peer = await createPeer()
      peers.push(peer)
      const stream = await peer.dialProtocol(multiaddr(ws), FEED_PROTOCOL)
      const sub = { hb: 0, latencies: [] as number[], senderOf: new Map<number, number>() }
      let seen = 0
      void forEachLine(stream, MAX_FEED_LINE_BYTES, line => {
        if (startsWith(line, HB_PREFIX)) {
          sub.hb++
          if ((++seen & 7) !== 0) return
          const msg = JSON.parse(new TextDecoder().decode(line)) as { i: number, height: number }
          const k = sub.senderOf.get(msg.i)
          if (k == null) return
          const sender = senders[k]
          if (sender != null && sender.height - msg.height < SEND_TIMES_KEPT) {
            sub.latencies.push(performance.now() - (sender.sentAt[msg.height % SEND_TIMES_KEPT] ?? 0))
          }
        } else {
          const text = new TextDecoder().decode(line)
          if (text.startsWith('{"t":"node"')) {
            const msg = JSON.parse(text) as { i: number, node: { peerId: string } }
            const k = senderByPeer.get(msg.node.peerId)
            if (k != null) sub.senderOf.set(msg.i, k)
          }
        }
      }).catch(() => {})
      return sub
    }))

    // every sender beats once so every subscriber knows every node
    senders.forEach((s, k) => { s.height++; s.stream.send(lineFor(k, s.height)) })
    await waitFor('subscribers to know every node', () => subscribers.every(sub => sub.senderOf.size === options.nodes), 60_000)

    const steps: CapacityStep[] = []
    let sustained: CapacityStep | undefined
    for (const rate of options.rates) {
      subscribers.forEach(sub => { sub.hb = 0; sub.latencies = [] })
      const cpu0 = cpuSeconds(relay.pid)
      const load0 = process.cpuUsage()
      const t0 = performance.now()
      let sent = 0
      let next = 0
      while (performance.now() - t0 < options.stepMs) {
        const due = Math.floor(rate * (performance.now() - t0) / 1000) - sent
        for (let n = 0; n < due; n++) {
          const k = next
          next = (next + 1) % senders.length
          const s = senders[k]
          if (s == null) continue
          s.height++
          s.sentAt[s.height % SEND_TIMES_KEPT] = performance.now()
          s.stream.send(lineFor(k, s.height))
        }
        sent += Math.max(0, due)
        await new Promise(resolve => setTimeout(resolve, 5)) // pacing the load
      }
      const elapsed = (performance.now() - t0) / 1000
      // what arrives after the step ended still counts, up to a second late
      const grace = performance.now()
      await waitFor('the step to drain', () => subscribers.every(sub => sub.hb >= sent) || performance.now() - grace > 1_000 || undefined, 5_000).catch(() => {})
      const wall = (performance.now() - t0) / 1000
      const cpu = (cpuSeconds(relay.pid) - cpu0) / wall
      const load = process.cpuUsage(load0)
      const loadCpu = (load.user + load.system) / 1e6 / wall
      const latencies = subscribers.flatMap(sub => sub.latencies).sort((a, b) => a - b)
      const step: CapacityStep = {
        rate,
        offered: Math.round(sent / elapsed),
        delivered: Math.round(Math.min(...subscribers.map(sub => sub.hb)) / elapsed),
        p50: Math.round(percentile(latencies, 0.5)),
        p99: Math.round(percentile(latencies, 0.99)),
        relayCpu: Math.round(cpu * 100),
        relayRssMiB: Math.round(rssBytes(relay.pid) / MiB),
        loadCpu: Math.round(loadCpu * 100)
      }
      steps.push(step)
      options.log(`  offered ${step.offered}/s, delivered ${step.delivered}/s to each of 5, p50 ${step.p50} ms, p99 ${step.p99} ms, relay CPU ${step.relayCpu}%, RSS ${step.relayRssMiB} MiB; load CPU ${step.loadCpu}%`)
      const keptUp = step.delivered >= step.offered * 0.98 && step.p99 <= 250
      if (keptUp) sustained = step
      else break
    }
    return { nodes: options.nodes, subscribers: 5, steps, sustained, record: await recordTally(relay.httpUrl) }
  } finally {
    await Promise.all(peers.map(async p => { await p.stop() }))
    await relay.stop()
  }
}
