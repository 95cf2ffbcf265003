// The relay's Prometheus metrics, through prom-client. Each relay has a registry of its own
// (tests run several relays in one process, and prom-client's global registry would mix
// them); Node's process metrics are the process's, collected once into a registry of their
// own and appended to every relay's /metrics.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { NodeRegistry } from './registry.ts'
import type { NodeRecord } from '../protocol/index.ts'

// prom-client's collectors for the process (CPU, memory, event loop lag, GC) install an event
// loop monitor and a GC observer that have no way to be removed: made once per process, never
// per relay, so starting and stopping relays does not pile them up
let processRegistry: Registry | undefined
function processMetrics (): Registry {
  if (processRegistry == null) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

// From a heartbeat line accepted to the batch carrying it handed to subscribers' streams: the
// feed gathers changes for FEED_BATCH_MS (25 ms), so most land in the 10-50 ms buckets; the
// benchmark's line is p99 ≤ 250 ms
const FEED_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/** One relay's metrics: counters the services increment, gauges read on scrape. */
export class RelayMetrics {
  readonly registry = new Registry()
  readonly #beforeScrape: Array<() => void> = []

  readonly heartbeatsAccepted = this.#counter('devnet_heartbeats_accepted_total', 'Heartbeat lines accepted')
  /** label values come from RejectReason, never from the network */
  readonly heartbeatsRejected = this.#counter('devnet_heartbeats_rejected_total', 'Heartbeat lines or streams refused, by reason', 'reason')
  readonly feedEventsCoalesced = this.#counter('devnet_feed_events_coalesced_total', 'Feed events folded into latest-state-per-node for subscribers that were behind')
  readonly feedSubscribersClosed = this.#counter('devnet_feed_subscribers_closed_total', 'Feed subscribers closed by the relay, by reason', 'reason')
  readonly feedSubscribersRefused = this.#counter('devnet_feed_subscribers_refused_total', 'Feed subscriptions refused, by reason', 'reason')
  readonly quietProbes = this.#counter('devnet_quiet_probes_total', 'Silent heartbeat connections asked whether their host is there, by result (answered, unanswered: disconnected)', 'result')
  readonly viewerProbes = this.#counter('devnet_viewer_probes_total', 'Feed subscribers (dashboards send nothing) asked every 30 s whether their host is there, by result (answered, unanswered: disconnected)', 'result')
  readonly peersCutOff = this.#counter('devnet_peers_cut_off_total', 'Peers disconnected for too many bad heartbeat lines')
  readonly connectionsRefused = this.#counter('devnet_connections_refused_total', 'Inbound connections refused, by reason', 'reason')
  /** seconds; observed once per heartbeat in each batch, no labels */
  readonly heartbeatFeedLatency = new Histogram({
    name: 'devnet_heartbeat_feed_latency_seconds',
    help: 'Time from a heartbeat line accepted to the feed batch carrying it handed to subscribers\' streams',
    buckets: FEED_LATENCY_BUCKETS,
    registers: [this.registry]
  })

  /** A gauge whose value is read when /metrics is scraped. */
  gauge (name: string, help: string, read: () => number): void {
    // eslint-disable-next-line no-new
    new Gauge({ name, help, registers: [this.registry], collect () { this.set(read()) } })
  }

  /** Runs before each scrape's gauges are read: work that several gauges share goes here. */
  beforeScrape (prepare: () => void): void {
    this.#beforeScrape.push(prepare)
  }

  get contentType (): string {
    return this.registry.contentType
  }

  /** The exposition text: this relay's series, then the process's. */
  async render (): Promise<string> {
    for (const prepare of this.#beforeScrape) prepare()
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()])
    return own + process
  }

  #counter<L extends string = never> (name: string, help: string, ...labelNames: L[]): Counter<L> {
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] })
  }
}

/** The gauges over what the registry knows; consensus walks every node, so once per scrape.
 *  `network`: the genesis of the network consensus is counted in (the fork monitor's main
 *  one: another network's nodes are not in dispute with this one's). */
export function registerNodeGauges (metrics: RelayMetrics, registry: NodeRegistry, network?: () => string | null): void {
  const count = (): ReturnType<NodeRegistry['consensus']> => network === undefined ? registry.consensus() : registry.consensus(network())
  let consensus = count()
  metrics.beforeScrape(() => { consensus = count() })
  metrics.gauge('devnet_nodes_connected', 'Nodes with an open heartbeat stream', () => registry.connectedCount)
  metrics.gauge('devnet_nodes_known', 'Nodes the relay remembers, online or not', () => registry.size)
  metrics.gauge('devnet_nodes_missing', 'Nodes on the expected roster never heard yet', () => registry.missingCount)
  metrics.gauge('devnet_nodes_in_consensus', 'Connected nodes of the main network at its best height on its most common round (heads sharing a block are one)', () => consensus.inConsensus)
  metrics.gauge('devnet_nodes_in_dispute', 'Connected nodes of the main network at its best height on another round', () => consensus.inDispute)
  metrics.gauge('devnet_best_height', 'Highest height among the main network\'s connected nodes', () => consensus.bestHeight)
}

// A nickname is the network's to choose: in a label it is cut to this (prom-client escapes
// quotes, backslashes and newlines)
const MAX_LABEL_NICKNAME = 64

/**
 * Per-node series, for Grafana: height, seconds since the last beat, connected; labelled by
 * peer ID and nickname. One series each per known node: the registry's cap (MAX_KNOWN_NODES)
 * bounds them, and a forgotten node's go at the next scrape.
 */
export function registerPerNodeGauges (metrics: RelayMetrics, registry: NodeRegistry, now: () => number = Date.now): void {
  const labelNames = ['peer_id', 'nickname'] as const
  // null: no series for this node (one on the roster never heard has no height or last beat)
  const each = (read: (record: NodeRecord) => number | null) => function (this: Gauge<'peer_id' | 'nickname'>): void {
    this.reset()
    for (const { record } of registry.nodes()) {
      const value = read(record)
      if (value !== null) this.set({ peer_id: record.peerId, nickname: record.nickname.slice(0, MAX_LABEL_NICKNAME) }, value)
    }
  }
  // eslint-disable-next-line no-new
  new Gauge({ name: 'devnet_node_height', help: 'A node\'s height, as of its last heartbeat', labelNames, registers: [metrics.registry], collect: each(r => r.lastHeartbeatAt === null ? null : r.height) })
  // eslint-disable-next-line no-new
  new Gauge({ name: 'devnet_node_seconds_since_beat', help: 'Seconds since a node\'s last heartbeat', labelNames, registers: [metrics.registry], collect: each(r => r.lastHeartbeatAt === null ? null : Math.max(0, (now() - r.lastHeartbeatAt) / 1000)) })
  // eslint-disable-next-line no-new
  new Gauge({ name: 'devnet_node_connected', help: 'Whether a node has an open heartbeat stream (1) or not (0)', labelNames, registers: [metrics.registry], collect: each(r => r.connected ? 1 : 0) })
}
