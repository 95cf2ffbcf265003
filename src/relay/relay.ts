// Assembles the relay from its parts: its identity and libp2p node, then its services in
// order (known nodes restored before any heartbeat is taken; the HTTP side last), stopped so
// that nothing is lost: the services that take input first, the libp2p node, then the HTTP
// side, the history record, and the known nodes written last.
import { logger } from '@libp2p/logger'
import { systemClock } from '../p2p/clock.ts'
import { loadAllowlists, PenaltyBox } from './access.ts'
import { relayAddresses } from './addresses.ts'
import type { RelayAddresses } from './addresses.ts'
import { feedService } from './feed-service.ts'
import { forkService } from './fork-service.ts'
import { heartbeatReceiver } from './heartbeat-receiver.ts'
import { historyService, registerHistoryMetrics } from './history-service.ts'
import { DEFAULT_HISTORY_DAYS, DEFAULT_HISTORY_MAX_MB } from './record/constants.ts'
import { relayRoutes } from './http-routes.ts'
import { httpServer } from './http-server.ts'
import { knownNodesPersistence } from './known-nodes.ts'
import { RelayMetrics, registerNodeGauges, registerPerNodeGauges } from './metrics.ts'
import { NodeRegistry } from './registry.ts'
import { createRelayNode, listen } from './relay-node.ts'
import { loadOrCreateKey } from './storage.ts'
import { rosterFile } from './roster.ts'
import type { Relay, RelayInit } from './index.ts'

const log = logger('devnet:relay')

/** What start() and stop() are called on, in order. */
interface Service {
  start?: () => void | Promise<void>
  stop: () => void | Promise<void>
}

export async function startRelay (init: RelayInit): Promise<Relay> {
  const { dataDir } = init
  const host = init.host ?? '127.0.0.1'
  const { key, created } = await loadOrCreateKey(dataDir)
  log('%s relay key in %s', created ? 'created' : 'loaded', dataDir)
  const allowlists = await loadAllowlists(dataDir, init)
  const clock = init.clock ?? systemClock

  const metrics = new RelayMetrics()
  const registry = new NodeRegistry()
  // the fork monitor says which network is the main one; made below, read at scrape time
  let mainNetwork = (): string | null => null
  registerNodeGauges(metrics, registry, () => mainNetwork())
  registerPerNodeGauges(metrics, registry)
  const penaltyBox = new PenaltyBox()
  const ports = { tcpPort: init.tcpPort ?? 4001, wsPort: init.wsPort ?? 4002 }
  const libp2p = await createRelayNode({ privateKey: key, host, ...ports }, { penaltyBox, metrics, clock })
  const peerId = libp2p.peerId.toString()
  // known once it listens (a port 0 is the system's pick), which is after the services below
  // have registered their protocols and before the HTTP server answers
  let addresses: RelayAddresses | undefined
  const listening: Service = {
    start: async () => {
      await listen(libp2p, ports)
      addresses = relayAddresses(libp2p.getMultiaddrs(), init.announce ?? [], peerId)
    },
    // the libp2p node itself stops in its place below
    stop: () => {}
  }
  const addressesNow = (): RelayAddresses => {
    if (addresses === undefined) throw new Error('the relay is not listening yet')
    return addresses
  }

  const knownNodes = knownNodesPersistence({ clock })({ registry, dataDir })
  const history = historyService({
    clock,
    ...(init.historyDays != null ? { historyDays: init.historyDays } : {}),
    ...(init.historyMaxMb != null ? { historyMaxMb: init.historyMaxMb } : {})
  })({ registry, dataDir })
  registerHistoryMetrics(metrics, history)
  const receiver = heartbeatReceiver({
    ...(allowlists.nodes != null ? { allowedNodes: allowlists.nodes } : {}),
    ...(init.maxBeatsPerSecond != null ? { maxBeatsPerSecond: init.maxBeatsPerSecond } : {}),
    ...(init.coolOffMs != null ? { coolOffMs: init.coolOffMs } : {}),
    ...(init.quietProbe != null ? { quietProbe: init.quietProbe } : {}),
    clock
  })({ registry, metrics, penaltyBox, registrar: libp2p })
  const feed = feedService({
    ...(allowlists.viewers != null ? { allowedViewers: allowlists.viewers } : {}),
    ...(init.maxViewers != null ? { maxSubscribers: init.maxViewers } : {}),
    ...(init.feedDrainTimeoutMs != null ? { drainTimeoutMs: init.feedDrainTimeoutMs } : {}),
    ...(init.quietProbe != null ? { probe: init.quietProbe } : {}),
    clock
  })({ registry, metrics, registrar: libp2p, relayPeerId: peerId })
  const forks = forkService({ clock })({ registry, metrics, publish: (key, bytes) => { feed.publish(key, bytes) }, record: history.record })
  mainNetwork = () => forks.monitor.main
  const http = httpServer({
    host,
    port: init.httpPort ?? 8080,
    ...(init.staticDir != null ? { staticDir: init.staticDir } : {}),
    clock
  })({
    routes: relayRoutes({ peerId, addresses: addressesNow, registry, feed, forks, metrics, viewerAllowlist: allowlists.viewers != null, startedAt: clock.now(), clock, record: history.record })
  })

  // the record starts after the known nodes (so nodes from earlier runs are not new to its
  // event list) and before the roster and any heartbeat; it stops after the libp2p node, so the
  // nodes' streams closing are recorded, and its last changes are written before the process ends.
  // The expected roster, after the known nodes are restored: shown from the start, missing
  // until first heard (the record keeps nothing of a node until it is heard). The fork monitor
  // starts before heartbeats come in, and stops after they have
  const roster = init.roster != null ? rosterFile(init.roster)({ registry, clock }) : undefined
  const startOrder: Service[] = [knownNodes, history, ...(roster != null ? [roster] : []), forks, receiver, feed, listening, http]
  const stopOrder: Service[] = [...(roster != null ? [roster] : []), receiver, forks, feed, libp2p, http, history, knownNodes]
  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= (async () => { for (const service of stopOrder) await service.stop() })()
    await stopping
  }
  try {
    for (const service of startOrder) await service.start?.()
  } catch (err) {
    await stop()
    throw err
  }

  const httpHost = host.includes(':') ? `[${host}]` : host
  return {
    peerId,
    httpUrl: `http://${httpHost}:${http.port}`,
    nodeAddrs: addressesNow().nodeAddrs,
    browserAddrs: addressesNow().browserAddrs,
    history: { days: init.historyDays ?? DEFAULT_HISTORY_DAYS, maxMb: init.historyMaxMb ?? DEFAULT_HISTORY_MAX_MB },
    allowlists: {
      ...(allowlists.nodes != null ? { nodes: allowlists.nodes.size } : {}),
      ...(allowlists.viewers != null ? { viewers: allowlists.viewers.size } : {})
    },
    expect: (source, entries) => { registry.expect(source, entries) },
    stop
  }
}
