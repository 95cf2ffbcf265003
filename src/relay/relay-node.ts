// The relay's libp2p node: TCP for devnet nodes and WebSockets for dashboards (and nodes),
// noise and yamux, connection limits set for a devnet, a gater that refuses peers in the
// penalty box, and libp2p's own connection and stream metrics in the relay's registry.
import { noise } from '@chainsafe/libp2p-noise'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { lightLogger } from '../p2p/logger.ts'
import { devnetYamux } from '../p2p/muxer.ts'
import {
  INBOUND_CONNECTIONS_PER_HOST_PER_SECOND, MAX_CONNECTIONS, MAX_PENDING_INBOUND_CONNECTIONS, MAX_STREAMS_PER_CONNECTION, INBOUND_UPGRADE_TIMEOUT_MS
} from './constants.ts'
import { PortInUseError } from './port-in-use.ts'
import type { Clock } from '../p2p/clock.ts'
import type { PenaltyBox } from './access.ts'
import type { RelayMetrics } from './metrics.ts'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

/** What a relay service registers its protocol handler with: the relay's libp2p node. */
export type ProtocolRegistrar = Pick<Libp2p, 'handle' | 'unhandle'>

export interface RelayNodeInit {
  privateKey: PrivateKey
  host: string
  tcpPort: number
  wsPort: number
}

export interface RelayNodeComponents {
  penaltyBox: PenaltyBox
  metrics: RelayMetrics
  /** what time it is, for the penalty box */
  clock: Clock
}

function ipFamily (host: string): 'ip4' | 'ip6' {
  return host.includes(':') ? 'ip6' : 'ip4'
}

/**
 * The relay's libp2p node, not yet listening (listen() starts it): its services register their
 * protocols first, so a node that dials the moment the ports open finds its handler. Started at
 * once, a restarted relay listened while it opened its record (seconds, on a large one), and the
 * nodes that came back then had their heartbeat streams refused and waited out a backoff.
 */
export async function createRelayNode (init: RelayNodeInit, components: RelayNodeComponents): Promise<Libp2p> {
  const { host, tcpPort, wsPort } = init
  const { penaltyBox, metrics, clock } = components
  const family = ipFamily(host)
  const libp2p = await createLibp2p({
    start: false,
    privateKey: init.privateKey,
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
        const banned = penaltyBox.isBanned(remote.toString(), clock.now())
        if (banned) metrics.connectionsRefused.inc({ reason: 'cooling_off' })
        return banned
      }
    },
    // in this relay's registry, not prom-client's global one (several relays share a test
    // process); the process's own metrics come from RelayMetrics, once per process. The
    // module keeps its metric objects by name across instances, and a new instance starts
    // that table over: relays made one after another in a process each get their own, but one
    // made while another is still starting may register a few of its series in the other's
    // registry. The CLI runs one relay per process.
    metrics: prometheusMetrics({ registry: metrics.registry, collectDefaultMetrics: false }),
    connectionManager: {
      maxConnections: MAX_CONNECTIONS,
      inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_HOST_PER_SECOND,
      maxIncomingPendingConnections: MAX_PENDING_INBOUND_CONNECTIONS,
      inboundUpgradeTimeout: INBOUND_UPGRADE_TIMEOUT_MS
    }
  })
  metrics.gauge('devnet_libp2p_connections', 'Open libp2p connections', () => libp2p.getConnections().length)
  return libp2p
}

/** Starts the node made by createRelayNode; rejects with PortInUseError when a listener's port is taken. */
export async function listen (libp2p: Libp2p, ports: Pick<RelayNodeInit, 'tcpPort' | 'wsPort'>): Promise<void> {
  const { tcpPort, wsPort } = ports
  try {
    await libp2p.start()
  } catch (err) {
    const text = String((err as Error).message) + String((err as { cause?: unknown }).cause ?? '')
    if (text.includes('EADDRINUSE')) {
      // libp2p does not say which listener failed; name the likelier one from the message
      throw text.includes(`:${wsPort}`) ? new PortInUseError(wsPort, '--ws-port') : new PortInUseError(tcpPort, '--tcp-port')
    }
    throw err
  }
}
