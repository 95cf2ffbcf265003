import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EventDetector, NODE_EVENT_BURST } from './event-detector.ts'
import type { DevnetEventKind } from './event-detector.ts'

interface Seen { at: number, kind: DevnetEventKind, peers: string[], data?: Record<string, unknown> }

const T0 = 1_767_600_000_000

function detector (): { d: EventDetector, seen: Seen[], kinds: () => string[] } {
  const seen: Seen[] = []
  const d = new EventDetector({ manual: true, sink: { event: (at, kind, peers, data) => { seen.push(data == null ? { at, kind, peers } : { at, kind, peers, data }) } } })
  return { d, seen, kinds: () => seen.map(e => `${e.kind}${e.peers.length > 0 ? ` ${e.peers.join(',')}` : ''}`) }
}

/** Nodes beating every 3 s on a chain with a block every 4 s, from `from` to `to`; `skip` says
 *  which beats a node does not send, `height` what it reports. */
function run (d: EventDetector, peers: string[], from: number, to: number, options: {
  skip?: (peer: string, t: number) => boolean
  height?: (peer: string, t: number) => number
} = {}): void {
  const height = options.height ?? ((_peer: string, t: number) => Math.floor((t - T0) / 4_000))
  for (let t = from; t < to; t += 100) {
    for (const [k, peer] of peers.entries()) {
      if ((t - T0 - k * 300) % 3_000 !== 0) continue
      if (options.skip?.(peer, t) === true) continue
      d.heartbeat(peer, t, height(peer, t))
    }
    if ((t - T0) % 1_000 === 0) d.sweep(t)
  }
}

describe('event detector', () => {
  it('says nothing about a healthy devnet but that its nodes joined', () => {
    const { d, kinds } = detector()
    run(d, ['a', 'b', 'c'], T0, T0 + 120_000)
    assert.deepEqual(kinds(), ['joined a', 'joined b', 'joined c'])
    // rises are seen at beats (every 3 s, staggered), so the estimate is near, not at, 4 s
    assert.ok((d.chain.blockTimeMs ?? 0) >= 3_000 && (d.chain.blockTimeMs ?? 0) <= 5_000, `block time ${d.chain.blockTimeMs}`)
  })

  it('calls a node stale three beat periods after its last beat, and back when it beats again', () => {
    const { d, seen, kinds } = detector()
    const quietFrom = T0 + 60_000
    run(d, ['a', 'b'], T0, T0 + 120_000, { skip: (peer, t) => peer === 'b' && t >= quietFrom && t < quietFrom + 30_000 })
    // while silent its height falls two blocks behind before it is silent long enough to be
    // stale: the page says 'behind' then too, and the list says what the page said
    assert.deepEqual(kinds(), ['joined a', 'joined b', 'behind b', 'stale b', 'back b', 'caught_up b'])
    const stale = seen[3]!
    const lastBeat = stale.data?.lastBeatAt as number
    // the exact moment it crossed the line: three of its 3 s periods after its last beat
    assert.equal(stale.at, lastBeat + 9_000)
    assert.ok(lastBeat < quietFrom && lastBeat >= quietFrom - 3_000)
    assert.ok(seen[4]!.at >= quietFrom + 30_000)
  })

  it('calls a node behind two blocks down (one, past the grace), and caught up when it is level', () => {
    const { d, kinds } = detector()
    const chain = (t: number): number => Math.floor((t - T0) / 4_000)
    run(d, ['a', 'b'], T0, T0 + 180_000, {
      height: (peer, t) => peer === 'b' && t >= T0 + 60_000 && t < T0 + 120_000 ? chain(T0 + 60_000) : chain(t)
    })
    assert.deepEqual(kinds(), ['joined a', 'joined b', 'behind b', 'caught_up b'])
  })

  it('says a node that fell behind was syncing when its beats said so', () => {
    const { d, seen } = detector()
    const chain = (t: number): number => Math.floor((t - T0) / 4_000)
    for (let t = T0; t < T0 + 60_000; t += 100) {
      if ((t - T0) % 3_000 === 0) d.heartbeat('a', t, chain(t))
      if ((t - T0 - 300) % 3_000 === 0) d.heartbeat('w', t, t < T0 + 20_000 ? chain(t) : chain(T0 + 20_000), t >= T0 + 20_000)
      if ((t - T0) % 1_000 === 0) d.sweep(t)
    }
    const behind = seen.find(e => e.kind === 'behind')
    assert.deepEqual([behind?.peers, behind?.data?.syncing], [['w'], true])
  })

  it('calls the chain stalled after three block times without a rise, and resumed at the next', () => {
    const { d, seen, kinds } = detector()
    const haltAt = T0 + 100_000
    const resumeAt = T0 + 160_000
    // halted for a minute, then blocks again
    const chain = (t: number): number => Math.floor((Math.min(t, haltAt) - T0) / 4_000) + (t >= resumeAt ? 1 + Math.floor((t - resumeAt) / 4_000) : 0)
    run(d, ['a', 'b', 'c'], T0, T0 + 200_000, { height: (_peer, t) => chain(t) })
    assert.deepEqual(kinds(), ['joined a', 'joined b', 'joined c', 'stalled', 'resumed'])
    const stalled = seen[3]!
    // three 4 s blocks after the last rise before the halt (which a beat reported within 3 s)
    assert.ok(stalled.at > haltAt - 4_000 + 12_000 - 1 && stalled.at <= haltAt + 3_000 + 12_000, `stalled at +${stalled.at - T0}`)
    assert.equal(seen[4]!.data?.height, chain(resumeAt))
    assert.ok(seen[4]!.at >= resumeAt && seen[4]!.at < resumeAt + 3_000)
  })

  it('learns no block time from nodes joining at different heights', () => {
    const { d, kinds } = detector()
    // ten nodes join within 100 ms, each a height above the last
    for (let k = 0; k < 10; k++) d.heartbeat(`n${k}`, T0 + k * 10, 100 + k)
    assert.equal(d.chain.blockTimeMs, null)
    d.sweep(T0 + 5_000)
    assert.deepEqual(kinds().filter(k => k === 'stalled'), [], 'no stall called from a 10 ms "block time"')
  })

  it('says a node left when its stream closed and joined when it came back', () => {
    const { d, kinds, seen } = detector()
    d.heartbeat('a', T0, 1)
    d.disconnected('a', T0 + 1_000)
    d.connected('a', T0 + 5_000)
    d.heartbeat('a', T0 + 5_100, 2)
    assert.deepEqual(kinds(), ['joined a', 'left a', 'joined a'])
    assert.deepEqual(seen[0]!.data, { first: true })
    assert.equal(seen[2]!.data, undefined)
  })

  it('does not call a node the relay knew from an earlier run new', () => {
    const { d, seen } = detector()
    d.known('a', T0 - 60_000, 5)
    d.heartbeat('a', T0, 6)
    d.heartbeat('b', T0, 6)
    assert.deepEqual(seen.map(e => [e.kind, e.peers[0], e.data]), [['joined', 'a', undefined], ['joined', 'b', { first: true }]])
  })

  it('records no more than a burst of events for a node that flaps, and counts the rest', () => {
    const { d, seen } = detector()
    for (let k = 0; k < 200; k++) {
      d.heartbeat('flappy', T0 + k * 100, 1)
      d.disconnected('flappy', T0 + k * 100 + 50)
    }
    assert.ok(seen.length <= NODE_EVENT_BURST + 1, `${seen.length} events`)
    assert.equal(seen.length + d.dropped, 400)
  })
})
