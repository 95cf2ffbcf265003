import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FEED_VERSION } from '../protocol/constants.ts'
import type { FeedMessage } from '../protocol/feed.ts'
import { DEFAULT_BEAT_PERIOD_MS, HISTORY_CAPACITY, MAX_NODES, MAX_QUEUED_MESSAGES, STALE_BEATS } from './constants.ts'
import { initialFeedState, reduce, reduceAll } from './feed-state.ts'
import { createDashboardStore } from './store.ts'
import type { DashboardStore } from './store.ts'
import { forksMessage, networkPanel, record, subscribe } from '../testing/feed-messages.ts'
import { deriveView } from './view.ts'
import type { DashboardView, NodeView, ViewOptions } from './view.ts'

/** A store on a fake clock whose frames run only when the test says so. */
function harness (init: { offlineKeepMs?: number, filter?: string, pins?: string[] } = {}): {
  store: DashboardStore
  clock: { now: number }
  frames: () => number
  frame: () => void
  send: (...messages: FeedMessage[]) => void
  /** the relay's ping at the clock's time: its word that time passed with nothing to tell */
  ping: () => void
  view: () => DashboardView
  row: (nickname: string) => NodeView | undefined
} {
  const clock = { now: 1_000_000 }
  const pending: Array<() => void> = []
  let frames = 0
  const store = createDashboardStore({ schedule: cb => { pending.push(cb) }, now: () => clock.now, ...init })
  const frame = (): void => {
    frames++
    for (const cb of pending.splice(0)) cb()
  }
  return {
    store,
    clock,
    frames: () => frames,
    frame,
    send: (...messages) => { for (const m of messages) store.push(m); frame() },
    ping: () => { store.push({ t: 'ping', serverTime: clock.now }); frame() },
    view: () => store.getSnapshot(),
    row: nickname => store.getSnapshot().nodes.find(view => view.node.nickname === nickname)
  }
}

const OPTIONS: ViewOptions = { offlineKeepMs: 60_000, filter: '', pins: [], windowMs: 600_000, headColors: 6 }

describe('store: snapshot, then events', () => {
  it('shows the snapshot only once synced, then applies heartbeats', () => {
    const h = harness()
    const t = h.clock.now
    const [hello, snapshot, nodeA, nodeB, synced] = subscribe(t, [
      record('A', { height: 10, lastHeartbeatAt: t - 1000 }),
      record('B', { height: 9, head: '{ bafyB }', lastHeartbeatAt: t - 1000 })
    ])
    h.send(hello!, snapshot!, nodeA!)
    assert.equal(h.view().nodes.length, 0, 'a half-received snapshot is not shown')
    assert.equal(h.view().synced, false)
    h.send(nodeB!, synced!)
    assert.equal(h.view().synced, true)
    assert.deepEqual(h.view().nodes.map(v => v.node.nickname), ['a', 'b'])
    assert.equal(h.view().summary.bestHeight, 10)
    assert.equal(h.row('b')?.lag, 1)

    h.clock.now += 500
    h.send({ t: 'hb', i: 1, height: 11, head: '{ bafyC }', at: h.clock.now })
    assert.equal(h.view().summary.bestHeight, 11)
    assert.equal(h.row('b')?.node.height, 11)
    assert.equal(h.row('b')?.node.head, '{ bafyC }')
    assert.equal(h.row('a')?.lag, 1)
    // a is one block behind but within its grace, so it keeps its place (no jump per block)
    assert.deepEqual(h.view().nodes.map(v => v.node.nickname), ['a', 'b'])
    h.clock.now += 1.5 * DEFAULT_BEAT_PERIOD_MS + 1
    h.ping()
    assert.equal(h.row('a')?.status, 'behind')
    assert.deepEqual(h.view().nodes.map(v => v.node.nickname), ['b', 'a'], 'a node really behind sorts below')
  })

  it('a new snapshot replaces the nodes, renumbers i, and keeps known histories', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [record('A', { height: 1, lastHeartbeatAt: t }), record('B', { height: 1, lastHeartbeatAt: t })]))
    h.send({ t: 'hb', i: 0, height: 2, head: '{ x }', at: t + 1000 })
    const historyBefore = h.row('a')?.node.history
    // relay restart: B is gone from its list, A has a new i
    h.clock.now = t + 5000
    h.send(...subscribe(h.clock.now, [record('C', { lastHeartbeatAt: h.clock.now }), record('A', { height: 3, lastHeartbeatAt: h.clock.now })]))
    assert.deepEqual(h.view().nodes.map(v => v.node.nickname).sort(), ['a', 'c'])
    assert.equal(h.row('a')?.node.history, historyBefore, 'the ring buffer survives a resubscribe')
    assert.equal(h.row('a')?.node.history.lastHeight(), 3)
    h.send({ t: 'hb', i: 1, height: 4, head: '{ y }', at: h.clock.now + 100 })
    assert.equal(h.row('a')?.node.height, 4, 'i=1 is A in the new numbering')
  })

  it('puts the relay\'s record of the window behind what the feed gave, as steps at bucket ends', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [record('A', { height: 50, lastHeartbeatAt: t })]))
    h.send({ t: 'hb', i: 0, height: 51, head: '{ x }', at: t + 1_000 })
    const peerId = h.row('a')!.node.peerId
    const before = h.row('a')
    // an hour before, in 60 buckets of a minute: 20 → 49 over the hour, one bucket a reorg
    const from = t - 3_600_000
    const heights = Array.from({ length: 60 }, (_, k) => 20 + Math.floor(k / 2))
    h.store.mergePast({ from, to: t, stepMs: 60_000, buckets: 60, source: 60_000, nodes: 2 }, [
      { peerId, nickname: 'a', first: 0, heights, ranges: [], connection: [[0, 1]] },
      { peerId: 'not-known-to-the-feed', nickname: 'z', first: 3, heights: [1, 2], ranges: [], connection: [] }
    ])
    h.frame()
    const after = h.row('a')!
    assert.notEqual(after, before, 'the node changed: its chart line is drawn again')
    const history = after.node.history
    const points = Array.from({ length: history.size }, (_, k) => [history.atOf(k) - t, history.heightOf(k)])
    // one point per change of height, at the end of its bucket; then what the feed gave
    assert.deepEqual(points.slice(0, 3), [[-3_600_000 + 60_000, 20], [-3_600_000 + 3 * 60_000, 21], [-3_600_000 + 5 * 60_000, 22]])
    assert.deepEqual(points.slice(-2), [[0, 50], [1_000, 51]])
    assert.equal(points.length, 30 + 2, 'each height of the hour once, then the feed\'s two')
    assert.equal(h.view().nodes.length, 1, 'a node only the record knows is not shown')
  })

  it('a new snapshot keeps the objects of nodes that did not change, so their rows are not redrawn', () => {
    const h = harness()
    const t = h.clock.now
    const nodes = [record('A', { height: 5, lastHeartbeatAt: t }), record('B', { height: 5, lastHeartbeatAt: t })]
    // the first paint's snapshot over HTTP, then the feed's own, in which only B has beaten
    h.send(...subscribe(t, nodes))
    const before = h.view().nodes
    h.clock.now = t + 300
    h.send(...subscribe(h.clock.now, [nodes[0] ?? record('A'), record('B', { height: 5, lastHeartbeatAt: t + 200 })]))
    const after = h.view().nodes
    assert.equal(after.find(v => v.node.peerId === 'A'), before.find(v => v.node.peerId === 'A'), 'A: the same view object')
    assert.notEqual(after.find(v => v.node.peerId === 'B')?.node, before.find(v => v.node.peerId === 'B')?.node)
    assert.equal(h.row('b')?.node.lastHeartbeatAt, t + 200)
  })

  it('ignores events for an unknown i and counts them', () => {
    const h = harness()
    h.send(...subscribe(h.clock.now, [record('A', { lastHeartbeatAt: h.clock.now })]))
    h.send({ t: 'hb', i: 7, height: 99, head: '{ z }', at: h.clock.now })
    assert.equal(h.view().summary.bestHeight, 10)
    assert.equal(h.store.getFeedState().unknownEvents, 1)
  })

  it('adds a node announced live and drops a forgotten one', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [record('A', { lastHeartbeatAt: t })]))
    h.send({ t: 'node', i: 5, node: record('N', { nickname: 'newcomer', height: 10, lastHeartbeatAt: t }) })
    assert.ok(h.row('newcomer'))
    h.send({ t: 'hb', i: 5, height: 11, head: '{ q }', at: t + 10 })
    assert.equal(h.row('newcomer')?.node.height, 11)
    h.send({ t: 'forget', i: 5 })
    assert.equal(h.row('newcomer'), undefined)
    assert.equal(h.view().summary.known, 1)
    h.send({ t: 'hb', i: 5, height: 12, head: '{ r }', at: t + 20 })
    assert.equal(h.row('newcomer'), undefined, 'a forgotten i does not come back through an event')
  })
})

describe('reducer: a state once made never changes', () => {
  it('leaves the state it was given as it was, however many messages a batch applies to it', () => {
    const t = 1_000_000
    const base = reduceAll(initialFeedState(), subscribe(t, [record('A', { height: 5, lastHeartbeatAt: t }), record('B', { height: 5, lastHeartbeatAt: t })]), t)
    const before = { heardAt: base.heardAt, best: base.best, nodes: [...base.nodes], byIndex: [...base.byIndex], clockOffsetMs: base.clockOffsetMs }
    // a batch that writes the heard time, the best height, the clock offset and the node map
    const batch: FeedMessage[] = [
      { t: 'hb', i: 0, height: 6, head: '{ six }', at: t + 1000 },
      { t: 'ping', serverTime: t + 1500 },
      { t: 'hb', i: 1, height: 6, head: '{ six }', at: t + 2000 },
      { t: 'node', i: 2, node: record('C', { height: 6, lastHeartbeatAt: t + 2000 }) }
    ]
    const next = reduceAll(base, batch, t + 2000)
    assert.notEqual(next, base)
    assert.deepEqual({ heardAt: base.heardAt, best: base.best, nodes: [...base.nodes], byIndex: [...base.byIndex], clockOffsetMs: base.clockOffsetMs }, before)
    assert.deepEqual([next.heardAt, next.best.height, next.nodes.size, next.byIndex.size], [t + 2000, 6, 3, 3])
    // and the same batch on the same state again gives the same answer
    const again = reduceAll(base, batch, t + 2000)
    assert.deepEqual([again.heardAt, again.best.height, [...again.nodes.keys()]], [next.heardAt, next.best.height, [...next.nodes.keys()]])
    // a batch that changes nothing gives the state back
    assert.equal(reduceAll(next, [], t + 3000), next)
  })
})

describe('store: batching', () => {
  it('applies any number of messages in one frame and notifies once', () => {
    const h = harness()
    let notified = 0
    h.store.subscribe(() => { notified++ })
    const t = h.clock.now
    for (const m of subscribe(t, [record('A', { lastHeartbeatAt: t })])) h.store.push(m)
    for (let k = 1; k <= 500; k++) h.store.push({ t: 'hb', i: 0, height: 10 + k, head: `{ h${k} }`, at: t + k })
    assert.equal(h.view().nodes.length, 0, 'nothing applied before the frame')
    h.frame()
    assert.equal(notified, 1)
    assert.equal(h.row('a')?.node.height, 510)
  })

  it('applies at once when the queue passes its bound (a hidden tab gets no frames)', () => {
    const h = harness()
    const t = h.clock.now
    for (const m of subscribe(t, [record('A', { lastHeartbeatAt: t })])) h.store.push(m)
    for (let k = 1; k < MAX_QUEUED_MESSAGES; k++) h.store.push({ t: 'ping', serverTime: t })
    assert.equal(h.store.getFeedState().nodes.size, 1, 'the queue was applied without a frame')
  })

  it('with minIntervalMs, updates at most that often, and a clock stepped back holds it no longer', () => {
    const clock = { now: 1_000_000 }
    const frames: Array<() => void> = []
    const timers: Array<{ at: number, callback: () => void }> = []
    const store = createDashboardStore({
      schedule: callback => { frames.push(callback) },
      delay: (callback, ms) => { timers.push({ at: clock.now + ms, callback }) },
      now: () => clock.now,
      minIntervalMs: 250
    })
    const frame = (): void => { for (const callback of frames.splice(0)) callback() }
    // timers only: an update that waited out the interval is applied in its timer's task,
    // so the browser's layout and paint of it come in a task of their own
    const advance = (ms: number): void => {
      clock.now += ms
      for (const timer of timers.filter(timer => timer.at <= clock.now)) {
        timers.splice(timers.indexOf(timer), 1)
        timer.callback()
      }
    }
    let updates = 0
    store.subscribe(() => { updates++ })
    const height = (): number | undefined => store.getSnapshot().nodes[0]?.node.height
    const t = clock.now
    for (const m of subscribe(t, [record('A', { height: 10, lastHeartbeatAt: t })])) store.push(m)
    frame()
    assert.equal(updates, 1, 'the first update is not held back')
    assert.equal(height(), 10)

    store.push({ t: 'hb', i: 0, height: 11, head: '{ b11 }', at: t + 1 })
    frame()
    assert.equal(frames.length, 0, 'no frame is asked for inside the interval')
    advance(249)
    assert.equal(updates, 1)
    advance(1)
    assert.equal(updates, 2, 'the interval after the last update')
    assert.equal(height(), 11)

    for (let h = 12; h <= 20; h++) store.push({ t: 'hb', i: 0, height: h, head: `{ b${h} }`, at: t + h })
    store.tick()
    advance(250)
    assert.equal(updates, 3, 'all that came inside one interval is one update')
    assert.equal(height(), 20)

    // the local clock steps back an hour (NTP, a suspended laptop)
    clock.now -= 3_600_000
    store.push({ t: 'hb', i: 0, height: 21, head: '{ b21 }', at: t + 21 })
    advance(250)
    assert.equal(updates, 4, 'held for one interval at most, not for the hour')
    assert.equal(height(), 21)

    // a connection change is shown in the next frame, with what was queued, and the timer it
    // overtook does not make one more
    store.push({ t: 'hb', i: 0, height: 22, head: '{ b22 }', at: t + 22 })
    store.setConnection({ state: 'live' })
    frame()
    assert.equal(updates, 5, 'not held for the interval')
    assert.equal(store.getSnapshot().connection.state, 'live')
    assert.equal(height(), 22)
    advance(250)
    assert.equal(updates, 5)
  })

  it('asks for one frame at a time: a hidden tab, which runs none, does not pile them up', () => {
    let asked = 0
    const t = 1_000_000
    const store = createDashboardStore({ schedule: () => { asked++ }, now: () => t })
    for (const m of subscribe(t, [record('A', { lastHeartbeatAt: t })])) store.push(m)
    for (let k = 0; k < 3 * MAX_QUEUED_MESSAGES; k++) store.push({ t: 'hb', i: 0, height: k, head: `{ h${k} }`, at: t })
    assert.ok((store.getSnapshot().nodes[0]?.node.height ?? 0) > 2 * MAX_QUEUED_MESSAGES, 'applied without frames, at the queue bound')
    assert.equal(asked, 1)
  })

  it('lends a node view only when every field of it holds: a lender with older or newer views shows none of their values', () => {
    const t = 1_000_000
    const state = reduceAll(initialFeedState(), subscribe(t, [record('A', { height: 10, lastHeartbeatAt: t }), record('B', { height: 10, lastHeartbeatAt: t })]), t)
    const lender = new Map<string, NodeView>()
    const first = deriveView(state, { state: 'live' }, t, OPTIONS, null, lender)
    const a = first.nodes.find(v => v.node.peerId === 'A')
    assert.ok(a !== undefined)
    assert.equal(lender.get('A'), a, 'the lender holds what was derived')
    // a view that differs from the computed one in one field only, planted in the lender
    for (const planted of [{ ...a, lag: 3 }, { ...a, status: 'behind' as const }, { ...a, pinned: true }, { ...a, headColor: 5 }, { ...a, branch: 1 }, { ...a, propagationMs: 7 }]) {
      lender.set('A', planted)
      const next = deriveView(state, { state: 'live' }, t, OPTIONS, first, lender)
      const shown = next.nodes.find(v => v.node.peerId === 'A')
      assert.notEqual(shown, planted)
      assert.deepEqual(shown, a)
      assert.equal(lender.get('A'), shown, 'and the lender now holds the view shown')
    }
    // B rose a height: A is now behind by one; a derivation given the first view as `previous`
    // but a lender that has seen later ones still shows what the state says
    const later = reduceAll(state, [{ t: 'hb', i: 1, height: 11, head: '{ b11 }', at: t + 100 }], t + 100)
    const second = deriveView(later, { state: 'live' }, t + 100, OPTIONS, first, lender)
    assert.deepEqual(second.nodes.map(v => [v.node.peerId, v.node.height, v.lag]).sort(), [['A', 10, 1], ['B', 11, 0]])
    const third = deriveView(later, { state: 'live' }, t + 100, OPTIONS, first, lender)
    assert.equal(third.nodes.find(v => v.node.peerId === 'A'), second.nodes.find(v => v.node.peerId === 'A'), 'an unchanged node keeps its view')
    // a forgotten node leaves the lender
    const forgot = reduceAll(later, [{ t: 'forget', i: 1 }], t + 200)
    deriveView(forgot, { state: 'live' }, t + 200, OPTIONS, third, lender)
    assert.deepEqual([...lender.keys()], ['A'])
  })

  it('returns the same snapshot and node list while nothing changes', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [record('A', { lastHeartbeatAt: t }), record('B', { lastHeartbeatAt: t })]))
    const first = h.view()
    assert.equal(h.store.getSnapshot(), first)
    h.store.tick()
    h.frame()
    assert.equal(h.view().nodes, first.nodes, 'same array when no node changed')
    const rowB = h.row('b')
    h.send({ t: 'hb', i: 0, height: 10, head: '{ bafyA }', at: t + 500 })
    assert.notEqual(h.row('a'), first.nodes[0], 'the node that beat has a new view')
    assert.equal(h.row('b'), rowB, 'the other keeps its view object (memoised rows skip it)')
  })
})

describe('store: stale and offline on a fake clock', () => {
  it('marks a silent node stale after three of its observed beat periods, offline on disconnect', () => {
    const h = harness({ offlineKeepMs: 30_000 })
    const t = h.clock.now
    h.send(...subscribe(t, [record('A', { lastHeartbeatAt: t }), record('B', { lastHeartbeatAt: t })]))
    // both beat every 500 ms for a while, so their observed period is 500 ms
    for (let k = 1; k <= 6; k++) {
      h.clock.now = t + 500 * k
      h.store.push({ t: 'hb', i: 0, height: 10, head: '{ bafyA }', at: h.clock.now })
      h.store.push({ t: 'hb', i: 1, height: 10, head: '{ bafyA }', at: h.clock.now })
      h.frame()
    }
    assert.equal(Math.round(h.row('b')?.node.beatPeriodMs ?? 0), 500)
    const silentSince = h.clock.now
    // A keeps beating; B goes silent
    for (let k = 1; k <= 3; k++) {
      h.clock.now = silentSince + 500 * k
      h.send({ t: 'hb', i: 0, height: 10, head: '{ bafyA }', at: h.clock.now })
    }
    assert.equal(h.row('b')?.status, 'in-sync', 'exactly three periods of silence is not yet stale')
    h.clock.now = silentSince + STALE_BEATS * 500 + 1
    h.ping()
    assert.equal(h.row('b')?.status, 'stale')
    assert.equal(h.row('a')?.status, 'in-sync')
    assert.equal(h.view().summary.online, 2, 'a stale node is still connected')

    h.send({ t: 'disc', i: 1, at: h.clock.now })
    assert.equal(h.row('b')?.status, 'offline')
    assert.equal(h.view().summary.online, 1)
    assert.equal(h.view().summary.known, 2)
    assert.equal(h.view().nodes.at(-1)?.node.nickname, 'b', 'offline nodes sort last')

    h.clock.now += 29_000
    h.ping()
    assert.ok(h.row('b'), 'kept while within the offline keep time')
    h.clock.now += 2_000
    h.ping()
    assert.equal(h.row('b'), undefined, 'dropped after the offline keep time')

    h.send({ t: 'conn', i: 1, at: h.clock.now }, { t: 'hb', i: 1, height: 10, head: '{ bafyA }', at: h.clock.now })
    assert.equal(h.row('b')?.status, 'in-sync', 'back when it beats again')
  })

  it('uses the default beat period until one is observed', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [record('A', { lastHeartbeatAt: t })]))
    h.clock.now = t + STALE_BEATS * DEFAULT_BEAT_PERIOD_MS
    h.ping()
    assert.equal(h.row('a')?.status, 'in-sync')
    h.clock.now += 1
    h.ping()
    assert.equal(h.row('a')?.status, 'stale')
  })

  it('does not learn an outage as a beat period', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [record('A', { lastHeartbeatAt: t })]))
    for (let k = 1; k <= 4; k++) h.send({ t: 'hb', i: 0, height: 10, head: '{ bafyA }', at: t + 1000 * k })
    h.send({ t: 'hb', i: 0, height: 10, head: '{ bafyA }', at: t + 60_000 })
    assert.equal(Math.round(h.row('a')?.node.beatPeriodMs ?? 0), 1000)
  })

  it('measures staleness on the relay clock, not the local one', () => {
    const h = harness()
    // the relay's clock is an hour ahead of the page's
    const relayNow = h.clock.now + 3_600_000
    h.send(...subscribe(relayNow, [record('A', { lastHeartbeatAt: relayNow - 100 })]))
    assert.equal(h.row('a')?.status, 'in-sync')
  })
})

describe('store: best height, lag, stall', () => {
  it('tolerates one block of lag for one beat after the best height rose, then says behind', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [record('A', { lastHeartbeatAt: t }), record('B', { lastHeartbeatAt: t }), record('C', { height: 5, lastHeartbeatAt: t })]))
    assert.equal(h.row('c')?.status, 'behind')
    assert.equal(h.row('c')?.lag, 5)
    h.send({ t: 'hb', i: 0, height: 11, head: '{ n }', at: t + 100 })
    assert.equal(h.row('b')?.status, 'in-sync')
    assert.equal(h.row('b')?.lag, 1)
    assert.deepEqual(h.view().nodes.map(v => v.node.nickname), ['a', 'b', 'c'], 'b does not jump below while catching up')
    h.clock.now = t + 100 + 1.5 * DEFAULT_BEAT_PERIOD_MS + 1
    h.ping()
    assert.equal(h.row('b')?.status, 'behind')
  })

  it('learns the block time from rises and flags a stall after three block times', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [record('A', { height: 0, lastHeartbeatAt: t })]))
    for (let k = 1; k <= 5; k++) {
      h.clock.now = t + 1000 * k
      h.send({ t: 'hb', i: 0, height: k, head: `{ b${k} }`, at: h.clock.now })
    }
    assert.equal(Math.round(h.view().summary.blockTimeMs ?? 0), 1000)
    assert.equal(h.view().summary.stalled, false)
    const lastRise = h.clock.now
    // the node keeps beating at the same height
    for (let k = 1; k <= 3; k++) {
      h.clock.now = lastRise + 1000 * k
      h.send({ t: 'hb', i: 0, height: 5, head: '{ b5 }', at: h.clock.now })
    }
    assert.equal(h.view().summary.sinceRiseMs, 3000)
    assert.equal(h.view().summary.stalled, false)
    h.clock.now += 1
    h.send({ t: 'hb', i: 0, height: 5, head: '{ b5 }', at: h.clock.now })
    assert.equal(h.view().summary.stalled, true)
    h.send({ t: 'hb', i: 0, height: 6, head: '{ b6 }', at: h.clock.now + 1 })
    assert.equal(h.view().summary.stalled, false)
    assert.equal(Math.round(h.view().summary.blockTimeMs ?? 0), 1000, 'one long block (a halt) does not move the median')
  })

  it('dates the best height from snapshot histories', () => {
    const h = harness()
    const t = h.clock.now
    h.send(
      { t: 'hello', version: FEED_VERSION, relayPeerId: 'r', serverTime: t },
      { t: 'snapshot', serverTime: t, count: 1 },
      { t: 'node', i: 0, node: record('A', { height: 7, lastHeartbeatAt: t }), history: [[t - 9000, 5], [t - 6000, 6], [t - 4000, 7]] },
      { t: 'synced' }
    )
    assert.equal(h.view().summary.sinceRiseMs, 4000)
    const history = h.row('a')?.node.history
    assert.equal(history?.size, 3)
    assert.equal(history?.atOf(0), t - 9000)
  })
})

describe('store: consensus', () => {
  it('groups online nodes at the best height by head', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [
      record('A', { head: '{ x }', lastHeartbeatAt: t }),
      record('B', { head: '{ x }', lastHeartbeatAt: t }),
      record('C', { head: '{ x }', lastHeartbeatAt: t }),
      record('D', { head: '{ y }', lastHeartbeatAt: t }),
      record('E', { head: '{ y }', lastHeartbeatAt: t }),
      record('F', { head: '{ z }', height: 9, lastHeartbeatAt: t }),
      record('G', { head: '{ w }', connected: false, lastHeartbeatAt: t })
    ]))
    const summary = h.view().summary
    assert.equal(summary.bestHeight, 10)
    assert.equal(summary.distinctHeads, 2, 'F is below the best height, G is offline')
    assert.equal(summary.largestGroup, 3)
    assert.deepEqual(summary.inDispute.map(v => v.node.nickname), ['d', 'e'])
    // nodes on one head share a colour, another head has another
    assert.equal(h.row('a')?.headColor, h.row('b')?.headColor)
    assert.notEqual(h.row('a')?.headColor, h.row('d')?.headColor)
    assert.equal(h.row('g')?.headColor, -1, 'offline nodes are not coloured')

    // the fork heals: D and E reorg onto x
    h.send({ t: 'hb', i: 3, height: 10, head: '{ x }', at: t + 10 }, { t: 'hb', i: 4, height: 10, head: '{ x }', at: t + 10 })
    assert.equal(h.view().summary.distinctHeads, 1)
    assert.equal(h.view().summary.largestGroup, 5)
    assert.equal(h.view().summary.inDispute.length, 0)
  })

  it('shows the relay\'s fork: the nodes on its other branches forked, and the alarm; heads alone call none', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [
      record('A', { height: 5, head: '{ m5 }', lastHeartbeatAt: t }),
      record('B', { height: 5, head: '{ other5 }', lastHeartbeatAt: t }),
      record('C', { height: 5, head: '{ m5 }', lastHeartbeatAt: t })
    ]))
    assert.equal(h.view().summary.distinctHeads, 2, 'two rounds at the best height, in words at once')
    assert.deepEqual(h.view().summary.inDispute.map(v => v.node.nickname), ['b'])
    assert.equal(h.view().summary.forked, false, 'the page calls no fork from heads: the relay does')
    assert.equal(h.row('b')?.status, 'in-sync')
    // the relay calls it: B's branch is a side of the fork
    h.clock.now += 1_000
    h.send(forksMessage(h.clock.now, { branches: [[0, 2], [1]], forked: true, height: 5 }))
    assert.equal(h.view().summary.forked, true)
    assert.equal(h.view().summary.fork?.id, 1)
    assert.equal(h.row('b')?.status, 'forked', 'the node on the other branch says so in words')
    assert.equal(h.row('b')?.branch, 1)
    assert.equal(h.row('a')?.status, 'in-sync')
    assert.equal(h.row('a')?.branch, 0)
    assert.deepEqual(h.view().summary.inDispute.map(v => v.node.nickname), ['b'])
    // a branch the relay does not count in the fork (a moment of propagation) is no fork
    h.send(forksMessage(h.clock.now, { branches: [[0, 2], [1]], forked: false, height: 5 }))
    assert.equal(h.view().summary.forked, false)
    assert.equal(h.row('b')?.status, 'in-sync')
    // the reorg: the relay says one branch
    h.send({ t: 'hb', i: 1, height: 5, head: '{ m5 }', at: h.clock.now }, forksMessage(h.clock.now, { branches: [[0, 1, 2]], height: 5 }))
    assert.equal(h.view().summary.distinctHeads, 1)
    assert.equal(h.row('b')?.status, 'in-sync')
    assert.equal(h.view().summary.fork, null)
  })

  it('counts a round seen in part (a tipset of 2 of its 3 blocks) as one head, and says how many see it so', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [
      record('A', { head: '{ bafyA bafyB bafyC }', lastHeartbeatAt: t }),
      record('B', { head: '{ bafyA bafyB bafyC }', lastHeartbeatAt: t }),
      record('C', { head: '{ bafyA bafyB }', lastHeartbeatAt: t })
    ]))
    const { summary } = h.view()
    assert.equal(summary.distinctHeads, 1)
    assert.equal(summary.largestGroup, 3)
    assert.equal(summary.partial, 1)
    assert.deepEqual(summary.inDispute, [])
    assert.equal(h.row('c')?.headColor, h.row('a')?.headColor, 'one round, one colour')
  })

  it('shows the largest network: a node of another genesis is another network, out of consensus; ?genesis= shows the other', () => {
    const t = 1_000_000
    const G1 = 'bafygenesisone111'
    const G2 = 'bafygenesistwo222'
    const nodes = [
      record('A', { genesisCid: G1, head: '{ m10 }', lastHeartbeatAt: t }),
      record('B', { genesisCid: G1, head: '{ m10 }', lastHeartbeatAt: t }),
      record('C', { genesisCid: null, head: '{ m10 }', lastHeartbeatAt: t }),
      // at the same height, on its own chain: were it of this network, a fork
      record('D', { genesisCid: G2, head: '{ w10 }', height: 12, lastHeartbeatAt: t })
    ]
    const forks = { t: 'forks' as const, at: t, networks: [networkPanel(t, { branches: [[0, 1, 2]], genesis: G1 }), networkPanel(t, { branches: [[3]], genesis: G2, main: false, height: 12 })] }
    const h = harness()
    h.send(...subscribe(t, nodes), forks)
    const { summary, network } = h.view()
    assert.equal(network.genesis, G1)
    assert.deepEqual(network.others, [{ genesis: G2, nodes: 1 }])
    assert.equal(h.row('d')?.status, 'other-network')
    assert.equal(summary.bestHeight, 10, 'the other network\'s height is not this one\'s best')
    assert.equal(summary.distinctHeads, 1)
    assert.equal(summary.online, 3)
    assert.equal(summary.otherNetwork, 1)
    assert.equal(h.row('c')?.status, 'in-sync', 'a node that reports no genesis counts in the largest network')
    assert.equal(h.view().nodes.at(-1)?.node.nickname, 'd', 'listed last')

    const other = createDashboardStore({ schedule: cb => { cb() }, now: () => t, genesis: 'genesistwo222' })
    for (const m of [...subscribe(t, nodes), forks]) other.push(m)
    other.flush()
    const view = other.getSnapshot()
    assert.equal(view.network.genesis, G2, 'by its ending')
    assert.equal(view.network.byUrl, true)
    assert.equal(view.summary.bestHeight, 12)
    assert.deepEqual(view.nodes.filter(v => v.status === 'other-network').map(v => v.node.nickname).sort(), ['a', 'b', 'c'])
  })

  it('breaks a tie between equal groups the same way every time', () => {
    const nodes = [record('A', { head: '{ q }' }), record('B', { head: '{ p }' })]
    const state = reduceAll(initialFeedState(), subscribe(0, nodes), 0)
    const view = deriveView(state, { state: 'live' }, 0, OPTIONS, null)
    assert.equal(view.summary.largestGroup, 1)
    assert.deepEqual(view.summary.inDispute.map(v => v.node.nickname), ['a'], '{ p } sorts first and is the reference')
  })
})

describe('store: ring buffer bound per node', () => {
  it('keeps at most HISTORY_CAPACITY points per node however long it runs', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [record('A', { height: 0, lastHeartbeatAt: t })]))
    // a beat a second: farther apart than the default window's spacing, so each one is a point
    for (let k = 1; k <= HISTORY_CAPACITY * 3; k++) h.store.push({ t: 'hb', i: 0, height: k, head: `{ ${k} }`, at: t + k * 1_000 })
    h.frame()
    const history = h.row('a')?.node.history
    assert.equal(history?.size, HISTORY_CAPACITY)
    assert.equal(history?.lastHeight(), HISTORY_CAPACITY * 3)
    assert.equal(history?.heightOf(0), HISTORY_CAPACITY * 2 + 1)
  })

  it('records height changes only, not every beat', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [record('A', { height: 3, lastHeartbeatAt: t })]))
    for (let k = 1; k <= 50; k++) h.store.push({ t: 'hb', i: 0, height: 3, head: '{ a }', at: t + k })
    h.frame()
    assert.equal(h.row('a')?.node.history.size, 1)
  })
})

describe('store: filter, pins', () => {
  it('filters by nickname and puts pinned nodes on top', () => {
    const h = harness({ filter: 'LO', pins: ['zed'] })
    const t = h.clock.now
    h.send(...subscribe(t, [
      record('A', { nickname: 'alpha', lastHeartbeatAt: t, height: 20 }),
      record('B', { nickname: 'lotus', lastHeartbeatAt: t, height: 20 }),
      record('C', { nickname: 'slowpoke', lastHeartbeatAt: t, height: 30 }),
      record('D', { nickname: 'zed', lastHeartbeatAt: t, height: 1 })
    ]))
    assert.deepEqual(h.view().nodes.map(v => v.node.nickname), ['zed', 'slowpoke', 'lotus'])
    assert.equal(h.view().summary.known, 4, 'the summary counts every node, filtered or not')
  })

  it('keeps hostile nicknames as data', () => {
    const h = harness()
    const nickname = '<img src=x onerror=alert(1)>'
    h.send(...subscribe(h.clock.now, [record('A', { nickname, lastHeartbeatAt: h.clock.now })]))
    assert.equal(h.view().nodes[0]?.node.nickname, nickname)
  })
})

describe('store: the best height follows what is online', () => {
  it('drops to the new chain when the devnet is reset to genesis, without calling it stalled', () => {
    let state = reduceAll(initialFeedState(), subscribe(1_000, [
      record('A', { height: 100, lastHeartbeatAt: 1_000 }),
      record('B', { height: 100, lastHeartbeatAt: 1_000 })
    ]), 1_000)
    assert.equal(state.best.height, 100)
    // both nodes restart on a fresh chain
    state = reduceAll(state, [
      { t: 'hb', i: 0, height: 1, head: '{ bafyNew1 }', at: 50_000 },
      { t: 'hb', i: 1, height: 1, head: '{ bafyNew1 }', at: 50_100 }
    ], 50_100)
    assert.equal(state.best.height, 1)
    assert.equal(state.best.roseAt, 50_000)
    state = reduce(state, { t: 'hb', i: 0, height: 2, head: '{ bafyNew2 }', at: 54_000 }, 54_000)
    assert.equal(state.best.height, 2)
    assert.equal(state.best.roseAt, 54_000)
    const view = deriveView(state, { state: 'live' }, 54_000, OPTIONS, null)
    assert.equal(view.summary.bestHeight, 2)
    assert.equal(view.summary.sinceRiseMs, 0)
  })

  it('falls back to the highest online node when the top node goes offline', () => {
    let state = reduceAll(initialFeedState(), subscribe(1_000, [
      record('A', { height: 50, lastHeartbeatAt: 1_000 }),
      record('B', { height: 48, lastHeartbeatAt: 900 })
    ]), 1_000)
    state = reduce(state, { t: 'disc', i: 0, at: 2_000 }, 2_000)
    assert.equal(state.best.height, 48)
    assert.equal(state.best.roseAt, 900)
  })
})

describe('store: bounded nodes', () => {
  it('keeps at most MAX_NODES, dropping the longest-silent offline node', () => {
    const nodes = Array.from({ length: MAX_NODES }, (_, k) => record(`P${k}`, { connected: k !== 7, lastHeartbeatAt: 1_000 + k }))
    let state = reduceAll(initialFeedState(), subscribe(1_000, nodes), 1_000)
    assert.equal(state.nodes.size, MAX_NODES)
    state = reduce(state, { t: 'node', i: MAX_NODES, node: record('Newcomer', { lastHeartbeatAt: 5_000 }) }, 5_000)
    assert.equal(state.nodes.size, MAX_NODES)
    assert.ok(state.nodes.has('Newcomer'))
    assert.equal(state.nodes.has('P7'), false, 'the offline node made room')
    assert.equal(state.byIndex.has(7), false)
  })
})

describe('store: watched nodes and the expected roster', () => {
  it('shows a roster node never heard as missing (kept, counted, sorted last), then as a node once it beats', () => {
    const h = harness({ offlineKeepMs: 1000 })
    const t = h.clock.now
    h.send(...subscribe(t, [
      record('A', { height: 10, lastHeartbeatAt: t - 500 }),
      record('M', { nickname: 'lotus-b', height: 0, head: '{ }', connected: false, firstSeenAt: null, lastHeartbeatAt: null })
    ]))
    const missing = h.row('lotus-b')
    assert.equal(missing?.status, 'missing')
    assert.equal(missing?.node.missing, true)
    assert.equal(missing?.lag, 0)
    assert.equal(h.view().summary.missing, 1)
    assert.equal(h.view().summary.online, 1)
    assert.deepEqual(h.view().nodes.map(v => v.node.nickname), ['a', 'lotus-b'])
    // an offline node leaves the view after offlineKeepMs; a missing one stays to be seen
    h.clock.now += 60_000
    h.ping()
    assert.equal(h.row('lotus-b')?.status, 'missing')

    h.send({ t: 'node', i: 1, node: record('M', { nickname: 'lotus-b', height: 10, lastHeartbeatAt: h.clock.now, firstSeenAt: h.clock.now }) })
    assert.equal(h.row('lotus-b')?.status, 'in-sync')
    assert.equal(h.row('lotus-b')?.node.missing, false)
    assert.equal(h.view().summary.missing, 0)
  })

  it('marks a node behind that says it is syncing as syncing, not behind', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [
      record('A', { height: 100, lastHeartbeatAt: t - 100 }),
      record('S', { height: 40, lastHeartbeatAt: t - 100, client: 'Lodestar', clientVersion: 'v1.5.1', syncing: true }),
      record('B', { height: 40, lastHeartbeatAt: t - 100, syncing: false })
    ]))
    assert.equal(h.row('s')?.status, 'syncing')
    assert.equal(h.row('s')?.node.client, 'Lodestar')
    assert.equal(h.row('b')?.status, 'behind')
  })
})
