// Assembles the relay: identity, libp2p (TCP + WebSockets, noise, yamux), the heartbeat
// receiver, the feed, persistence of known nodes and the HTTP side.
import { fileURLToPath } from 'node:url'
import { noise } from '@chainsafe/libp2p-noise'
import { logger } from '@libp2p/logger'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { lightLogger } from '../p2p/logger.ts'
import { devnetYamux } from '../p2p/muxer.ts'
import { FEED_PROTOCOL, FEED_VERSION, HEARTBEAT_PROTOCOL } from '../protocol/index.ts'
import {
  ALLOWED_NODES_FILE, ALLOWED_VIEWERS_FILE, INBOUND_CONNECTIONS_PER_HOST_PER_SECOND, MAX_CONNECTIONS, MAX_HEARTBEAT_STREAMS_PER_CONNECTION,
  MAX_PENDING_INBOUND_CONNECTIONS, MAX_STREAMS_PER_CONNECTION, PERSIST_INTERVAL_MS
} from './constants.ts'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadPeerList, PenaltyBox } from './access.ts'
import { FeedService } from './feed-service.ts'
import { HeartbeatReceiver } from './heartbeat-receiver.ts'
import { PortInUseError, startHttpServer, stopHttpServer } from './http-server.ts'
import { MetricsRegistry, relayCounters } from './metrics.ts'
import { NodeRegistry } from './registry.ts'
import { loadKnownNodes, loadOrCreateKey, saveKnownNodes } from './storage.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { Relay, RelayInit } from './index.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

const log = logger('devnet:relay')

const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../dist/', import.meta.url))

function isWebSocket (addr: Multiaddr): boolean {
  return addr.getComponents().some(c => c.name === 'ws' || c.name === 'wss' || c.name === 'tls')
}

function ipFamily (host: string): 'ip4' | 'ip6' {
  return host.includes(':') ? 'ip6' : 'ip4'
}

function withPeer (addr: string, peerId: string): string {
  return addr.includes('/p2p/') ? addr : `${addr}/p2p/${peerId}`
}

export async function startRelay (init: RelayInit): Promise<Relay> {
  const host = init.host ?? '127.0.0.1'
  const tcpPort = init.tcpPort ?? 4001
  const wsPort = init.wsPort ?? 4002
  const httpPort = init.httpPort ?? 8080
  const { key, created } = await loadOrCreateKey(init.dataDir)
  log('%s relay key in %s', created ? 'created' : 'loaded', init.dataDir)

  const metrics = new MetricsRegistry()
  const counters = relayCounters(metrics)
  const registry = new NodeRegistry()
  registry.restore(await loadKnownNodes(init.dataDir))
  registry.dirty = false

  const inDataDir = (name: string): string | undefined => existsSync(join(init.dataDir, name)) ? join(init.dataDir, name) : undefined
  const allowedNodes = await loadPeerList(inDataDir(ALLOWED_NODES_FILE), init.allowNodes)
  const allowedViewers = await loadPeerList(inDataDir(ALLOWED_VIEWERS_FILE), init.allowViewers)
  const penaltyBox = new PenaltyBox()

  const family = ipFamily(host)
  let libp2p
  try {
    libp2p = await createLibp2p({
      privateKey: key,
      logger: lightLogger(),
      // libp2p's monitor opens a ping stream to every connection at once every 10 s: at 1,000
      // nodes a burst of 1,000 stream negotiations that stalled heartbeats behind it (p99 ~160 ms
      // at 2,000 beats/s) and churned the heap. The relay learns what it needs without it: a
      // silent node shows as stale from its heartbeats, and only silent ones are probed (the
      // heartbeat receiver's quiet probe), which drops a vanished host within a minute;
      // dashboards, which never send, are probed every 30 s (the feed's viewer probe), and one
      // that stops reading is closed by the feed's drain timeout.
      connectionMonitor: { enabled: false },
      addresses: { listen: [`/${family}/${host}/tcp/${tcpPort}`, `/${family}/${host}/tcp/${wsPort}/ws`] },
      transports: [tcp(), webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [devnetYamux({ maxInboundStreams: MAX_STREAMS_PER_CONNECTION })],
      connectionGater: {
        // a peer cut off for bad input is refused as soon as its identity is known
        denyInboundEncryptedConnection: (remote) => {
          const banned = penaltyBox.isBanned(remote.toString(), Date.now())
          if (banned) counters.connectionsRefused.inc({ reason: 'cooling_off' })
          return banned
        }
      },
      connectionManager: {
        maxConnections: MAX_CONNECTIONS,
        inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_HOST_PER_SECOND,
        maxIncomingPendingConnections: MAX_PENDING_INBOUND_CONNECTIONS
      }
    })
  } catch (err) {
    const text = String((err as Error).message) + String((err as { cause?: unknown }).cause ?? '')
    if (text.includes('EADDRINUSE')) {
      // libp2p does not say which listener failed; name the likelier one from the message
      throw text.includes(`:${wsPort}`) ? new PortInUseError(wsPort, '--ws-port') : new PortInUseError(tcpPort, '--tcp-port')
    }
    throw err
  }
  const peerId = libp2p.peerId.toString()

  const receiver = new HeartbeatReceiver({
    registry,
    counters,
    penaltyBox,
    ...(allowedNodes != null ? { allowedNodes } : {}),
    ...(init.maxBeatsPerSecond != null ? { maxBeatsPerSecond: init.maxBeatsPerSecond } : {}),
    ...(init.coolOffMs != null ? { coolOffMs: init.coolOffMs } : {}),
    ...(init.quietProbe != null ? { quietProbe: init.quietProbe } : {})
  })
  receiver.start()
  const feed = new FeedService({
    registry,
    counters,
    relayPeerId: peerId,
    ...(allowedViewers != null ? { allowedViewers } : {}),
    ...(init.maxViewers != null ? { maxSubscribers: init.maxViewers } : {}),
    ...(init.feedDrainTimeoutMs != null ? { drainTimeoutMs: init.feedDrainTimeoutMs } : {}),
    ...(init.quietProbe != null ? { probe: init.quietProbe } : {})
  })
  feed.start()
  await libp2p.handle(HEARTBEAT_PROTOCOL, (stream, connection) => receiver.handleStream(stream, connection), {
    maxInboundStreams: MAX_HEARTBEAT_STREAMS_PER_CONNECTION
  })
  await libp2p.handle(FEED_PROTOCOL, (stream, connection) => feed.handleStream(stream, connection), {
    maxInboundStreams: 2
  })

  const announced = (init.announce ?? []).map(addr => withPeer(addr, peerId))
  const listening = libp2p.getMultiaddrs()
  const tcpAddrs = listening.filter(addr => !isWebSocket(addr)).map(String)
  const wsAddrs = listening.filter(isWebSocket).map(String)
  const announcedWs = announced.filter(addr => /\/(ws|wss|tls)(\/|$)/.test(addr))
  const nodeAddrs = [...announced, ...tcpAddrs, ...wsAddrs]
  const browserAddrs = [...announcedWs, ...wsAddrs]

  // what several gauges share is computed once per scrape (consensus walks every node)
  let scrape = { consensus: registry.consensus(), memory: process.memoryUsage() }
  metrics.gauge('devnet_nodes_connected', 'Nodes with an open heartbeat stream', () => registry.connectedCount)
  metrics.gauge('devnet_nodes_known', 'Nodes the relay remembers, online or not', () => registry.size)
  metrics.gauge('devnet_nodes_in_consensus', 'Connected nodes at the best height on its most common head', () => scrape.consensus.inConsensus)
  metrics.gauge('devnet_nodes_in_dispute', 'Connected nodes at the best height on another head', () => scrape.consensus.inDispute)
  metrics.gauge('devnet_best_height', 'Highest height among connected nodes', () => scrape.consensus.bestHeight)
  metrics.gauge('devnet_feed_subscribers', 'Dashboards subscribed to the feed', () => feed.subscriberCount)
  metrics.gauge('devnet_feed_buffered_bytes', 'Bytes queued for feed subscribers and not yet taken by the muxer', () => feed.bufferedBytes())
  metrics.gauge('devnet_feed_dirty_nodes', 'Nodes waiting to be sent as latest state to subscribers that are behind', () => feed.dirtyNodes())
  metrics.gauge('devnet_heartbeat_streams', 'Open heartbeat streams', () => receiver.streamCount)
  metrics.gauge('devnet_libp2p_connections', 'Open libp2p connections', () => libp2p.getConnections().length)
  metrics.gauge('process_resident_memory_bytes', 'Resident memory of the relay process', () => scrape.memory.rss)
  metrics.gauge('nodejs_heap_used_bytes', 'V8 heap in use', () => scrape.memory.heapUsed)
  metrics.gauge('nodejs_external_memory_bytes', 'Memory outside the V8 heap held by JS objects (buffers)', () => scrape.memory.external)

  metrics.gauge('devnet_peers_cooling_off', 'Peers refused for now after too many bad lines', () => penaltyBox.size)

  const startedAt = Date.now()
  const records = (): NodeRecord[] => Array.from(registry.nodes(), node => node.record)
  let server
  try {
    server = await startHttpServer({
      host,
      port: httpPort,
      staticDir: init.staticDir ?? DEFAULT_STATIC_DIR,
      routes: {
        relayInfo: () => ({
          peerId,
          multiaddrs: [...announced, ...wsAddrs, ...tcpAddrs],
          feedProtocol: FEED_PROTOCOL,
          feedVersion: FEED_VERSION,
          heartbeatProtocol: HEARTBEAT_PROTOCOL
        }),
        nodes: records,
        snapshot: () => allowedViewers != null ? null : feed.snapshotBytes(),
        health: () => ({
          ok: true,
          peerId,
          nodesKnown: registry.size,
          nodesConnected: registry.connectedCount,
          feedSubscribers: feed.subscriberCount,
          uptimeSeconds: Math.round((Date.now() - startedAt) / 1000)
        }),
        metrics: () => {
          scrape = { consensus: registry.consensus(), memory: process.memoryUsage() }
          return metrics.render()
        }
      }
    })
  } catch (err) {
    receiver.stop()
    feed.stop()
    await libp2p.stop()
    throw err
  }
  const address = server.address()
  const boundPort = typeof address === 'object' && address != null ? address.port : httpPort
  const httpHost = family === 'ip6' ? `[${host}]` : host

  let saving: Promise<void> | undefined
  const persist = async (): Promise<void> => {
    if (saving != null || !registry.dirty) return
    registry.dirty = false
    saving = saveKnownNodes(init.dataDir, records())
      .catch(err => { registry.dirty = true; log.error('could not save known nodes: %e', err) })
      .finally(() => { saving = undefined })
    await saving
  }
  const persistTimer = setInterval(() => { void persist() }, PERSIST_INTERVAL_MS)

  let stopping: Promise<void> | undefined
  return {
    peerId,
    httpUrl: `http://${httpHost}:${boundPort}`,
    nodeAddrs,
    browserAddrs,
    allowlists: {
      ...(allowedNodes != null ? { nodes: allowedNodes.size } : {}),
      ...(allowedViewers != null ? { viewers: allowedViewers.size } : {})
    },
    stop: async () => {
      stopping ??= (async () => {
        clearInterval(persistTimer)
        receiver.stop()
        feed.stop()
        await libp2p.stop()
        await stopHttpServer(server)
        await saving
        registry.dirty = true
        await persist()
      })()
      await stopping
    }
  }
}
