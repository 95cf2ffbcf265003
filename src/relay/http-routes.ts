// What the relay's HTTP API answers, read from its parts at request time.
import { FEED_PROTOCOL, FEED_VERSION, HEARTBEAT_PROTOCOL } from '../protocol/index.ts'
import type { Clock } from '../p2p/clock.ts'
import type { RelayAddresses } from './addresses.ts'
import type { FeedService } from './feed-service.ts'
import type { ForkService } from './fork-service.ts'
import { serveForks, serveHistory } from './history-routes.ts'
import type { RecordReadable } from './history-routes.ts'
import type { ForksQuery } from './record/index.ts'
import type { HttpRoutes } from './http-server.ts'
import type { RelayMetrics } from './metrics.ts'
import type { NodeRegistry } from './registry.ts'

export interface RelayRoutesComponents {
  peerId: string
  /** where the relay listens (known once it does) */
  addresses: () => RelayAddresses
  registry: NodeRegistry
  feed: FeedService
  /** the fork monitor; none in a replay: /api/forks reads the record alone */
  forks?: ForkService
  metrics: RelayMetrics
  /** a relay that picks its viewers shows node histories only over the feed, to them */
  viewerAllowlist: boolean
  /** ms since epoch */
  startedAt: number
  /** the relay's clock, for its uptime */
  clock: Clock
  /** the record behind /api/history, /api/events and /api/state */
  record?: RecordReadable
  /** what /relay.json adds: replay says what it plays */
  relayInfoExtra?: Record<string, unknown>
}

export function relayRoutes (components: RelayRoutesComponents): HttpRoutes {
  const { peerId, addresses, registry, feed, forks, metrics, viewerAllowlist, startedAt, clock, record, relayInfoExtra } = components
  return {
    ...(record != null ? { history: async (url, req, res) => await serveHistory({ record, viewerAllowlist, now: clock.now }, url, req, res) } : {}),
    relayInfo: () => ({
      peerId,
      multiaddrs: addresses().published,
      feedProtocol: FEED_PROTOCOL,
      feedVersion: FEED_VERSION,
      heartbeatProtocol: HEARTBEAT_PROTOCOL,
      ...relayInfoExtra
    }),
    nodes: () => Array.from(registry.nodes(), node => node.record),
    forks: async (url, res) => {
      const read = forks != null
        ? async (query: ForksQuery) => await forks.forks(query)
        : async (query: ForksQuery) => await (record?.forks?.(query) ?? Promise.resolve([]))
      await serveForks(read, clock.now(), url, res)
    },
    snapshot: () => viewerAllowlist ? null : feed.snapshotBytes(),
    health: () => ({
      ok: true,
      peerId,
      nodesKnown: registry.size,
      nodesConnected: registry.connectedCount,
      feedSubscribers: feed.subscriberCount,
      uptimeSeconds: Math.round((clock.now() - startedAt) / 1000)
    }),
    metrics: async () => await metrics.render()
  }
}
