// Per-node series on /metrics, for Grafana: one per known node, labels from the network escaped
// and cut, gone with the node; and the history record's own series.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RelayMetrics, registerPerNodeGauges } from './metrics.ts'
import { NodeRegistry } from './registry.ts'
import { encodeHeartbeatLine } from '../protocol/index.ts'
import { createPeer, openHeartbeatStream } from '../testing/peers.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'

describe('per-node metrics', () => {
  it('gives each known node its height, seconds since its beat and connection, by peer ID and nickname', async () => {
    const metrics = new RelayMetrics()
    const registry = new NodeRegistry({ maxKnownNodes: 2 })
    let now = 10_000
    registerPerNodeGauges(metrics, registry, () => now)
    registry.heartbeat('12D3KooWA', { head: '{ a }', height: 7, nickname: 'plain', minerAddress: null, genesisCid: null }, 9_000)
    registry.heartbeat('12D3KooWB', { head: '{ b }', height: 5, nickname: 'bad "name"\nwith\\stuff' + 'x'.repeat(100), minerAddress: null, genesisCid: null }, 4_000)
    registry.setConnected('12D3KooWB', false)
    const text = await metrics.render()
    assert.match(text, /^devnet_node_height\{peer_id="12D3KooWA",nickname="plain"\} 7$/m)
    assert.match(text, /^devnet_node_seconds_since_beat\{peer_id="12D3KooWA",nickname="plain"\} 1$/m)
    assert.match(text, /^devnet_node_connected\{peer_id="12D3KooWA",nickname="plain"\} 1$/m)
    // quotes, newlines and backslashes escaped; the nickname cut to 64 characters
    const b = /^devnet_node_connected\{peer_id="12D3KooWB",nickname="(.*)"\} 0$/m.exec(text)
    assert.ok(b != null, text)
    assert.equal(b[1], 'bad \\"name\\"\\nwith\\\\stuff' + 'x'.repeat(64 - 'bad "name"\nwith\\stuff'.length))
    // a third node makes the relay forget the offline one: its series go
    now = 20_000
    registry.heartbeat('12D3KooWC', { head: '{ c }', height: 9, nickname: 'c', minerAddress: null, genesisCid: null }, 19_000)
    const after = await metrics.render()
    assert.doesNotMatch(after, /12D3KooWB/)
    assert.equal(after.match(/^devnet_node_height\{/gm)?.length, 2)
  })

  it('gives a node on the roster never heard its connection only (no height, no last beat)', async () => {
    const metrics = new RelayMetrics()
    const registry = new NodeRegistry()
    registerPerNodeGauges(metrics, registry, () => 10_000)
    registry.expect('roster', [{ name: 'expected', peerId: '12D3KooWM' }])
    const text = await metrics.render()
    assert.match(text, /^devnet_node_connected\{peer_id="12D3KooWM",nickname="expected"\} 0$/m)
    assert.doesNotMatch(text, /^devnet_node_(height|seconds_since_beat)\{peer_id="12D3KooWM"/m)
  })

  it('are on a real relay\'s /metrics with the record\'s own series', async () => {
    const relay = await startTestRelay()
    const peer = await createPeer()
    try {
      const stream = await openHeartbeatStream(peer, relay.nodeAddrs[0] ?? '')
      stream.send(new TextEncoder().encode(encodeHeartbeatLine({ head: '{ bafy1 }', height: 42, nickname: 'metered', minerAddress: null, genesisCid: null })))
      const metricsText = async (): Promise<string> => await (await fetch(`${relay.httpUrl}/metrics`)).text()
      const text = await waitFor('the node on /metrics', async () => {
        const t = await metricsText()
        return t.includes('nickname="metered"} 42') ? t : undefined
      })
      assert.match(text, /^devnet_record_paused\{reason="none"\} 0$/m)
      for (const name of ['devnet_record_bytes', 'devnet_record_file_bytes', 'devnet_record_queued_changes', 'devnet_record_changes_written_total', 'devnet_record_write_errors_total', 'devnet_events_dropped_total']) {
        assert.match(text, new RegExp(`^${name} `, 'm'), name)
      }
      await waitFor('the beat written', async () => (await metricsText()).match(/^devnet_record_changes_written_total (\d+)/m)?.[1] !== '0')
    } finally {
      await peer.stop()
      await relay.destroy()
    }
  })
})
