import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HeightHistory } from './height-history.ts'
import { momentState } from './moment.ts'
import { deriveView } from './view.ts'
import type { NodeAtMoment } from '../protocol/history.ts'

const AT = 1_767_600_000_000

function node (peerId: string, patch: Partial<NodeAtMoment> = {}): NodeAtMoment {
  return {
    peerId, nickname: peerId, minerAddress: null, genesisCid: null, height: 100, head: '{ h100 }', connected: true, stale: false,
    syncing: null, finalizedHeight: null, firstSeenAt: AT - 3_600_000, lastChangeAt: AT - 60_000, lastHeartbeatAt: AT - 60_000, ...patch
  }
}

describe('time travel state', () => {
  it('judges the moment as a live page would have: stale from the relay\'s word, behind, offline, stalled', () => {
    // a chain that rose a block every 4 s for 10 minutes and then stopped a minute before
    const from = AT - 660_000
    const header = { from, to: AT, stepMs: 4_000, buckets: 165, source: 'raw' as const, nodes: 4 }
    const chain = Array.from({ length: 165 }, (_, k) => Math.min(100, Math.max(0, k - 50)))
    const state = momentState({
      at: AT,
      nodes: [
        node('beating'),
        node('quiet', { stale: true, lastHeartbeatAt: AT - 40_000 }),
        node('lagging', { height: 97 }),
        node('gone', { connected: false, lastChangeAt: AT - 30_000 })
      ],
      window: {
        header,
        series: ['beating', 'quiet', 'lagging', 'gone'].map(peerId => ({
          peerId, nickname: peerId, first: 0, heights: chain.map(h => peerId === 'lagging' ? Math.min(h, 97) : h), ranges: [], connection: peerId === 'gone' ? [[0, 1], [157, 0]] : [[0, 1]]
        }))
      }
    })
    const view = deriveView(state, { state: 'lost', retryAt: 0, reason: 'time travel' }, AT + 999_999, { offlineKeepMs: 3_600_000, filter: '', pins: [], windowMs: 600_000, headColors: 6 }, null)
    assert.equal(view.now, AT, 'the view is of the moment, whatever the clock says')
    const status = Object.fromEntries(view.nodes.map(v => [v.node.peerId, v.status]))
    assert.deepEqual(status, { beating: 'in-sync', quiet: 'stale', lagging: 'behind', gone: 'offline' })
    assert.equal(view.summary.bestHeight, 100)
    assert.equal(view.summary.blockTimeMs, 4_000)
    assert.equal(view.summary.stalled, true, 'no rise for over three block times before the moment')
    // the chart's lines: the window's steps, then the moment
    const h = state.nodes.get('beating')!.history
    assert.equal(h.heightOf(0), 0)
    assert.equal(h.lastHeight(), 100)
    assert.equal(h.lastAt(), AT)
    assert.equal(state.nodes.get('gone')!.disconnectedAt, from + 158 * 4_000)
  })
})

describe('time travel histories', () => {
  it('hold what pushing each recorded step would: spacing, a history shorter than the window', async () => {
    const { HeightHistory } = await import('./height-history.ts')
    const from = AT - 600_000
    const header = { from, to: AT, stepMs: 2_000, buckets: 300, source: 'raw' as const, nodes: 2 }
    // rises every other bucket, with a repeated height and a late start for the second node
    const heights = Array.from({ length: 300 }, (_, k) => 1000 + Math.floor(k / 2))
    const series = [
      { peerId: 'a', nickname: 'a', first: 0, heights, ranges: [], connection: [] },
      { peerId: 'b', nickname: 'b', first: 120, heights: heights.slice(120), ranges: [], connection: [] }
    ] satisfies Array<import('../protocol/history.ts').HistorySeries>
    for (const [capacity, spacingMs] of [[302, 0], [302, 5_000], [50, 0], [64, 3_000]] as const) {
      const state = momentState({ at: AT, nodes: [node('a', { height: 1200 }), node('b', { height: 1150 })], window: { header, series }, spacingMs, capacity })
      for (const s of series) {
        const expected = new HeightHistory(capacity, spacingMs)
        let previous = -1
        s.heights.forEach((h, j) => {
          if (h === previous) return
          previous = h
          const t = j + s.first >= header.buckets - 1 ? header.to : header.from + (j + s.first + 1) * header.stepMs
          if (t < AT) expected.push(t, h)
        })
        expected.push(AT, s.peerId === 'a' ? 1200 : 1150)
        const got = state.nodes.get(s.peerId)!.history
        const points = (h: InstanceType<typeof HeightHistory>): Array<[number, number]> => Array.from({ length: h.size }, (_, k) => [h.atOf(k), h.heightOf(k)])
        assert.deepEqual(points(got), points(expected), `capacity ${capacity}, spacing ${spacingMs}, node ${s.peerId}`)
        assert.ok(got.size > 1)
        // and it goes on as a history: a push after the moment lands after its points
        got.push(AT + 10_000, 2000)
        expected.push(AT + 10_000, 2000)
        assert.deepEqual(points(got), points(expected))
      }
    }
  })

  it('gives each node the history pushing its steps one by one would: spacing, capacity', () => {
    // steps every 4 s, a spacing of 10 s (points closer move the last), a capacity under the count
    const from = AT - 200_000
    const header = { from, to: AT, stepMs: 4_000, buckets: 50, source: 'raw' as const, nodes: 1 }
    const heights = Array.from({ length: 50 }, (_, k) => 10 + k)
    for (const [spacingMs, capacity] of [[0, 64], [10_000, 64], [0, 20], [10_000, 8]] as const) {
      const state = momentState({ at: AT, nodes: [node('a', { height: 70 })], window: { header, series: [{ peerId: 'a', nickname: 'a', first: 0, heights, ranges: [], connection: [[0, 1]] }] }, spacingMs, capacity })
      const expected = new HeightHistory(capacity, spacingMs)
      heights.forEach((height, k) => { const t = k >= 49 ? AT : from + (k + 1) * 4_000; if (t < AT) expected.push(t, height) })
      expected.push(AT, 70)
      const points = (h: HeightHistory): number[][] => Array.from({ length: h.size }, (_, k) => [h.atOf(k), h.heightOf(k)])
      const history = state.nodes.get('a')?.history
      assert.ok(history !== undefined)
      assert.deepEqual(points(history), points(expected), `spacing ${spacingMs}, capacity ${capacity}`)
    }
  })

  it('builds one history for nodes in step (the same heights array, first bucket and height at the moment), their points as each would have alone', () => {
    const from = AT - 600_000
    const header = { from, to: AT, stepMs: 2_000, buckets: 300, source: 'raw' as const, nodes: 5 }
    const shared = Array.from({ length: 300 }, (_, k) => 1000 + Math.floor(k / 3))
    const line = (peerId: string, heights: number[], first = 0): import('../protocol/history.ts').HistorySeries =>
      ({ peerId, nickname: peerId, first, heights, ranges: [], connection: [] })
    const series = [line('a', shared), line('b', shared), line('c', [...shared]), line('d', shared), line('e', shared.slice(1), 1)]
    const nodes = [node('a', { height: 1100 }), node('b', { height: 1100 }), node('c', { height: 1100 }), node('d', { height: 1101 }), node('e', { height: 1100 })]
    const state = momentState({ at: AT, nodes, window: { header, series }, spacingMs: 2_000, capacity: 302 })
    const history = (peerId: string): HeightHistory => state.nodes.get(peerId)!.history
    assert.equal(history('b'), history('a'), 'the same array, bucket and height: one history')
    assert.notEqual(history('c'), history('a'), 'equal heights in another array are not looked for (the parse hands out one)')
    assert.notEqual(history('d'), history('a'), 'another height at the moment')
    assert.notEqual(history('e'), history('a'), 'another first bucket')
    const points = (h: HeightHistory): number[][] => Array.from({ length: h.size }, (_, k) => [h.atOf(k), h.heightOf(k)])
    // each as it is built alone
    for (const [k, n] of nodes.entries()) {
      const alone = momentState({ at: AT, nodes: [n], window: { header, series: [series[k]!] }, spacingMs: 2_000, capacity: 302 })
      assert.deepEqual(points(history(n.peerId)), points(alone.nodes.get(n.peerId)!.history), n.peerId)
    }
  })
})
