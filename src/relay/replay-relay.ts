// `devnet-dashboard replay`: a relay that serves a recorded devnet instead of a live one. It
// reads a record (never writes it), plays its changes into a node registry on a clock that
// runs from --from at --speed, and serves them over the same feed and HTTP API as a live relay,
// so a post-mortem is watched on the same page. It takes no heartbeats.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import { systemClock } from '../p2p/clock.ts'
import type { Clock } from '../p2p/clock.ts'
import { PenaltyBox } from './access.ts'
import { relayAddresses } from './addresses.ts'
import { feedService } from './feed-service.ts'
import { FORK_EVALUATE_MS, forkService, PROPAGATION_SEND_MS } from './fork-service.ts'
import { relayRoutes } from './http-routes.ts'
import { httpServer } from './http-server.ts'
import { RelayMetrics, registerNodeGauges } from './metrics.ts'
import { RecordQueries } from './record/index.ts'
import { RECORD_FILE } from './record/constants.ts'
import { NodeRegistry } from './registry.ts'
import { createRelayNode, listen } from './relay-node.ts'
import { Replay } from './replay.ts'
import { RegistryReplayTarget } from './replay-target.ts'

const log = logger('devnet:relay:replay')

// how often nodes that were beating beat between recorded changes is checked (real time)
const BEAT_TICK_MS = 250
// how often a replay waiting for its first dashboard looks
const VIEWER_POLL_MS = 100
// the fork monitor evaluates as often in record time as a live relay does, but not more often
// than this in real time (a fast replay of 1,000 nodes)
const MIN_EVALUATE_MS = 25

export class NoRecordError extends Error {
  static name = 'NoRecordError'
  constructor (dir: string) {
    super(`${join(dir, RECORD_FILE)} holds no record: run the relay with --data-dir ${dir} first`)
    this.name = 'NoRecordError'
  }
}

export interface ReplayRelayInit {
  /** the recording relay's data dir */
  dataDir: string
  /** default: where the record begins and ends */
  from?: number
  to?: number
  speed?: number
  host?: string
  httpPort?: number
  wsPort?: number
  staticDir?: string
  /** start playing when the first dashboard subscribes, not at once (a post-mortem starts
   *  when someone watches it); default false */
  waitForViewer?: boolean
}

export interface ReplayRelay {
  readonly peerId: string
  readonly httpUrl: string
  readonly browserAddrs: string[]
  readonly from: number
  readonly to: number
  readonly speed: number
  /** resolves when the replay has reached `to` (the relay keeps serving its last state) */
  readonly finished: Promise<void>
  stop: () => Promise<void>
}

export async function startReplayRelay (init: ReplayRelayInit): Promise<ReplayRelay> {
  const file = join(init.dataDir, RECORD_FILE)
  if (!existsSync(file)) throw new NoRecordError(init.dataDir)
  const queries = new RecordQueries(file)
  const range = await queries.range()
  if (range == null) throw new NoRecordError(init.dataDir)
  const from = init.from ?? range.from
  const to = init.to ?? range.to
  const host = init.host ?? '127.0.0.1'

  const metrics = new RelayMetrics()
  const registry = new NodeRegistry()
  registerNodeGauges(metrics, registry)
  // an identity of its own: replay touches nothing in the data dir, the relay's key included
  const ports = { tcpPort: 0, wsPort: init.wsPort ?? 4002 }
  const libp2p = await createRelayNode({ privateKey: await generateKeyPair('Ed25519'), host, ...ports }, { penaltyBox: new PenaltyBox(), metrics, clock: systemClock })
  await listen(libp2p, ports)
  const peerId = libp2p.peerId.toString()
  const addresses = relayAddresses(libp2p.getMultiaddrs(), [], peerId)

  let target: RegistryReplayTarget | undefined
  const replay = new Replay({
    source: queries,
    target: { begin: (nodes, at) => { target?.begin(nodes, at) }, change: change => { target?.change(change) } },
    from,
    to,
    ...(init.speed != null ? { speed: init.speed } : {})
  })
  target = new RegistryReplayTarget({ registry, now: replay.now })
  // the feed tells the replayed time (the page shows the incident's times); its batches, pings
  // and timeouts are for the viewers' connections, on the real clock
  const replayedClock: Clock = { ...systemClock, now: replay.now }
  const feed = feedService({ clock: replayedClock })({ registry, metrics, registrar: libp2p, relayPeerId: peerId })
  // the fork panel, as the replayed heads make it: a monitor of its own, numbering forks on from
  // the last the record's log began before `from` (so they match the log in the event list).
  // It logs nothing: the record is read, never written
  const forks = forkService({
    clock: replayedClock,
    evaluateMs: Math.max(MIN_EVALUATE_MS, FORK_EVALUATE_MS / replay.speed),
    propagationMs: Math.max(MIN_EVALUATE_MS, PROPAGATION_SEND_MS / replay.speed)
  })({ registry, metrics, publish: (key, bytes) => { feed.publish(key, bytes) } })
  const [before] = await queries.forks({ from: 0, to: from, limit: 1 })
  if (before !== undefined) forks.monitor.continueIdsAfter(before.endedAt !== null && before.endedAt <= from ? before.id : before.id - 1)
  const http = httpServer({ host, port: init.httpPort ?? 8080, ...(init.staticDir != null ? { staticDir: init.staticDir } : {}) })({
    routes: relayRoutes({
      peerId, addresses: () => addresses, registry, feed, metrics, viewerAllowlist: false, startedAt: Date.now(), clock: systemClock, record: queries,
      relayInfoExtra: { replay: { from, to, speed: replay.speed } }
    })
  })
  try {
    forks.start()
    await feed.start()
    await http.start()
  } catch (err) {
    forks.stop()
    await feed.stop()
    await libp2p.stop()
    await http.stop()
    throw err
  }
  const tick = setInterval(() => { target?.tick() }, BEAT_TICK_MS)
  let stopped = false
  const viewer = async (): Promise<void> => {
    // a count the feed keeps; looked at a few times a second until someone subscribes
    while (init.waitForViewer === true && feed.subscriberCount === 0 && !stopped) await new Promise(resolve => setTimeout(resolve, VIEWER_POLL_MS))
  }
  const finished = viewer()
    .then(async () => { if (!stopped) await replay.run() })
    .then(() => { log('replay finished at %s', new Date(to).toISOString()) })
  let stopping: Promise<void> | undefined
  const httpHost = host.includes(':') ? `[${host}]` : host
  return {
    peerId,
    httpUrl: `http://${httpHost}:${http.port}`,
    browserAddrs: addresses.browserAddrs,
    from,
    to,
    speed: replay.speed,
    finished,
    stop: async () => {
      stopping ??= (async () => {
        stopped = true
        clearInterval(tick)
        replay.stop()
        await finished.catch(() => {})
        forks.stop()
        await feed.stop()
        await libp2p.stop()
        await http.stop()
      })()
      await stopping
    }
  }
}
