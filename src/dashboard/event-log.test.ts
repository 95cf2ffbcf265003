import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EventLog, MAX_SHOWN_EVENTS } from './event-log.ts'
import { HistoryUnavailableError } from './history-api.ts'
import { eventText } from './event-text.ts'
import type { DevnetEvent, EventsAnswer } from '../protocol/history.ts'

const event = (id: number, kind = 'stale'): DevnetEvent => ({ id, at: 1_000 + id, kind, peers: [`p${id}`] })

describe('event log', () => {
  it('shows the window, then adds what is new at each poll, newest first', async () => {
    const asked: Array<{ from: number, to: number, after?: number }> = []
    const answers: EventsAnswer[] = [{ events: [event(1), event(2)] }, { events: [event(3)] }, { events: [] }]
    let tick: (() => void) | undefined
    const log = new EventLog({
      base: 'http://relay/',
      fetchEvents: async (_base, query) => { asked.push(query); return answers.shift() ?? { events: [] } },
      setInterval: callback => { tick = callback; return 1 },
      clearInterval: () => { tick = undefined }
    })
    const seen: number[][] = []
    log.subscribe(() => { seen.push(log.getSnapshot().events.map(e => e.id)) })
    log.live(() => 100_000, 60_000)
    while (seen.length < 1) await new Promise(resolve => setImmediate(resolve))
    tick?.()
    while (seen.length < 2) await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(seen, [[2, 1], [3, 2, 1]])
    assert.deepEqual(asked, [{ from: 40_000, to: 100_000 }, { from: 40_000, to: 100_000, after: 2 }])
    log.stop()
    assert.equal(tick, undefined)
  })

  it('keeps at most MAX_SHOWN_EVENTS', async () => {
    const log = new EventLog({ base: 'http://relay/', fetchEvents: async () => ({ events: Array.from({ length: 500 }, (_, k) => event(k + 1)) }), setInterval: () => 0, clearInterval: () => {} })
    await log.moment(10_000, 60_000)
    assert.equal(log.getSnapshot().events.length, MAX_SHOWN_EVENTS)
    assert.equal(log.getSnapshot().events[0]?.id, 500)
  })

  it('says why there are no events when the relay keeps none', async () => {
    const log = new EventLog({ base: 'http://relay/', fetchEvents: async () => { throw new HistoryUnavailableError(404, 'not found') }, setInterval: () => 0, clearInterval: () => {} })
    await log.moment(10_000, 60_000)
    assert.deepEqual(log.getSnapshot(), { events: [], available: false, problem: 'this relay keeps no history' })
  })

  it('words events for a wall', () => {
    const name = (p: string): string => p === 'p1' ? 'lotus-1' : p
    assert.equal(eventText({ id: 1, at: 0, kind: 'behind', peers: ['p1'], data: { lag: 3 } }, name).text, 'lotus-1 fell behind by 3 blocks')
    assert.equal(eventText({ id: 1, at: 0, kind: 'behind', peers: ['p1'], data: { lag: 3, syncing: true } }, name).text, 'lotus-1 fell behind by 3 blocks, syncing')
    assert.equal(eventText({ id: 1, at: 0, kind: 'stalled', peers: [], data: { height: 1234567 } }, name).text, 'Chain stalled at 1,234,567')
    assert.equal(eventText({ id: 1, at: 0, kind: 'back', peers: ['p1'], data: { silentMs: 65_000 } }, name).text, 'lotus-1 came back after 1 m 05 s')
    assert.equal(eventText({ id: 1, at: 0, kind: 'record_gap', peers: [], data: { from: 0, to: 300_000, reason: 'relay_down' } }, name).text, 'Nothing recorded for 5 m 00 s (relay down)')
  })

  it('words a fork as the fork panel does: its badge, the minority named, +N past what fits', () => {
    const node = (nickname: string, k: number): Record<string, unknown> => ({ peerId: `p${k}`, nickname, client: null, clientVersion: null })
    const sides = [
      { tipHeight: 20, tipHead: '{ a }', largest: true, nodeCount: 4, nodes: ['ada', 'bo', 'cy', 'di'].map(node) },
      { tipHeight: 19, tipHead: '{ b }', largest: false, nodeCount: 7, nodes: ['eve', 'fay', 'gus', 'hal', 'ivy', 'jo', ''].map(node) }
    ]
    const name = (p: string): string => `…${p}`
    const began = eventText({ id: 9, at: 0, kind: 'fork_began', peers: [], data: { id: 3, splitHeight: 1234, depth: 1, durationMs: null, sides } }, name)
    assert.deepEqual(began, { badge: 'FORK #3', text: 'began · split after 1,234', tone: 'loud', detail: 'eve, fay, gus, hal, ivy +2 on the other branch' })
    const ended = eventText({ id: 10, at: 0, kind: 'fork_ended', peers: [], data: { id: 3, splitHeight: 1234, depth: 5, durationMs: 42_000, sides } }, name)
    assert.deepEqual(ended, { text: 'FORK #3 over after 42 s · 5 deep', tone: 'calm', detail: 'eve, fay, gus, hal, ivy +2 back on one chain' })
    const cut = eventText({ id: 11, at: 0, kind: 'fork_ended', peers: [], data: { id: 4, depth: 2, durationMs: 5_000, interrupted: true, sides: [sides[0]] } }, name)
    assert.equal(cut.text, 'FORK #4 cut off: relay stopped after 5 s · 2 deep')
    assert.equal(cut.detail, undefined, 'no minority named: no second line')
    // what the relay sent is checked, not trusted: junk sides are skipped, never thrown on
    assert.equal(eventText({ id: 12, at: 0, kind: 'fork_began', peers: [], data: { id: 5, sides: [null, 3, { largest: true }, { largest: false, nodes: [7, { nickname: 'zed' }] }] } }, name).detail, 'zed on the other branch')
  })

  it('counts the sides a fork\'s record does not list (otherSides) in its branches and its +N', () => {
    const name = (p: string): string => `…${p}`
    const side = (largest: boolean, nicknames: string[]): Record<string, unknown> => ({ tipHeight: 20, tipHead: '{ a }', largest, nodeCount: nicknames.length, nodes: nicknames.map((nickname, k) => ({ peerId: `p${k}`, nickname, client: null, clientVersion: null })) })
    const sides = [side(true, ['ada', 'bo', 'cy']), side(false, ['eve']), side(false, ['fay'])]
    // 3 sides listed, 24 more counted with 31 nodes: 27 branches, 33 nodes off the largest
    const data = { id: 7, splitHeight: 99, depth: 1, durationMs: null, sides, otherSides: { count: 24, nodeCount: 31 } }
    assert.deepEqual(eventText({ id: 1, at: 0, kind: 'fork_began', peers: [], data }, name), { badge: 'FORK #7', text: 'began · split after 99 · 27 branches', tone: 'loud', detail: 'eve, fay +31 on other branches' })
    assert.equal(eventText({ id: 2, at: 0, kind: 'fork_ended', peers: [], data: { ...data, durationMs: 9_000 } }, name).detail, 'eve, fay +31 back on one chain')
    // only the largest listed, its minority all counted: no names to show, the nodes counted
    assert.equal(eventText({ id: 3, at: 0, kind: 'fork_began', peers: [], data: { ...data, sides: [sides[0]], otherSides: { count: 1, nodeCount: 4 } } }, name).detail, '4 nodes on the other branch')
    // what the relay sent is checked: a count that is not one counts nothing
    assert.equal(eventText({ id: 4, at: 0, kind: 'fork_began', peers: [], data: { ...data, otherSides: { count: 'many', nodeCount: 1e300 } } }, name).text, 'began · split after 99 · 3 branches')
  })

  it('lists events by time: a fork is written when called but dated when its heads first differed', async () => {
    const answers: EventsAnswer[] = [{ events: [{ id: 1, at: 5_000, kind: 'behind', peers: ['p'] }, { id: 2, at: 3_000, kind: 'fork_began', peers: [] }] }]
    const log = new EventLog({ base: 'http://relay/', fetchEvents: async () => answers.shift() ?? { events: [] }, setInterval: () => 1, clearInterval: () => {} })
    await log.moment(10_000, 60_000)
    assert.deepEqual(log.getSnapshot().events.map(e => e.id), [1, 2])
  })
})
