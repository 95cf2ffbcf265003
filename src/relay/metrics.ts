// Counters and gauges in Prometheus text format (exposition format 0.0.4), without a client
// library: the relay has a dozen series and renders them on scrape.

type Labels = Record<string, string>

function labelText (labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/[\\"\n]/g, c => c === '\n' ? '\\n' : `\\${c}`)}"`)
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

interface Series {
  name: string
  help: string
  type: 'counter' | 'gauge'
  /** label text → value; gauges computed on scrape use `read` instead */
  values: Map<string, number>
  read?: () => number
}

export class Counter {
  readonly #series: Series
  constructor (series: Series) { this.#series = series }

  /** Label values must come from a fixed set (a reason enum), never from the network. */
  inc (labels: Labels = {}, by = 1): void {
    const key = labelText(labels)
    this.#series.values.set(key, (this.#series.values.get(key) ?? 0) + by)
  }

  get (labels: Labels = {}): number {
    return this.#series.values.get(labelText(labels)) ?? 0
  }
}

export class MetricsRegistry {
  readonly #series: Series[] = []

  counter (name: string, help: string): Counter {
    const series: Series = { name, help, type: 'counter', values: new Map() }
    this.#series.push(series)
    return new Counter(series)
  }

  /** A gauge whose value is read when /metrics is scraped. */
  gauge (name: string, help: string, read: () => number): void {
    this.#series.push({ name, help, type: 'gauge', values: new Map(), read })
  }

  render (): string {
    const lines: string[] = []
    for (const series of this.#series) {
      lines.push(`# HELP ${series.name} ${series.help}`, `# TYPE ${series.name} ${series.type}`)
      if (series.read != null) {
        lines.push(`${series.name} ${series.read()}`)
      } else if (series.values.size === 0) {
        lines.push(`${series.name} 0`)
      } else {
        for (const [labels, value] of series.values) lines.push(`${series.name}${labels} ${value}`)
      }
    }
    return lines.join('\n') + '\n'
  }
}

/** The relay's own counters; gauges over its state are registered where the state lives. */
export interface RelayCounters {
  heartbeatsAccepted: Counter
  heartbeatsRejected: Counter
  quietProbes: Counter
  viewerProbes: Counter
  feedEventsCoalesced: Counter
  feedSubscribersClosed: Counter
  feedSubscribersRefused: Counter
  peersCutOff: Counter
  connectionsRefused: Counter
}

export function relayCounters (metrics: MetricsRegistry): RelayCounters {
  return {
    heartbeatsAccepted: metrics.counter('devnet_heartbeats_accepted_total', 'Heartbeat lines accepted'),
    heartbeatsRejected: metrics.counter('devnet_heartbeats_rejected_total', 'Heartbeat lines or streams refused, by reason'),
    feedEventsCoalesced: metrics.counter('devnet_feed_events_coalesced_total', 'Feed events folded into latest-state-per-node for subscribers that were behind'),
    feedSubscribersClosed: metrics.counter('devnet_feed_subscribers_closed_total', 'Feed subscribers closed by the relay, by reason'),
    feedSubscribersRefused: metrics.counter('devnet_feed_subscribers_refused_total', 'Feed subscriptions refused, by reason'),
    quietProbes: metrics.counter('devnet_quiet_probes_total', 'Silent heartbeat connections asked whether their host is there, by result (answered, unanswered: disconnected)'),
    viewerProbes: metrics.counter('devnet_viewer_probes_total', 'Feed subscribers (dashboards send nothing) asked every 30 s whether their host is there, by result (answered, unanswered: disconnected)'),
    peersCutOff: metrics.counter('devnet_peers_cut_off_total', 'Peers disconnected for too many bad heartbeat lines'),
    connectionsRefused: metrics.counter('devnet_connections_refused_total', 'Inbound connections refused, by reason')
  }
}
