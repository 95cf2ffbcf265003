// What the relay's HTTP API answers, read from its parts at request time.
import { FEED_PROTOCOL, FEED_VERSION, HEARTBEAT_PROTOCOL } from '../protocol/index.ts'
import type { RelayAddresses } from './addresses.ts'
import type { FeedService } from './feed-service.ts'
import type { ForkService } from './fork-service.ts'
import type { HttpRoutes } from './http-server.ts'
import type { RelayMetrics } from './metrics.ts'
import type { NodeRegistry } from './registry.ts'

export interface RelayRoutesComponents {
  peerId: string
  addresses: RelayAddresses
  registry: NodeRegistry
  feed: FeedService
  forks: ForkService
  metrics: RelayMetrics
  /** a relay that picks its viewers shows node histories only over the feed, to them */
  viewerAllowlist: boolean
  /** ms since epoch */
  startedAt: number
}

export function relayRoutes (components: RelayRoutesComponents): HttpRoutes {
  const { peerId, addresses, registry, feed, forks, metrics, viewerAllowlist, startedAt } = components
  return {
    relayInfo: () => ({
      peerId,
      multiaddrs: addresses.published,
      feedProtocol: FEED_PROTOCOL,
      feedVersion: FEED_VERSION,
      heartbeatProtocol: HEARTBEAT_PROTOCOL
    }),
    nodes: () => Array.from(registry.nodes(), node => node.record),
    forks: () => forks.forks(),
    snapshot: () => viewerAllowlist ? null : feed.snapshotBytes(),
    health: () => ({
      ok: true,
      peerId,
      nodesKnown: registry.size,
      nodesConnected: registry.connectedCount,
      feedSubscribers: feed.subscriberCount,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000)
    }),
    metrics: async () => await metrics.render()
  }
}
