import assert from 'node:assert/strict'
import { writeFileSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, before, describe, it } from 'node:test'
import { FINE_MS, FULL_DISK_RETRY_MS, KEYFRAME_MS, RECORD_FILE, ROLLUP_LEVELS_MS, SEGMENT_MS } from './constants.ts'
import { HistoryRecord } from './record-service.ts'
import { readHistory } from './reader.ts'
import { openRecordReader } from './schema.ts'
import { FORK_BEGAN, FORK_ENDED } from '../../protocol/forks.ts'
import { comparable, FakeClock, headOf, manualRecord, Model, script, T0, tempDir } from '../../testing/record.ts'
import type { ModelEvent } from '../../testing/record.ts'
import type { HistoryResult } from './types.ts'

const FLUSH_MS = 200
// the finest level's rows are a minute each
const FINE_LEVEL_MS = SEGMENT_MS

/** Feeds events up to `until` to the record, flushing every flushMs of fake time. */
function feed (record: HistoryRecord, clock: FakeClock, events: readonly ModelEvent[], from: number, until: number, flushMs = FLUSH_MS): number {
  let k = from
  while (clock.t < until) {
    clock.t = Math.min(until, clock.t + flushMs)
    while (k < events.length && (events[k]?.t ?? Infinity) <= clock.t) Model.apply(record, events[k++]!)
    record.flush()
  }
  return k
}

async function checkStates (record: HistoryRecord, model: Model, moments: number[], label: string): Promise<void> {
  const forgotten = new Set(model.events.filter(e => e.kind === 'forgotten').map(e => e.peer))
  for (const at of moments) {
    const got = await record.stateAt(at)
    const want = model.stateAt(at)
    assert.deepEqual(got.map(n => n.peerId), [...want.keys()].sort(), `${label}: nodes at ${new Date(at).toISOString()}`)
    for (const n of got) {
      const m = want.get(n.peerId)!
      assert.deepEqual(comparable(n), comparable(m), `${label}: ${n.peerId} at ${new Date(at).toISOString()} (+${at - T0} ms)`)
      if (!forgotten.has(n.peerId)) assert.equal(n.firstSeenAt, m.firstSeenAt, `${label}: ${n.peerId} first seen`)
      assert.ok(n.lastHeartbeatAt <= at + 1, 'a heartbeat is never later than the moment')
    }
  }
}

/** Each bucket's last height must be the model's at the bucket's end. */
function checkHistory (result: HistoryResult, model: Model, skip: Set<string>, label: string): void {
  const { from, stepMs, buckets, to } = result
  assert.ok(result.nodes.length > 0, `${label}: some nodes`)
  for (const series of result.nodes) {
    if (skip.has(series.peerId)) continue
    assert.equal(series.first + series.heights.length, buckets, `${label}: ${series.peerId} fills the window`)
    for (let j = 0; j < series.heights.length; j++) {
      const k = series.first + j
      // the last bucket includes `to`
      const end = k === buckets - 1 ? to : Math.min(from + (k + 1) * stepMs - 1, to)
      const want = model.heightAt(series.peerId, end)
      assert.equal(series.heights[j], want, `${label}: ${series.peerId} bucket ${k} of ${buckets} (ends +${end - T0} ms)`)
    }
    if (series.first > 0) {
      // not known at the start: known by the end of its first bucket, not before it
      const before = from + series.first * stepMs - 1
      assert.equal(model.heightAt(series.peerId, before), undefined, `${label}: ${series.peerId} unknown before bucket ${series.first}`)
    }
  }
}

describe('history record', () => {
  const clock = new FakeClock()
  let dir: string
  let remove: () => Promise<void>
  let record: HistoryRecord
  const model = new Model()
  // 2.5 h of 30 nodes with trouble: crosses minutes, 10-minute and hour buckets and keyframes;
  // half the nodes report their heads' parents after the first 20 minutes
  const duration = 150 * 60_000
  const parentsFrom = T0 + 20 * 60_000

  before(async () => {
    ({ dir, remove } = await tempDir())
    record = manualRecord(dir, clock)
    model.add(script({ nodes: 30, durationMs: duration, blockMs: 4_000, beatMs: 3_000, seed: 7, trouble: true, parentsFrom }))
    feed(record, clock, model.events, 0, T0 + duration)
  })
  after(async () => {
    await record?.stop()
    await remove()
  })

  it('gives the exact state of every node at any moment, its head\'s parent included where it was reported', async () => {
    const moments = [T0, T0 + 1, T0 + 2_999, T0 + SEGMENT_MS, T0 + SEGMENT_MS - 1, T0 + KEYFRAME_MS, T0 + KEYFRAME_MS - 1, T0 + KEYFRAME_MS + 1,
      T0 + duration - 1, T0 + duration]
    for (let k = 0; k < 40; k++) moments.push(T0 + Math.floor(((k * 7_919_993) % duration)))
    // just before and at some changes
    for (const e of model.events.filter((_, k) => k % 9_001 === 17)) moments.push(e.t - 1, e.t)
    await checkStates(record, model, moments, 'one run')
    // the comparison holds parents: some nodes had them then (else it proves nothing)
    const withParents = (await record.stateAt(T0 + KEYFRAME_MS + 1)).filter(n => n.parentHead !== undefined)
    assert.ok(withParents.length >= 10, `${withParents.length} nodes with a parent`)
    assert.deepEqual((await record.stateAt(parentsFrom - 1)).filter(n => n.parentHead !== undefined), [], 'none before they were reported')
  })

  it('thins a window to at most the points asked for, each bucket\'s last height exact', async () => {
    const forgotten = new Set(model.events.filter(e => e.kind === 'forgotten').map(e => e.peer))
    for (const [from, to, points] of [
      [T0 + 600_000, T0 + 1_200_000, 600], // raw, 1 s buckets
      [T0, T0 + duration, 400], // raw, 22.5 s buckets
      [T0 + 123_457, T0 + duration - 98_765, 211], // raw, uneven edges
      [T0, T0 + duration, 100], // the 1-minute level, 2-minute buckets
      [T0 + 5 * 60_000, T0 + duration, 1] // one bucket
    ] as const) {
      const result = await record.history({ from, to, points })
      assert.ok(result.buckets <= points + 1, `${result.buckets} buckets for ${points} points`)
      checkHistory(result, model, forgotten, `[+${from - T0}, +${to - T0}] in ${points}`)
    }
  })

  it('keeps the lowest and highest height of a bucket where they differ from its last (a reorg)', async () => {
    // buckets of a beat or two: a fork's lower height between two beats at the chain's
    const result = await record.history({ from: T0, to: T0 + duration, points: 2_000 })
    const forked = result.nodes.find(n => n.peerId.includes('Peer0011'))
    assert.ok(forked != null)
    assert.ok(forked.ranges.length > 0, 'the forking node shows lower heights within buckets')
    for (const [k, lo, hi] of forked.ranges) {
      const start = result.from + k * result.stepMs
      const heights: number[] = []
      for (const e of model.events) {
        if (e.peer === forked.peerId && e.kind === 'beat' && e.t >= start && e.t < start + result.stepMs) heights.push(e.beat.height)
      }
      assert.equal(lo, Math.min(...heights), `bucket ${k} lowest`)
      assert.equal(hi, Math.max(...heights), `bucket ${k} highest`)
    }
  })

  it('keeps whether a node was stale (the detector\'s word) in its state, until it beats or its connection changes', async () => {
    const { dir, remove } = await tempDir()
    const c = new FakeClock()
    const r = manualRecord(dir, c)
    try {
      const beat = (h: number): void => { r.heartbeat('s', c.t, { height: h, head: headOf(h), nickname: 's', minerAddress: null, genesisCid: null }) }
      beat(1)
      c.t += 10_000
      r.stale('s', c.t, true)
      const staleAt = c.t
      c.t += 1_000
      r.flush()
      // across a keyframe boundary and a restart
      c.t = T0 + KEYFRAME_MS + 5_000
      r.flush()
      await r.stop()
      c.t += 1_000
      const again = manualRecord(dir, c)
      const at = async (t: number): Promise<boolean | undefined> => (await again.stateAt(t)).find(n => n.peerId === 's')?.stale
      assert.equal(await at(staleAt - 1), false)
      assert.equal(await at(staleAt), true)
      assert.equal(await at(T0 + KEYFRAME_MS + 1_000), true, 'from the keyframe')
      // the stop disconnected it: no longer stale, offline
      assert.equal(await at(c.t), false)
      await again.stop()
    } finally {
      await remove()
    }
  })

  it('answers history and state in a worker thread as the record reads them on its own thread', async () => {
    const db = openRecordReader(join(dir, RECORD_FILE))
    try {
      for (const [from, to, points] of [[T0, T0 + duration, 300], [T0 + 600_000, T0 + 1_200_000, 600]] as const) {
        assert.deepEqual(await record.history({ from, to, points }), await readHistory(db, { from, to, points }))
      }
      const aborted = new AbortController()
      aborted.abort()
      await assert.rejects(record.history({ from: T0, to: T0 + duration, signal: aborted.signal }), { name: 'AbortError' })
    } finally {
      db.close()
    }
  })

  it('gives only the peers asked for', async () => {
    const peers = [model.events[0]!.peer, 'not-a-known-peer']
    const result = await record.history({ from: T0, to: T0 + 600_000, points: 10, peers })
    assert.deepEqual(result.nodes.map(n => n.peerId), [model.events[0]!.peer])
  })

  it('refuses a window that ends before it starts, by name', async () => {
    await assert.rejects(record.history({ from: T0 + 10, to: T0 }), { name: 'InvalidQueryError' })
    await assert.rejects(record.stateAt(Number.NaN), { name: 'InvalidQueryError' })
  })

  it('gives back every change in order, a minute at a time, for replay', async () => {
    const from = T0 + 600_000
    const to = T0 + 3_600_000
    const start = await record.stateAt(from)
    const heights = new Map(start.map(n => [n.peerId, n.height]))
    const connected = new Map(start.map(n => [n.peerId, n.connected]))
    let previous = from
    let minutes = 0
    // moments to compare at, in order
    const checks = [from + 1_000, from + 777_777, to - 1]
    // each beat's parent, as it was sent
    const parents = new Map<string, string | undefined>()
    for (const e of model.events) if (e.kind === 'beat') parents.set(`${e.peer} ${e.t}`, e.parent)
    let withParents = 0
    const check = (at: number): void => {
      for (const [peer, n] of model.stateAt(at)) {
        assert.equal(heights.get(peer), n.height, `${peer} height at +${at - T0}`)
        assert.equal(connected.get(peer), n.connected, `${peer} connected at +${at - T0}`)
      }
    }
    for await (const chunk of record.changes(from, to)) {
      minutes++
      for (const change of chunk) {
        assert.ok(change.t >= previous && change.t > from && change.t <= to, 'in time order, inside the window')
        while (checks.length > 0 && change.t > checks[0]!) check(checks.shift()!)
        previous = change.t
        if (change.kind === 'beat') {
          heights.set(change.peerId, change.height)
          const sent = parents.get(`${change.peerId} ${change.t}`)
          assert.equal(change.parent, sent, `${change.peerId}'s parent at +${change.t - T0}`)
          if (sent !== undefined) withParents++
        }
        else if (change.kind === 'connected' || change.kind === 'disconnected') connected.set(change.peerId, change.kind === 'connected')
        else if (change.kind === 'forgotten') { heights.delete(change.peerId); connected.delete(change.peerId) }
      }
    }
    for (const at of checks) check(at)
    assert.equal(minutes, 50)
    assert.ok(withParents > 1_000, `${withParents} beats with a parent`)
  })

  it('records events and gives them back by time, a page at a time', async () => {
    const at = clock.t
    for (let k = 0; k < 25; k++) record.event(at - 60_000 + k, k % 2 === 0 ? 'stale' : 'back', [`peer-${k}`], { height: k })
    record.event(at - 10, 'chain_stalled', [])
    record.flush()
    const all = await record.events({ from: at - 60_000, to: at })
    assert.equal(all.events.length, 26)
    assert.deepEqual(all.events[0], { id: all.events[0]!.id, at: at - 60_000, kind: 'stale', peers: ['peer-0'], data: { height: 0 } })
    assert.deepEqual(all.events[25]?.peers, [])
    const page1 = await record.events({ from: at - 60_000, to: at, limit: 10 })
    assert.equal(page1.events.length, 10)
    assert.ok(page1.next != null)
    const page2 = await record.events({ from: at - 60_000, to: at, limit: 10, after: page1.next })
    assert.equal(page2.events[0]?.peers[0], 'peer-10')
    const none = await record.events({ from: at - 60_000 + 5, to: at - 60_000 + 6 })
    assert.deepEqual(none.events.map(e => e.peers[0]), ['peer-5', 'peer-6'])
  })
})

describe('history record over long windows', () => {
  it('reads the stored levels (1 min, 10 min, 1 h) with exact bucket ends', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    const record = manualRecord(dir, clock)
    try {
      const model = new Model()
      const duration = 7 * 3_600_000 + 17 * 60_000
      model.add(script({ nodes: 6, durationMs: duration, blockMs: 20_000, beatMs: 10_000, seed: 3 }))
      feed(record, clock, model.events, 0, T0 + duration, 2_000)
      const levels = new Set<number | string>()
      for (const [from, to, points] of [
        [T0, T0 + duration, 450], // 1-minute level (437 rows a node)
        [T0 + 1_000, T0 + duration, 60], // 10-minute level
        [T0 + 4_321, T0 + duration - 1_000, 4] // 1-hour level, 2-hour buckets
      ] as const) {
        const result = await record.history({ from, to, points })
        levels.add(result.source)
        assert.ok(result.from <= from && result.from > from - (typeof result.source === 'number' ? result.source : 0) - 1)
        assert.ok(result.buckets <= points + 1, `${result.buckets} buckets for ${points} points`)
        checkHistory(result, model, new Set(), `level ${String(result.source)}`)
      }
      assert.deepEqual([...levels], [FINE_MS, ...ROLLUP_LEVELS_MS])
    } finally {
      await record.stop()
      await remove()
    }
  })
})

describe('history record levels', () => {
  it('gives from the 12 s level what the raw changes thinned give: heights, lowest and highest, connections', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    const record = manualRecord(dir, clock)
    try {
      const model = new Model()
      const duration = 75 * 60_000 + 31_234
      model.add(script({ nodes: 12, durationMs: duration, blockMs: 4_000, beatMs: 3_000, seed: 17, trouble: true }))
      feed(record, clock, model.events, 0, T0 + duration)
      // the same record without the level: a window on its grid is thinned from the raw changes
      const raw = join(dir, 'raw.sqlite')
      const packed = openRecordReader(join(dir, RECORD_FILE))
      packed.exec(`VACUUM INTO '${raw}'`)
      const rawDb = new DatabaseSync(raw)
      const dropped = rawDb.prepare('DELETE FROM pack WHERE level = 0').run()
      assert.ok(Number(dropped.changes) > 70, `${dropped.changes} minutes packed`)
      rawDb.close()
      const unpacked = openRecordReader(raw)
      try {
        const end = T0 + duration
        for (const [from, to, points] of [
          [end - 3_600_000, end, 300], // an hour as a page asks for it: 12 s buckets, the open minute from the journal
          [T0, T0 + 3_600_000, 300], // whole minutes
          [T0 + 123_457, end - 98_765, 100], // uneven edges: 48 s buckets
          [T0 + 7_000, T0 + 67 * 60_000 + 5_000, 67] // 1-minute buckets off the minute
        ] as const) {
          const label = `[+${from - T0}, +${to - T0}] in ${points}`
          const got = await readHistory(packed, { from, to, points })
          assert.equal(got.source, FINE_MS, label)
          assert.deepEqual(got, await readHistory(unpacked, { from, to, points }), label)
          checkHistory(got, model, new Set(), label)
          assert.ok(got.nodes.some(n => n.ranges.length > 0) && got.nodes.some(n => n.connection.length > 1), `${label}: reorgs and disconnections in it`)
        }
      } finally {
        packed.close()
        unpacked.close()
      }
    } finally {
      await record.stop()
      await remove()
    }
  })

  it('reads a record made before the packed levels (schema 1), and records on into it', async () => {
    // fixtures/record-v1.sqlite.gz: made by scripts/make-record-v1.ts with the record's code
    // before packs (commit 04e4efe): this script up to `stopAt`, then a clean stop. It is
    // upgraded twice on open (packs, then parents); the nodes report parents from then on
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    try {
      writeFileSync(join(dir, RECORD_FILE), gunzipSync(readFileSync(new URL('./fixtures/record-v1.sqlite.gz', import.meta.url))))
      const stopAt = T0 + 140 * 60_000 + 7_000
      const events = script({ nodes: 5, durationMs: 200 * 60_000, blockMs: 4_000, beatMs: 3_000, seed: 21, trouble: true, parentsFrom: stopAt + 3 * 60_000 })
      const model = new Model()
      model.add(events.filter(e => e.t <= stopAt))
      for (const [peer, n] of model.stateAt(stopAt)) if (n.connected) model.events.push({ t: stopAt, peer, kind: 'disconnected' })
      clock.t = stopAt + 3 * 60_000
      const record = manualRecord(dir, clock)
      try {
        const db = new DatabaseSync(join(dir, RECORD_FILE), { readOnly: true })
        assert.equal(Number((db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: number }).value), 3)
        db.close()
        const rest = events.filter(e => e.t > clock.t)
        feed(record, clock, rest, 0, T0 + 200 * 60_000)
        model.add(rest)
        const check = new DatabaseSync(join(dir, RECORD_FILE), { readOnly: true })
        // before the upgrade roll rows, after it packs
        const lastRoll = Number((check.prepare('SELECT max(b) AS b FROM roll WHERE level = 1').get() as { b: number }).b) * 600_000
        const firstPack = Number((check.prepare('SELECT min(b) AS b FROM pack WHERE level = 0').get() as { b: number }).b) * SEGMENT_MS
        check.close()
        assert.ok(lastRoll < stopAt && firstPack >= stopAt - SEGMENT_MS, 'roll rows before the upgrade, packs after')
        const levels = new Set<number | string>()
        for (const [from, to, points] of [
          [T0 + 100 * 60_000 + 5_000, T0 + 180 * 60_000 + 5_000, 200], // 24 s buckets across the upgrade: raw changes, then packs
          [T0, T0 + 150 * 60_000, 150], // 1-minute buckets: segments' summaries, then packs
          [T0 + 1_000, T0 + 200 * 60_000, 30], // the 10-minute level
          [T0 + 4_321, T0 + 200 * 60_000 - 1_000, 3] // the hourly level
        ] as const) {
          const label = `[+${from - T0}, +${to - T0}] in ${points}`
          const result = await record.history({ from, to, points })
          levels.add(result.source)
          checkHistory(result, model, new Set(), label)
        }
        assert.deepEqual([...levels], [FINE_MS, ...ROLLUP_LEVELS_MS])
        await checkStates(record, model, [T0 + 60_000, stopAt - 1, stopAt + 60_000, clock.t - 30 * 60_000, clock.t], 'after the upgrade')
        assert.ok((await record.stateAt(clock.t)).some(n => n.parentHead !== undefined), 'parents recorded after the upgrade')
      } finally {
        await record.stop()
      }
    } finally {
      await remove()
    }
  })
})

describe('history record of schema 2 (before parents)', () => {
  it('reads a record made before heads\' parents were kept, killed mid-minute, and records on into it with parents', async () => {
    // fixtures/record-v2.sqlite.gz: made by scripts/make-record-v2.ts with the record's code
    // before parents (commit bc2b190): this script up to `killedAt`, then killed (no stop), so
    // its open minute is only in the journal, in the old format
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    try {
      writeFileSync(join(dir, RECORD_FILE), gunzipSync(readFileSync(new URL('./fixtures/record-v2.sqlite.gz', import.meta.url))))
      const killedAt = T0 + 70 * 60_000 + 31_000
      const restartAt = killedAt + 2 * 60_000
      const end = T0 + 100 * 60_000
      const events = script({ nodes: 5, durationMs: 100 * 60_000, blockMs: 4_000, beatMs: 3_000, seed: 23, trouble: true, parentsFrom: restartAt })
      const model = new Model()
      model.add(events.filter(e => e.t <= killedAt))
      // the next start marks the connected nodes disconnected as of the killed run's last flush
      for (const [peer, n] of model.stateAt(killedAt)) if (n.connected) model.events.push({ t: killedAt, peer, kind: 'disconnected' })
      clock.t = restartAt
      const record = manualRecord(dir, clock)
      try {
        const db = new DatabaseSync(join(dir, RECORD_FILE), { readOnly: true })
        const meta = (key: string): number => Number((db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number }).value)
        assert.equal(meta('schema'), 3)
        // the killed run's open minute is the first closed after the upgrade: format 3 from it
        assert.equal(meta('parents_from'), Math.floor(killedAt / SEGMENT_MS))
        db.close()
        // the open minute, from the journal rewritten in the upgrade
        await checkStates(record, model, [killedAt - 31_000, killedAt - 1, killedAt, restartAt], 'the killed run')

        const rest = events.filter(e => e.t > clock.t)
        feed(record, clock, rest, 0, end)
        model.add(rest)
        await checkStates(record, model, [T0 + 60_000, T0 + KEYFRAME_MS + 1, killedAt - 1, killedAt + 60_000, restartAt + 5 * 60_000, clock.t - 1, clock.t], 'after the upgrade')
        const forgotten = new Set(model.events.filter(e => e.kind === 'forgotten').map(e => e.peer))
        // the raw changes across the upgrade, segments of both formats; and the stored levels
        for (const [from, to, points] of [[killedAt - 10 * 60_000, restartAt + 10 * 60_000, 600], [T0, end, 300], [T0, end, 30]] as const) {
          checkHistory(await record.history({ from, to, points }), model, forgotten, `[+${from - T0}, +${to - T0}] in ${points}`)
        }
        // replay's changes across the upgrade: none before it has a parent, after it as sent
        const sent = new Map<string, string | undefined>()
        for (const e of model.events) if (e.kind === 'beat') sent.set(`${e.peer} ${e.t}`, e.parent)
        let beats = 0
        let withParents = 0
        for await (const chunk of record.changes(killedAt - 5 * 60_000, restartAt + 10 * 60_000)) {
          for (const change of chunk) {
            if (change.kind !== 'beat') continue
            beats++
            assert.equal(change.parent, sent.get(`${change.peerId} ${change.t}`), `${change.peerId}'s parent at +${change.t - T0}`)
            if (change.parent !== undefined) withParents++
          }
        }
        assert.ok(beats > 500 && withParents > 100, `${beats} beats, ${withParents} with a parent`)
      } finally {
        await record.stop()
      }
    } finally {
      await remove()
    }
  })
})

describe('history record across restarts', () => {
  it('keeps everything a clean stop flushed, and shows nodes offline while the relay was down', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    try {
      const model = new Model()
      const duration = 40 * 60_000
      const events = script({ nodes: 12, durationMs: duration, blockMs: 4_000, beatMs: 3_000, seed: 11, trouble: true, parentsFrom: T0 })
      const half = T0 + 17 * 60_000 + 123
      let record = manualRecord(dir, clock)
      const k = feed(record, clock, events, 0, half)
      model.add(events.slice(0, k))
      // the stop marks every connected node disconnected at that moment
      for (const [peer, n] of model.stateAt(clock.t)) if (n.connected) model.events.push({ t: clock.t, peer, kind: 'disconnected' })
      const stoppedAt = clock.t
      await record.stop()

      // down for 5 minutes; what nodes sent meanwhile never reached the relay
      clock.t += 5 * 60_000
      const rest = events.filter(e => e.t > clock.t)
      record = manualRecord(dir, clock)
      feed(record, clock, rest, 0, T0 + duration)
      model.add(rest)
      await checkStates(record, model, [T0 + 60_000, stoppedAt - 1, stoppedAt, stoppedAt + 60_000, clock.t - 60_000, clock.t], 'restart')
      const gaps = (await record.events({ from: T0, to: clock.t })).events.filter(e => e.kind === 'record_gap')
      assert.equal(gaps.length, 1)
      assert.deepEqual(gaps[0]?.data, { from: stoppedAt, to: stoppedAt + 5 * 60_000, reason: 'relay_down', stopped: true })
      // a moment in the gap says so (/api/state), with the nodes as at any moment; one before
      // it or once the relay was back does not
      const inGap = await record.momentAt(stoppedAt + 60_000)
      assert.deepEqual(inGap.gap, { from: stoppedAt, to: stoppedAt + 5 * 60_000, reason: 'relay_down' })
      assert.deepEqual(inGap.nodes, await record.stateAt(stoppedAt + 60_000))
      assert.equal((await record.momentAt(stoppedAt - 1)).gap, undefined)
      assert.equal((await record.momentAt(stoppedAt + 5 * 60_000)).gap, undefined)
      assert.equal((await record.momentAt(clock.t)).gap, undefined)
      await record.stop()
    } finally {
      await remove()
    }
  })

  it('ends a fork left open by a killed run as of its last flush, marked interrupted', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    try {
      const dead = manualRecord(dir, clock)
      const side = (largest: boolean, peerId: string) => ({ tipHeight: 9, tipHead: '{ bafy }', largest, nodeCount: 1, nodes: [{ peerId, nickname: 'n', client: null, clientVersion: null }] })
      const fork = { id: 4, genesis: null, startedAt: clock.t, calledAt: clock.t + 1_000, endedAt: null, durationMs: null, splitHeight: 7, depth: 2, sides: [side(true, 'a'), side(false, 'b')] }
      dead.event(clock.t, FORK_BEGAN, ['b'], { ...fork })
      clock.t += 5_000
      dead.flush()
      const lastFlush = clock.t
      // dropped as a killed process would be; the next run starts 30 s later
      clock.t += 30_000
      const record = manualRecord(dir, clock)
      const [ended] = await record.forks({ from: 0, to: clock.t })
      assert.equal(ended?.id, 4)
      assert.equal(ended?.endedAt, lastFlush, 'ends as of the killed run\'s last flush')
      assert.equal(ended?.durationMs, lastFlush - fork.startedAt)
      assert.equal(ended?.interrupted, true)
      const events = (await record.events({ from: 0, to: clock.t })).events.filter(event => event.kind === FORK_ENDED)
      assert.deepEqual(events.map(event => event.peers), [['b']], 'one fork_ended, naming the nodes off the largest side')
      await record.stop()
      // a clean stop and start adds nothing
      const again = manualRecord(dir, clock)
      assert.equal((await again.events({ from: 0, to: clock.t })).events.filter(event => event.kind === FORK_ENDED).length, 1)
      await again.stop()
    } finally {
      await remove()
    }
  })

  it('keeps everything up to the last flush when the process dies without stopping', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    try {
      const model = new Model()
      const events = script({ nodes: 10, durationMs: 20 * 60_000, blockMs: 4_000, beatMs: 3_000, seed: 5, parentsFrom: T0 })
      // dies mid-minute: the open minute is only in the journal
      const death = T0 + 12 * 60_000 + 31_000
      const dead = manualRecord(dir, clock)
      const k = feed(dead, clock, events, 0, death)
      model.add(events.slice(0, k))
      // nothing more is flushed: `dead` is dropped as a killed process would be. The next
      // start marks its connected nodes disconnected as of its last flush.
      for (const [peer, n] of model.stateAt(clock.t)) if (n.connected) model.events.push({ t: death, peer, kind: 'disconnected' })
      clock.t += 30_000
      const record = manualRecord(dir, clock)
      await checkStates(record, model, [death - 31_000, death - 1, death, death + 10_000], 'after a crash')
      await record.stop()
    } finally {
      await remove()
    }
  })
})

describe('history record bounds', () => {
  it('deletes what is older than --history-days, a keyframe period per step, and keeps a base for what is left', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    try {
      const record = manualRecord(dir, clock, { historyDays: 1 })
      const model = new Model()
      const duration = 30 * 3_600_000
      model.add(script({ nodes: 4, durationMs: duration, blockMs: 30_000, beatMs: 30_000, seed: 9 }))
      const events = model.events
      let k = 0
      let steps = 0
      while (clock.t < T0 + duration) {
        k = feed(record, clock, events, k, clock.t + 10 * 60_000, 5_000)
        for (let more = true; more; steps++) more = record.retentionStep().more
      }
      const cutoff = clock.t - 86_400_000
      const db = new DatabaseSync(join(dir, RECORD_FILE), { readOnly: true })
      const oldestKf = (db.prepare('SELECT min(t) AS t FROM keyframe').get() as { t: number }).t
      const oldestSeg = (db.prepare('SELECT min(b) AS b FROM seg').get() as { b: number }).b * SEGMENT_MS
      // the packed levels go with the rest: nothing from before the bucket the cut falls in
      const oldestPacks = [FINE_LEVEL_MS, ...ROLLUP_LEVELS_MS].map((size, level) => {
        const b = (db.prepare('SELECT min(b) AS b FROM pack WHERE level = ?').get(level) as { b: number | null }).b
        assert.ok(b != null, `level ${level} has packs`)
        return [Number(b) * size, size] as const
      })
      db.close()
      for (const [t, size] of oldestPacks) assert.ok(t > oldestKf - size && t <= oldestKf, `oldest pack of ${size / 60_000} min ${(oldestKf - t) / 60_000} min before the oldest keyframe`)
      assert.ok(oldestKf <= cutoff && oldestKf > cutoff - KEYFRAME_MS, `oldest keyframe ${(cutoff - oldestKf) / 60_000} min before the cutoff`)
      assert.ok(oldestSeg >= oldestKf - SEGMENT_MS, 'no segment before the oldest keyframe')
      assert.ok(steps > 6 * 2, `${steps} steps`)
      // what is left is exact; what is gone is gone
      await checkStates(record, model, [cutoff, cutoff + 1_234_567, clock.t], 'after retention')
      assert.deepEqual(await record.stateAt(oldestKf - KEYFRAME_MS), [])
      await record.stop()
    } finally {
      await remove()
    }
  })

  it('keeps the record under --history-max-mb, oldest first', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    try {
      const maxMb = 1
      const record = manualRecord(dir, clock, { historyMaxMb: maxMb })
      const model = new Model()
      const duration = 4 * 3_600_000
      model.add(script({ nodes: 40, durationMs: duration, blockMs: 1_000, beatMs: 1_000, seed: 13 }))
      let k = 0
      let peak = 0
      while (clock.t < T0 + duration) {
        k = feed(record, clock, model.events, k, clock.t + 5 * 60_000, 1_000)
        for (let more = true; more;) more = record.retentionStep().more
        peak = Math.max(peak, record.size().used)
      }
      assert.equal(record.stats.paused, undefined)
      assert.ok(record.size().used <= maxMb * 1024 * 1024, `${record.size().used} bytes used`)
      // the bound held all along, give or take what one step's 5 minutes wrote
      assert.ok(peak <= maxMb * 1024 * 1024 * 1.3, `peak ${peak}`)
      await checkStates(record, model, [clock.t - 60_000, clock.t], 'under the size bound')
      await record.stop()
    } finally {
      await remove()
    }
  })

  it('pauses on a full record (SQLITE_FULL), keeps taking changes, and resumes when there is room', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    try {
      const record = manualRecord(dir, clock)
      const model = new Model()
      const events = script({ nodes: 20, durationMs: 20 * 60_000, blockMs: 1_000, beatMs: 1_000, seed: 17 })
      model.add(events)
      let k = feed(record, clock, events, 0, T0 + 5 * 60_000)
      // the cap SQLite enforces, a few pages above what is used: the next minutes cannot fit
      record.setHardCap(record.size().file + 2 * 4096)
      k = feed(record, clock, events, k, T0 + 8 * 60_000)
      assert.equal(record.stats.paused, 'disk_full')
      assert.ok(record.stats.writeErrors >= 1)
      assert.ok(record.stats.dropped.paused > 0, 'changes meanwhile are counted as not recorded')
      const pausedAt = T0 + 5 * 60_000
      // room again: the next try (every FULL_DISK_RETRY_MS) resumes
      record.setHardCap(1024 * 1024 * 1024)
      k = feed(record, clock, events, k, T0 + 8 * 60_000 + FULL_DISK_RETRY_MS + FLUSH_MS)
      assert.equal(record.stats.paused, undefined)
      const resumedAt = clock.t
      feed(record, clock, events, k, T0 + 20 * 60_000)
      const gap = (await record.events({ from: T0, to: clock.t })).events.find(e => e.kind === 'record_gap')
      assert.equal(gap?.data?.reason, 'disk_full')
      assert.ok(Number(gap?.data?.from) >= pausedAt && Number(gap?.data?.from) < T0 + 8 * 60_000)
      // before the pause and after the resume the record is exact
      await checkStates(record, model, [pausedAt - 1, resumedAt + 1, resumedAt + 65_000, clock.t], 'around a full disk')
      await record.stop()
    } finally {
      await remove()
    }
  })

  it('drops and counts changes past the queue bound instead of waiting', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    try {
      const record = manualRecord(dir, clock, { maxQueuedChanges: 10 })
      for (let h = 1; h <= 30; h++) record.heartbeat('peer-a', T0 + h, { height: h, head: headOf(h), nickname: 'a', minerAddress: null, genesisCid: null })
      // the first beat queues three changes (info, connected, beat), then one per beat
      assert.equal(record.stats.queued, 10)
      assert.equal(record.stats.dropped.queueFull, 30 + 2 - 10)
      record.flush()
      assert.equal(record.stats.queued, 0)
      await record.stop()
    } finally {
      await remove()
    }
  })
})

describe('history record files', () => {
  it('moves a file that will not open aside, logs it, and starts a new record', async () => {
    const { dir, remove } = await tempDir()
    try {
      const file = join(dir, RECORD_FILE)
      writeFileSync(file, 'not a database, just some text that is long enough to look like a header'.repeat(100))
      const clock = new FakeClock()
      const record = manualRecord(dir, clock)
      const aside = record.stats.movedAside
      assert.ok(aside != null && existsSync(aside), 'the old file is kept beside the new one')
      assert.match(aside, /history\.sqlite\.damaged-\d+$/)
      record.heartbeat('peer-a', T0 + 10, { height: 5, head: headOf(5), nickname: 'a', minerAddress: null, genesisCid: null })
      clock.t += 1_000
      record.flush()
      assert.equal((await record.stateAt(clock.t))[0]?.height, 5)
      await record.stop()
    } finally {
      await remove()
    }
  })

  it('moves aside a record of another schema version', async () => {
    const { dir, remove } = await tempDir()
    try {
      const clock = new FakeClock()
      await manualRecord(dir, clock).stop()
      const db = new DatabaseSync(join(dir, RECORD_FILE))
      db.exec("UPDATE meta SET value = 99 WHERE key = 'schema'")
      db.close()
      const record = manualRecord(dir, clock)
      assert.ok(record.stats.movedAside != null)
      assert.equal(record.stats.paused, undefined)
      await record.stop()
      assert.equal(readdirSync(dir).filter(f => f.includes('damaged') && !f.endsWith('-wal') && !f.endsWith('-shm')).length, 1)
    } finally {
      await remove()
    }
  })

  it('runs without a record when none can be opened: the live view is not its problem', async () => {
    const { dir, remove } = await tempDir()
    try {
      // the data "dir" is a file: nothing can be created in it
      const notADir = join(dir, 'file')
      writeFileSync(notADir, 'x')
      const record = new HistoryRecord({ dataDir: notADir, manual: true, checkpointWorker: false })
      record.start()
      assert.equal(record.stats.paused, 'unavailable')
      record.heartbeat('peer-a', T0, { height: 1, head: headOf(1), nickname: '', minerAddress: null, genesisCid: null })
      record.flush()
      assert.equal(record.stats.queued, 0)
      await assert.rejects(record.history({ from: T0, to: T0 + 1 }), { name: 'RecordUnavailableError' })
      await record.stop()
    } finally {
      await remove()
    }
  })
})
