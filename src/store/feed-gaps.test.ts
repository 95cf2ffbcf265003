// The page never claims what it cannot know: a lost feed, a new snapshot on its way, a feed
// gone quiet and a hidden tab that applies a minute of messages at once. Each rule on a fake
// clock, with frames that run only when the test says so.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FEED_VERSION } from '../protocol/constants.ts'
import type { FeedMessage, NodeRecord } from '../protocol/feed.ts'
import { FEED_CURRENT_MS, MAX_FEED_GAPS, MAX_QUEUED_MESSAGES, STALE_BEATS, STALL_BLOCKS } from './constants.ts'
import { createDashboardStore } from './store.ts'
import type { DashboardStore } from './store.ts'
import { forksMessage, record, subscribe } from '../testing/feed-messages.ts'
import type { DashboardView, NodeStatus } from './view.ts'

const BEAT_MS = 500
const BLOCK_MS = 1000
const NODES = 10

function harness () {
  const clock = { now: 1_000_000 }
  const frames: Array<() => void> = []
  const store: DashboardStore = createDashboardStore({ schedule: cb => { frames.push(cb) }, now: () => clock.now })
  const frame = (): void => { for (const cb of frames.splice(0)) cb() }
  const view = (): DashboardView => store.getSnapshot()
  const statuses = (): NodeStatus[] => view().nodes.map(v => v.status)
  return {
    store,
    clock,
    frame,
    view,
    statuses,
    send: (...messages: FeedMessage[]): void => { for (const m of messages) store.push(m); frame() },
    /** The page's clock moves on and it redraws (App ticks once a second): no word from the relay. */
    idle: (ms: number): void => {
      const end = clock.now + ms
      while (clock.now < end) {
        clock.now = Math.min(end, clock.now + 250)
        store.tick()
        frame()
      }
    }
  }
}
type Harness = ReturnType<typeof harness>

const peer = (k: number): string => `N${k}`
const headAt = (height: number, branch = 'main'): string => `{ ${branch}${height} }`

/** Live on a 10-node devnet: every node beats each 500 ms, a block each second, relay clock = page clock. */
function liveDevnet (h: Harness): { beat: (ms: number, onBeat?: (k: number, height: number) => string | undefined) => void, height: () => number } {
  const t = h.clock.now
  const nodes: NodeRecord[] = []
  for (let k = 0; k < NODES; k++) nodes.push(record(peer(k), { height: 100, head: headAt(100), lastHeartbeatAt: t, firstSeenAt: t - 60_000 }))
  h.send(...subscribe(t, nodes))
  h.store.setConnection({ state: 'live' })
  h.frame()
  let height = 100
  let nextBlock = t + BLOCK_MS
  let nextBeat = t + BEAT_MS
  return {
    height: () => height,
    beat (ms, onBeat) {
      const end = h.clock.now + ms
      while (nextBeat <= end) {
        h.clock.now = nextBeat
        while (nextBlock <= h.clock.now) { height++; nextBlock += BLOCK_MS }
        for (let k = 0; k < NODES; k++) {
          h.store.push({ t: 'hb', i: k, height, head: onBeat?.(k, height) ?? headAt(height), at: h.clock.now })
        }
        h.frame()
        nextBeat += BEAT_MS
      }
      h.clock.now = end
    }
  }
}

/** No alarm of any kind in the view: what a feed gap must never produce. */
function assertNoAlarm (view: DashboardView, context: string): void {
  const alarmed = view.nodes.filter(v => v.status === 'stale' || v.status === 'offline' || v.status === 'forked')
  assert.deepEqual(alarmed.map(v => `${v.node.peerId} ${v.status}`), [], `${context}: node alarms`)
  assert.equal(view.summary.stalled, false, `${context}: stalled`)
  assert.equal(view.summary.forked, false, `${context}: forked`)
}

describe('feed lost: the picture freezes at the last word', () => {
  it('claims no stale, offline, stall or fork for as long as the feed is lost, and says as of when', () => {
    const h = harness()
    const devnet = liveDevnet(h)
    devnet.beat(5_000)
    const lastWord = h.clock.now
    const before = h.view()
    assert.equal(before.current, true)
    assert.equal(Math.round(before.nodes[0]?.node.beatPeriodMs ?? 0), BEAT_MS)
    assert.equal(Math.round(before.summary.blockTimeMs ?? 0), BLOCK_MS)

    h.store.setConnection({ state: 'lost', retryAt: h.clock.now + 1000, reason: 'the feed ended' })
    for (let k = 0; k < 120; k++) {
      h.idle(250)
      assertNoAlarm(h.view(), `${(k + 1) * 250} ms into the outage`)
    }
    const view = h.view()
    assert.equal(view.current, false)
    assert.equal(view.heardAt, lastWord)
    assert.equal(view.now, lastWord, 'ages and the chart stop at the last word')
    assert.equal(view.summary.sinceRiseMs, before.summary.sinceRiseMs === null ? null : lastWord - view.summary.roseAt)
    assert.equal(view.windowStart, lastWord - view.windowMs, 'the chart does not scroll')
    assert.equal(view.summary.bestHeight, devnet.height())
    assert.equal(view.nodes, before.nodes, 'the same rows, not redrawn')
  })

  it('keeps the alarms that were up at the last word: a stale node and a stalled chain stay so, as of then', () => {
    const h = harness()
    const devnet = liveDevnet(h)
    devnet.beat(3_000)
    // N9 stops; the chain halts: the others beat on at one height for STALL_BLOCKS + 1 blocks
    const halted = devnet.height()
    for (let step = 0; step < 2 * (STALL_BLOCKS + 1); step++) {
      h.clock.now += BEAT_MS
      for (let k = 0; k < NODES - 1; k++) h.store.push({ t: 'hb', i: k, height: halted, head: headAt(halted), at: h.clock.now })
      h.frame()
    }
    assert.equal(h.view().summary.stalled, true)
    assert.equal(h.view().nodes.find(v => v.node.peerId === 'N9')?.status, 'stale')
    h.store.setConnection({ state: 'lost', retryAt: h.clock.now + 1000, reason: 'the feed ended' })
    h.idle(60_000)
    assert.equal(h.view().summary.stalled, true, 'withdrawn by nothing the page saw')
    assert.equal(h.view().nodes.find(v => v.node.peerId === 'N9')?.status, 'stale')
    assert.equal(h.view().nodes.filter(v => v.status === 'stale').length, 1)
  })

  it('starts no fork alarm for heads that differed at the last word', () => {
    const h = harness()
    const devnet = liveDevnet(h)
    devnet.beat(3_000)
    // the last beats before the loss: N9 on another tipset at the best height, for under a block time
    devnet.beat(BEAT_MS, k => k === 9 ? headAt(devnet.height(), 'other') : undefined)
    assert.equal(h.view().summary.distinctHeads, 2)
    assert.equal(h.view().summary.forked, false)
    h.store.setConnection({ state: 'lost', retryAt: h.clock.now + 1000, reason: 'the feed ended' })
    h.idle(10 * BLOCK_MS)
    assert.equal(h.view().summary.forked, false)
    assert.equal(h.view().nodes.find(v => v.node.peerId === 'N9')?.status, 'in-sync')
  })
})

describe('resubscribe: the snapshot is the truth again, with no flash from the gap', () => {
  it('holds the old picture while the new snapshot comes in, then shows the relay\'s state at once', () => {
    const h = harness()
    const devnet = liveDevnet(h)
    devnet.beat(5_000)
    const lastWord = h.clock.now
    h.store.setConnection({ state: 'lost', retryAt: h.clock.now + 1000, reason: 'the feed ended' })
    h.idle(30_000)
    h.store.setConnection({ state: 'connecting', attempt: 2 })
    h.frame()
    // every message of the new subscription applied in a frame of its own
    const t = h.clock.now
    const height = devnet.height() + 30
    const nodes = Array.from({ length: NODES }, (_, k) => record(peer(k), { height, head: headAt(height), lastHeartbeatAt: t - 200, firstSeenAt: t - 90_000 }))
    for (const message of subscribe(t, nodes)) {
      h.send(message)
      const view = h.view()
      assertNoAlarm(view, `after ${message.t}`)
      if (message.t !== 'synced') {
        assert.equal(view.heardAt, lastWord, `the old picture's time until the snapshot is in (${message.t})`)
        assert.equal(view.summary.bestHeight, devnet.height())
      }
    }
    assert.equal(h.view().heardAt, t)
    assert.deepEqual(h.view().gaps, [{ from: lastWord, to: t }], 'the chart marks what the page did not hear')
    assert.deepEqual(h.statuses(), Array(NODES).fill('in-sync'))
    assert.equal(h.view().summary.bestHeight, height)
    h.store.setConnection({ state: 'live' })
    h.frame()
    assert.equal(h.view().current, true)
    assertNoAlarm(h.view(), 'live again')
    assert.deepEqual(h.statuses(), Array(NODES).fill('in-sync'))
    // the learnt beat period survives the gap: a beat 500 ms on keeps it
    h.clock.now += BEAT_MS - 200
    h.send({ t: 'hb', i: 0, height, head: headAt(height), at: h.clock.now })
    assert.equal(Math.round(h.view().nodes.find(v => v.node.peerId === 'N0')?.node.beatPeriodMs ?? 0), BEAT_MS)
  })

  it('learns no block time from a rise across the gap', () => {
    const h = harness()
    const devnet = liveDevnet(h)
    devnet.beat(8_000)
    const samples = h.store.getFeedState().best.samples
    h.store.setConnection({ state: 'lost', retryAt: h.clock.now + 1000, reason: 'the feed ended' })
    h.idle(40_000)
    // a restarted relay: every node offline at its height from before, then they come back
    const t = h.clock.now
    const old = devnet.height()
    h.send(...subscribe(t, Array.from({ length: NODES }, (_, k) => record(peer(k), { height: old, head: headAt(old), connected: false, lastHeartbeatAt: t - 40_000 }))))
    h.store.setConnection({ state: 'live' })
    h.clock.now += 300
    h.send({ t: 'conn', i: 0, at: h.clock.now })
    assert.equal(h.view().summary.stalled, false, 'a node back at its old height does not date the best height')
    assert.equal(h.view().nodes.find(v => v.node.peerId === 'N0')?.status, 'waiting')
    h.clock.now += BEAT_MS
    h.send({ t: 'hb', i: 0, height: old + 40, head: headAt(old + 40), at: h.clock.now })
    assert.deepEqual(h.store.getFeedState().best.samples, samples, '40 heights in 40 unseen seconds are not a block time')
    assert.equal(h.view().nodes.find(v => v.node.peerId === 'N0')?.status, 'in-sync')
    assert.equal(h.view().summary.stalled, false)
    h.clock.now += BLOCK_MS
    h.send({ t: 'hb', i: 0, height: old + 41, head: headAt(old + 41), at: h.clock.now })
    assert.equal(h.store.getFeedState().best.samples.at(-1), BLOCK_MS, 'the next rise, seen from its start, is one')
  })

  it('calls no stall when the nodes come back from a gap lower than the best height from before it (a reset devnet)', () => {
    const h = harness()
    const devnet = liveDevnet(h)
    devnet.beat(8_000)
    h.store.setConnection({ state: 'lost', retryAt: h.clock.now + 1000, reason: 'the feed ended' })
    h.idle(30_000)
    const t = h.clock.now
    // a restarted relay with every node offline at a height below the best, then one back on a new chain
    h.send(...subscribe(t, Array.from({ length: NODES }, (_, k) => record(peer(k), { height: devnet.height() - 3, head: headAt(devnet.height() - 3), connected: false, lastHeartbeatAt: t - 30_000 }))))
    h.store.setConnection({ state: 'live' })
    h.clock.now += 300
    h.send({ t: 'conn', i: 0, at: h.clock.now })
    h.clock.now += BEAT_MS
    h.send({ t: 'hb', i: 0, height: 2, head: '{ reset2 }', at: h.clock.now })
    assert.equal(h.view().summary.bestHeight, 2)
    assertNoAlarm({ ...h.view(), nodes: [] }, 'back on a reset chain')
  })

  it('takes the best height from the snapshot when the devnet was reset during the gap', () => {
    const h = harness()
    const devnet = liveDevnet(h)
    devnet.beat(8_000)
    h.store.setConnection({ state: 'lost', retryAt: h.clock.now + 1000, reason: 'the feed ended' })
    h.idle(30_000)
    const t = h.clock.now
    // the relay stayed up; the devnet was reset to genesis 12 s ago and is at height 12 now
    h.send(
      { t: 'hello', version: FEED_VERSION, relayPeerId: '12D3KooWRelay', serverTime: t },
      { t: 'snapshot', serverTime: t, count: NODES },
      ...Array.from({ length: NODES }, (_, k): FeedMessage => ({
        t: 'node', i: k, node: record(peer(k), { height: 12, head: headAt(12, 'reset'), lastHeartbeatAt: t - 100 }), history: [[t - 12_000, 0], [t - 1000, 12]]
      })),
      { t: 'synced' }
    )
    assert.equal(h.store.getFeedState().best.height, 12)
    assert.equal(h.store.getFeedState().best.roseAt, t - 1000)
    h.store.setConnection({ state: 'live' })
    h.clock.now += 2 * BLOCK_MS
    h.send({ t: 'ping', serverTime: h.clock.now })
    assert.equal(h.view().summary.stalled, false)
    h.clock.now += 2 * BLOCK_MS
    h.send({ t: 'ping', serverTime: h.clock.now })
    assert.equal(h.view().summary.stalled, true, 'and a real stall after it is one')
  })

  it('does not call a node stale that reconnected and has not beaten yet, nor learn its outage as a period', () => {
    const h = harness()
    const t = h.clock.now
    // a page that never saw N0 beat twice: no period observed yet
    h.send(...subscribe(t, [record('N0', { lastHeartbeatAt: t - 100 }), record('N1', { lastHeartbeatAt: t - 100 })]))
    h.store.setConnection({ state: 'live' })
    h.clock.now += 100
    h.send({ t: 'disc', i: 0, at: h.clock.now })
    h.clock.now += 30_000
    h.send({ t: 'conn', i: 0, at: h.clock.now }, { t: 'hb', i: 1, height: 10, head: '{ bafyA }', at: h.clock.now })
    assert.equal(h.view().nodes.find(v => v.node.peerId === 'N0')?.status, 'waiting')
    h.clock.now += 2_000
    h.send({ t: 'hb', i: 1, height: 10, head: '{ bafyA }', at: h.clock.now })
    assert.equal(h.view().nodes.find(v => v.node.peerId === 'N0')?.status, 'waiting', 'silent since it connected, for less than its bound')
    h.send({ t: 'hb', i: 0, height: 10, head: '{ bafyA }', at: h.clock.now })
    const n0 = h.view().nodes.find(v => v.node.peerId === 'N0')
    assert.equal(n0?.status, 'in-sync')
    assert.equal(n0?.node.beatPeriodMs, null, 'the 30 s offline are no beat period')
  })

  it('gives a node a snapshot shows connected but long silent a bound of its own before calling it stale', () => {
    const h = harness()
    const devnet = liveDevnet(h)
    devnet.beat(3_000)
    h.store.setConnection({ state: 'lost', retryAt: h.clock.now + 1000, reason: 'the feed ended' })
    h.idle(20_000)
    // the relay restarted: N0 has reconnected but not beaten; its record is from before
    const t = h.clock.now
    const height = devnet.height() + 20
    const nodes = Array.from({ length: NODES }, (_, k) => k === 0
      ? record(peer(k), { height: devnet.height(), head: headAt(devnet.height()), lastHeartbeatAt: t - 20_000 })
      : record(peer(k), { height, head: headAt(height), lastHeartbeatAt: t - 100 }))
    h.send(...subscribe(t, nodes))
    h.store.setConnection({ state: 'live' })
    h.frame()
    const n0 = (): DashboardView['nodes'][number] | undefined => h.view().nodes.find(v => v.node.peerId === 'N0')
    assert.equal(n0()?.status, 'waiting', 'not stale, and not 20 behind: its height is from before')
    assert.equal(h.view().summary.bestHeight, height)
    assertNoAlarm(h.view(), 'snapshot in')
    // if it stays silent for its own bound after the snapshot, it is stale
    h.clock.now = t + STALE_BEATS * BEAT_MS
    h.send({ t: 'ping', serverTime: h.clock.now })
    assert.equal(n0()?.status, 'waiting')
    h.clock.now += 1
    h.send({ t: 'ping', serverTime: h.clock.now })
    assert.equal(n0()?.status, 'stale')
  })

  it('keeps a node stale that was stale before the gap and has not beaten since', () => {
    const h = harness()
    const devnet = liveDevnet(h)
    devnet.beat(3_000)
    for (let step = 0; step < 8; step++) {
      h.clock.now += BEAT_MS
      for (let k = 0; k < NODES - 1; k++) h.store.push({ t: 'hb', i: k, height: devnet.height(), head: headAt(devnet.height()), at: h.clock.now })
      h.frame()
    }
    const n9 = (): NodeStatus | undefined => h.view().nodes.find(v => v.node.peerId === 'N9')?.status
    assert.equal(n9(), 'stale')
    const silent = h.view().nodes.find(v => v.node.peerId === 'N9')?.node
    h.store.setConnection({ state: 'lost', retryAt: h.clock.now + 1000, reason: 'the feed ended' })
    h.idle(20_000)
    const t = h.clock.now
    const nodes = Array.from({ length: NODES }, (_, k) => k === 9 && silent !== undefined
      ? record(peer(k), { height: silent.height, head: silent.head, lastHeartbeatAt: silent.lastHeartbeatAt, firstSeenAt: silent.firstSeenAt })
      : record(peer(k), { height: devnet.height(), head: headAt(devnet.height()), lastHeartbeatAt: t - 100 }))
    h.send(...subscribe(t, nodes))
    h.store.setConnection({ state: 'live' })
    h.frame()
    assert.equal(n9(), 'stale', 'no flicker to waiting and back')
  })

  it('shows the relay\'s word on a fork across a gap: held as of the last word, then what the new snapshot says', () => {
    const h = harness()
    const devnet = liveDevnet(h)
    devnet.beat(3_000)
    devnet.beat(3 * BLOCK_MS, k => k >= 7 ? headAt(devnet.height(), 'other') : undefined)
    assert.equal(h.view().summary.forked, false, 'heads alone: the page calls nothing')
    const sides = [[0, 1, 2, 3, 4, 5, 6], [7, 8, 9]]
    h.send(forksMessage(h.clock.now, { branches: sides, forked: true, height: devnet.height() }))
    assert.equal(h.view().summary.forked, true)
    h.store.setConnection({ state: 'lost', retryAt: h.clock.now + 1000, reason: 'the feed ended' })
    h.idle(20_000)
    assert.equal(h.view().summary.forked, true, 'the relay\'s last word, shown as of then (not current)')
    assert.equal(h.view().current, false)
    const height = devnet.height() + 20
    const snapshot = (split: boolean): NodeRecord[] => Array.from({ length: NODES }, (_, k) =>
      record(peer(k), { height, head: headAt(height, split && k >= 7 ? 'other' : 'main'), lastHeartbeatAt: h.clock.now - 100 }))
    h.send(...subscribe(h.clock.now, snapshot(true)), forksMessage(h.clock.now, { branches: sides, forked: true, height }))
    h.send({ t: 'synced' })
    assert.equal(h.view().summary.forked, true, 'the relay still calls it')

    // another outage; the new snapshot's panel says one branch: no fork, whatever came before
    h.store.setConnection({ state: 'lost', retryAt: h.clock.now + 1000, reason: 'the feed ended' })
    h.idle(20_000)
    const messages = subscribe(h.clock.now, snapshot(false))
    h.send(...messages.slice(0, -1), forksMessage(h.clock.now, { branches: [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]], height }), ...messages.slice(-1))
    assert.equal(h.view().summary.forked, false)
    // a snapshot without a panel (a relay that sent none) forgets the old one: its ids are stale
    h.store.setConnection({ state: 'lost', retryAt: h.clock.now + 1000, reason: 'the feed ended' })
    h.send(...subscribe(h.clock.now, snapshot(true)))
    assert.equal(h.view().network.panel, null)
    assert.equal(h.view().summary.forked, false)
  })
})

describe('feed gaps for the chart', () => {
  it('marks a resubscribe that left the relay unheard for longer than a quiet feed, and keeps the last few', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [record('A', { lastHeartbeatAt: t })]))
    // the first paint's snapshot, then the feed's half a second later: no gap
    h.clock.now += 500
    h.send(...subscribe(h.clock.now, [record('A', { lastHeartbeatAt: t })]))
    assert.deepEqual(h.view().gaps, [])
    for (let k = 0; k < 20; k++) {
      const from = h.clock.now
      h.clock.now += FEED_CURRENT_MS + 1
      h.send(...subscribe(h.clock.now, [record('A', { lastHeartbeatAt: h.clock.now })]))
      assert.deepEqual(h.view().gaps.at(-1), { from, to: h.clock.now })
    }
    assert.equal(h.view().gaps.length, MAX_FEED_GAPS)
  })
})

describe('a feed gone quiet', () => {
  it('is current within FEED_CURRENT_MS of its last word, and as of that word after it', () => {
    const h = harness()
    const devnet = liveDevnet(h)
    devnet.beat(3_000)
    const lastWord = h.clock.now
    // the relay froze: the socket is open, nothing comes, the watchdog has not fired yet
    h.idle(FEED_CURRENT_MS)
    assert.equal(h.view().current, true)
    assert.equal(h.view().now, lastWord + FEED_CURRENT_MS)
    assertNoAlarm(h.view(), 'quiet, within the bound')
    h.idle(250)
    assert.equal(h.view().current, false)
    assert.equal(h.view().now, lastWord)
    h.idle(10_000)
    assertNoAlarm(h.view(), 'quiet past the watchdog')
    assert.equal(h.view().connection.state, 'live', 'the connection itself is the feed client\'s to call')
  })
})

describe('a hidden tab: no frames, then a minute of messages at once', () => {
  it('applies them on the relay\'s times: statuses, beat periods, block time and clock offset as if seen live', () => {
    const h = harness()
    // the relay's clock is 40 s ahead of the page's
    const skew = 40_000
    const t = h.clock.now
    h.send(...subscribe(t + skew, Array.from({ length: NODES }, (_, k) => record(peer(k), { height: 100, head: headAt(100), lastHeartbeatAt: t + skew - 100 }))))
    h.store.setConnection({ state: 'live' })
    h.frame()
    // hidden: messages arrive and are queued, no frame runs for a minute
    let height = 100
    for (let ms = BEAT_MS; ms <= 60_000; ms += BEAT_MS) {
      h.clock.now = t + ms
      if (ms % BLOCK_MS === 0) height++
      for (let k = 0; k < NODES; k++) h.store.push({ t: 'hb', i: k, height, head: headAt(height), at: h.clock.now + skew })
      if (ms % 5_000 === 0) h.store.push({ t: 'ping', serverTime: h.clock.now + skew })
      h.store.tick()
    }
    assert.ok(NODES * 120 < MAX_QUEUED_MESSAGES, 'the minute fits the queue: all of it is applied in one frame')
    assert.equal(h.view().summary.bestHeight, 100, 'nothing applied while hidden')
    // shown 200 ms after the last beat: one frame applies the minute
    h.clock.now += 200
    h.frame()
    const view = h.view()
    assert.equal(view.summary.bestHeight, height)
    assert.equal(view.current, true)
    assert.equal(view.clockOffsetMs, skew, 'from the last ping as it arrived, not as it was applied')
    assert.deepEqual(h.statuses(), Array(NODES).fill('in-sync'))
    assertNoAlarm(view, 'shown again')
    assert.equal(Math.round(view.nodes[0]?.node.beatPeriodMs ?? 0), BEAT_MS)
    assert.equal(view.summary.blockTimeMs, BLOCK_MS)
    assert.equal(view.summary.sinceRiseMs, 200)
  })

  it('shown after a minute with nothing heard (a feed that died while hidden): as of the last word, no alarm', () => {
    const h = harness()
    const devnet = liveDevnet(h)
    devnet.beat(3_000)
    const lastWord = h.clock.now
    // hidden: the App's ticks queue nothing and ask for a frame that never runs
    for (let k = 0; k < 60; k++) {
      h.clock.now += 1000
      h.store.tick()
    }
    h.frame()
    assert.equal(h.view().current, false)
    assert.equal(h.view().now, lastWord)
    assertNoAlarm(h.view(), 'shown again')
  })

  it('a queue flushed at its bound while hidden uses each message\'s arrival for the clock offset', () => {
    const h = harness()
    const t = h.clock.now
    h.send(...subscribe(t, [record('N0', { lastHeartbeatAt: t })]))
    h.store.setConnection({ state: 'live' })
    h.frame()
    // a ping with the relay 5 s ahead, then the tab sleeps, then the queue reaches its bound
    h.store.push({ t: 'ping', serverTime: t + 5_000 })
    h.clock.now += 30_000
    for (let k = 1; k < MAX_QUEUED_MESSAGES; k++) h.store.push({ t: 'hb', i: 0, height: 10, head: '{ bafyA }', at: t + 5_000 })
    assert.equal(h.store.getFeedState().nodes.get('N0')?.lastHeartbeatAt, t + 5_000, 'applied at the bound, without a frame')
    assert.equal(h.store.getFeedState().clockOffsetMs, 5_000)
  })
})
