// Assembles the relay from its parts: its identity and libp2p node, then its services in
// order (known nodes restored before any heartbeat is taken; the HTTP side last), stopped so
// that nothing is lost: the services that take input first, the libp2p node, then the HTTP
// side, and the known nodes written last.
import { logger } from '@libp2p/logger'
import { loadAllowlists, PenaltyBox } from './access.ts'
import { relayAddresses } from './addresses.ts'
import { feedService } from './feed-service.ts'
import { forkService } from './fork-service.ts'
import { heartbeatReceiver } from './heartbeat-receiver.ts'
import { relayRoutes } from './http-routes.ts'
import { httpServer } from './http-server.ts'
import { knownNodesPersistence } from './known-nodes.ts'
import { RelayMetrics, registerNodeGauges } from './metrics.ts'
import { NodeRegistry } from './registry.ts'
import { createRelayNode } from './relay-node.ts'
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

  const metrics = new RelayMetrics()
  const registry = new NodeRegistry()
  // the fork monitor says which network is the main one; made below, read at scrape time
  let mainNetwork = (): string | null => null
  registerNodeGauges(metrics, registry, () => mainNetwork())
  const penaltyBox = new PenaltyBox()
  const libp2p = await createRelayNode({ privateKey: key, host, tcpPort: init.tcpPort ?? 4001, wsPort: init.wsPort ?? 4002 }, { penaltyBox, metrics })
  const peerId = libp2p.peerId.toString()
  const addresses = relayAddresses(libp2p.getMultiaddrs(), init.announce ?? [], peerId)

  const knownNodes = knownNodesPersistence()({ registry, dataDir })
  const receiver = heartbeatReceiver({
    ...(allowlists.nodes != null ? { allowedNodes: allowlists.nodes } : {}),
    ...(init.maxBeatsPerSecond != null ? { maxBeatsPerSecond: init.maxBeatsPerSecond } : {}),
    ...(init.coolOffMs != null ? { coolOffMs: init.coolOffMs } : {}),
    ...(init.quietProbe != null ? { quietProbe: init.quietProbe } : {})
  })({ registry, metrics, penaltyBox, registrar: libp2p })
  const feed = feedService({
    ...(allowlists.viewers != null ? { allowedViewers: allowlists.viewers } : {}),
    ...(init.maxViewers != null ? { maxSubscribers: init.maxViewers } : {}),
    ...(init.feedDrainTimeoutMs != null ? { drainTimeoutMs: init.feedDrainTimeoutMs } : {}),
    ...(init.quietProbe != null ? { probe: init.quietProbe } : {})
  })({ registry, metrics, registrar: libp2p, relayPeerId: peerId })
  const forks = forkService()({ registry, metrics, publish: (key, bytes) => { feed.publish(key, bytes) } })
  mainNetwork = () => forks.monitor.main
  const http = httpServer({
    host,
    port: init.httpPort ?? 8080,
    ...(init.staticDir != null ? { staticDir: init.staticDir } : {})
  })({
    routes: relayRoutes({ peerId, addresses, registry, feed, forks, metrics, viewerAllowlist: allowlists.viewers != null, startedAt: Date.now() })
  })

  // the expected roster, after the known nodes are restored: shown from the start, missing
  // until first heard; the fork monitor starts before heartbeats come in, and stops after they have
  const roster = init.roster != null ? rosterFile(init.roster)({ registry }) : undefined
  const startOrder: Service[] = [knownNodes, ...(roster != null ? [roster] : []), forks, receiver, feed, http]
  const stopOrder: Service[] = [...(roster != null ? [roster] : []), receiver, forks, feed, libp2p, http, knownNodes]
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
    nodeAddrs: addresses.nodeAddrs,
    browserAddrs: addresses.browserAddrs,
    allowlists: {
      ...(allowlists.nodes != null ? { nodes: allowlists.nodes.size } : {}),
      ...(allowlists.viewers != null ? { viewers: allowlists.viewers.size } : {})
    },
    expect: (source, entries) => { registry.expect(source, entries) },
    stop
  }
}
