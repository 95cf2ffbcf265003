// /metrics from real relays: the relay's own series under their names and types, moving as
// heartbeats come in, the heartbeat-to-feed latency histogram, Node's process metrics and
// libp2p's own, and one registry per relay.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { encodeHeartbeatLine } from '../protocol/index.ts'
import { FeedClient } from '../testing/feed-client.ts'
import { scrapeMetrics } from '../testing/http.ts'
import { createPeer, openHeartbeatStream } from '../testing/peers.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { TestRelay } from '../testing/test-relay.ts'
import type { Libp2p } from '@libp2p/interface'

const enc = new TextEncoder()
const line = (height: number): Uint8Array =>
  enc.encode(encodeHeartbeatLine({ head: `{ bafy${height} }`, height, nickname: 'metered', minerAddress: null, genesisCid: null }))

// the names and types the relay has always exposed (docs/api.md); dashboards and alerts use them
const RELAY_SERIES: Record<string, 'counter' | 'gauge'> = {
  devnet_nodes_connected: 'gauge',
  devnet_nodes_known: 'gauge',
  devnet_nodes_in_consensus: 'gauge',
  devnet_nodes_in_dispute: 'gauge',
  devnet_best_height: 'gauge',
  devnet_heartbeats_accepted_total: 'counter',
  devnet_heartbeats_rejected_total: 'counter',
  devnet_feed_subscribers: 'gauge',
  devnet_feed_events_coalesced_total: 'counter',
  devnet_feed_subscribers_closed_total: 'counter',
  devnet_feed_subscribers_refused_total: 'counter',
  devnet_feed_buffered_bytes: 'gauge',
  devnet_feed_dirty_nodes: 'gauge',
  devnet_quiet_probes_total: 'counter',
  devnet_viewer_probes_total: 'counter',
  devnet_peers_cut_off_total: 'counter',
  devnet_peers_cooling_off: 'gauge',
  devnet_connections_refused_total: 'counter',
  devnet_heartbeat_streams: 'gauge',
  devnet_libp2p_connections: 'gauge',
  process_resident_memory_bytes: 'gauge'
}

describe('relay metrics', () => {
  let relay: TestRelay
  let other: TestRelay
  const peers: Libp2p[] = []
  const peer = async (): Promise<Libp2p> => { const p = await createPeer(); peers.push(p); return p }

  // one after the other: @libp2p/prometheus-metrics keeps its metric objects by name across
  // instances, so a relay made while another was starting could register libp2p's series in
  // the other's registry (relay-node.ts); since relays listen once their handlers are in,
  // that window is wider, and this test failed about one run in three
  before(async () => {
    relay = await startTestRelay()
    other = await startTestRelay()
  })
  after(async () => {
    await Promise.all(peers.map(async p => { await p.stop() }))
    await Promise.all([relay.destroy(), other.destroy()])
  })

  it('exposes every series under its name and type, and they move with heartbeats', async () => {
    const idle = await scrapeMetrics(relay.httpUrl)
    for (const [name, type] of Object.entries(RELAY_SERIES)) assert.equal(idle.types.get(name), type, name)
    assert.equal(idle.types.get('devnet_heartbeat_feed_latency_seconds'), 'histogram')
    assert.equal(idle.values.get('devnet_heartbeats_accepted_total'), 0)
    assert.equal(idle.values.get('devnet_heartbeat_feed_latency_seconds_count'), 0)

    const viewer = await FeedClient.open(await peer(), relay.browserAddrs[0] ?? '')
    const sender = await peer()
    const stream = await openHeartbeatStream(sender, relay.nodeAddrs[0] ?? '')
    for (let height = 1; height <= 5; height++) stream.send(line(height))
    stream.send(enc.encode('not json\n'))
    const id = sender.peerId.toString()
    await waitFor('the subscriber to see height 5', () => viewer.byPeer(id)?.height === 5)

    const busy = await waitFor('the counts to settle', async () => {
      const scrape = await scrapeMetrics(relay.httpUrl)
      return scrape.values.get('devnet_heartbeat_feed_latency_seconds_count') === 5 ? scrape : undefined
    })
    const value = (series: string): number | undefined => busy.values.get(series)
    assert.equal(value('devnet_heartbeats_accepted_total'), 5)
    assert.equal(value('devnet_heartbeats_rejected_total{reason="not_json"}'), 1)
    assert.equal(value('devnet_nodes_connected'), 1)
    assert.equal(value('devnet_nodes_known'), 1)
    assert.equal(value('devnet_best_height'), 5)
    assert.equal(value('devnet_nodes_in_consensus'), 1)
    assert.equal(value('devnet_feed_subscribers'), 1)
    assert.equal(value('devnet_heartbeat_streams'), 1)
    assert.ok((value('devnet_libp2p_connections') ?? 0) >= 2, 'the sender\'s and the viewer\'s connections')
  })

  it('times each heartbeat from accepted to handed to the feed streams, in cumulative buckets', async () => {
    const { values } = await scrapeMetrics(relay.httpUrl)
    const buckets = [...values].filter(([series]) => series.startsWith('devnet_heartbeat_feed_latency_seconds_bucket{'))
    assert.ok(buckets.length >= 5, 'the histogram has buckets')
    const counts = buckets.map(([, count]) => count)
    assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'buckets are cumulative')
    assert.equal(values.get('devnet_heartbeat_feed_latency_seconds_bucket{le="+Inf"}'), 5)
    const sum = values.get('devnet_heartbeat_feed_latency_seconds_sum') ?? 0
    // in seconds, and more than none: a batch waits FEED_BATCH_MS (25 ms) for more changes
    assert.ok(sum > 0 && sum < 5 * 10, `latency sum ${sum} s`)
  })

  it('includes Node\'s process metrics and libp2p\'s connection and stream metrics', async () => {
    const { types, values } = await scrapeMetrics(relay.httpUrl)
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_gc_duration_seconds']) {
      assert.ok(types.has(name), name)
    }
    assert.ok((values.get('process_resident_memory_bytes') ?? 0) > 0)
    assert.equal(types.get('libp2p_connection_manager_connections'), 'gauge')
    // libp2p's metric groups label their series with the group's own name
    assert.ok((values.get('libp2p_connection_manager_connections{libp2p_connection_manager_connections="inbound"}') ?? 0) >= 2, 'inbound connections')
    const heartbeatStreams = [...values].find(([series]) => series.startsWith('libp2p_protocol_streams_total{') && series.includes('fil/heartbeat/1.0.0'))
    assert.ok(heartbeatStreams != null && heartbeatStreams[1] >= 1, 'libp2p counts the heartbeat stream by protocol')
    assert.ok(types.has('libp2p_noise_xxhandshake_successes_total'))
  })

  it('keeps each relay\'s series to itself when several share a process', async () => {
    const { values } = await scrapeMetrics(other.httpUrl)
    assert.equal(values.get('devnet_heartbeats_accepted_total'), 0)
    assert.equal(values.get('devnet_nodes_known'), 0)
    assert.equal(values.get('devnet_heartbeat_feed_latency_seconds_count'), 0)
  })
})
