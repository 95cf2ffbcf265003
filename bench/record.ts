// The history record: bytes on disk per recorded change, what writing costs, and how long the
// relay takes to read a window back. In-process, on a fake clock (the record's cost, not the
// network's); `node bench/record.ts` prints the figures, bench/run.ts --only=record writes rows.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { historyLines } from '../src/relay/record/ndjson.ts'
import { HistoryRecord } from '../src/relay/record/record-service.ts'
import { percentile } from './lib.ts'

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0)
const peerOf = (k: number): string => `12D3KooWBench${String(k).padStart(5, '0')}${'b'.repeat(34)}`
// a go-filecoin tipset key of two blocks, as long as real ones
const headOf = (height: number): string => `{ bafy2bzacea${String(height).padStart(51, 'q')} bafy2bzaceb${String(height).padStart(51, 'r')} }`

interface Clock { t: number }

function record (dir: string, clock: Clock, extra: { historyMaxMb?: number } = {}): HistoryRecord {
  const r = new HistoryRecord({ dataDir: dir, now: () => clock.t, manual: true, checkpointWorker: false, ...extra })
  r.start()
  return r
}

/** Nodes beat every beatMs with the chain's height (a block every blockMs); one node in 50 a
 *  block behind. With `parents`, each heartbeat says its head's parent (ParentHead, the chain's
 *  previous head), as watched nodes' do. Flushes every flushMs of fake time; returns the flush
 *  times (ms of CPU). */
function drive (r: HistoryRecord, clock: Clock, nodes: number, until: number, blockMs: number, beatMs: number, flushMs = 200, parents = false): number[] {
  const next = Array.from({ length: nodes }, (_, k) => clock.t + (k * 7_919) % beatMs)
  const flushes: number[] = []
  const names = Array.from({ length: nodes }, (_, k) => `bench-${k}`)
  const peers = Array.from({ length: nodes }, (_, k) => peerOf(k))
  const heads = new Map<number, string>()
  while (clock.t < until) {
    const flushAt = clock.t + flushMs
    for (let k = 0; k < nodes; k++) {
      let t = next[k] ?? flushAt
      while (t < flushAt) {
        const height = 2_000_000 + Math.floor((t - T0) / blockMs) - (k % 50 === 0 ? 1 : 0)
        // the relay's registry hands the record one string per head, not one per beat
        let head = heads.get(height)
        if (head == null) {
          if (heads.size > 64) heads.clear()
          heads.set(height, head = headOf(height))
        }
        const parent = parents ? heads.get(height - 1) ?? headOf(height - 1) : undefined
        r.heartbeat(peers[k] ?? '', t, { height, head, nickname: names[k] ?? '', minerAddress: 't01000', genesisCid: null }, parent)
        t += beatMs
      }
      next[k] = t
    }
    clock.t = flushAt
    const started = performance.now()
    r.flush()
    flushes.push(performance.now() - started)
  }
  return flushes
}

function fileBytes (dir: string): { bytes: number, tables: Array<[string, number]> } {
  const db = new DatabaseSync(join(dir, 'history.sqlite'))
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  const pageSize = Number((db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size)
  const pages = Number((db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count)
  const tables = (db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as Array<{ name: string, bytes: number }>)
    .map(row => [row.name, Number(row.bytes)] as [string, number])
  db.close()
  return { bytes: pages * pageSize, tables }
}

export interface BytesResult { blockMs: number, hours: number, changes: number, bytes: number, perChange: number, tables: Array<[string, number]> }

/** Bytes on disk (page_count × page_size, after a checkpoint) per recorded change; `parents`:
 *  the heartbeats carry ParentHead. */
export async function recordBytes (options: { nodes: number, hours: number, blockMs: number, beatMs: number, parents?: boolean }): Promise<BytesResult> {
  const dir = mkdtempSync(join(tmpdir(), 'devnet-bench-record-'))
  try {
    const clock = { t: T0 }
    const r = record(dir, clock)
    drive(r, clock, options.nodes, T0 + options.hours * 3_600_000, options.blockMs, options.beatMs, 200, options.parents ?? false)
    const changes = r.stats.changesWritten
    await r.stop()
    const { bytes, tables } = fileBytes(dir)
    return { blockMs: options.blockMs, hours: options.hours, changes, bytes, perChange: bytes / changes, tables }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface WriteResult { changesPerSecond: number, flushP50: number, flushP99: number, flushMax: number, cpuShare: number }

/** What writing costs at a given rate of changes: every beat a new height. */
export async function recordWrites (options: { nodes: number, changesPerSecond: number, seconds: number }): Promise<WriteResult> {
  const dir = mkdtempSync(join(tmpdir(), 'devnet-bench-record-'))
  try {
    const clock = { t: T0 }
    const r = record(dir, clock)
    const beatMs = 1_000 * options.nodes / options.changesPerSecond
    // a minute first, so the timed part is a record in its stride (pages cached, ids known)
    drive(r, clock, options.nodes, T0 + 60_000, beatMs, beatMs)
    const flushes = drive(r, clock, options.nodes, T0 + 60_000 + options.seconds * 1_000, beatMs, beatMs)
    const changes = r.stats.changesWritten
    await r.stop()
    const sorted = [...flushes].sort((a, b) => a - b)
    const busy = flushes.reduce((sum, ms) => sum + ms, 0)
    return {
      changesPerSecond: Math.round(changes / (60 + options.seconds)),
      flushP50: percentile(sorted, 0.5),
      flushP99: percentile(sorted, 0.99),
      flushMax: sorted.at(-1) ?? NaN,
      cpuShare: busy / (options.seconds * 1_000)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface ReadResult { label: string, ms: number, encodeMs: number, source: string | number, buckets: number, nodes: number, jsonBytes: number }

/**
 * How long the relay takes to answer a window of all nodes: 1 hour and 7 days. The week is
 * recorded sparsely (a change per node every 10 minutes: every 10-minute and 1-hour bucket
 * has a row, as with a live chain, at a fraction of the time to generate), the last 2 hours
 * densely (a block every 4 s).
 */
/**
 * A record of `nodes` over `days` ending `endsAt` (default: now) in `dir`: sparse (a change per
 * node every 10 minutes, so every 10-minute and 1-hour bucket has a row as with a live chain, at
 * a fraction of the time to generate), the last 2 hours dense (a block every 4 s). Returns when
 * it ends; the record is stopped (closed) when this returns.
 */
export async function fillRecord (dir: string, options: { nodes: number, days: number, endsAt?: number, log: (line: string) => void }): Promise<number> {
  const end = options.endsAt ?? Date.now()
  const clock = { t: end - options.days * 86_400_000 }
  const r = record(dir, clock)
  for (let day = 0; day < options.days; day++) {
    drive(r, clock, options.nodes, Math.min(end - 2 * 3_600_000, clock.t + 86_400_000), 600_000, 600_000, 10_000)
    options.log(`    recorded day ${day + 1} of ${options.days}`)
  }
  drive(r, clock, options.nodes, end, 4_000, 3_000)
  await r.stop()
  return end
}

export async function recordReads (options: { nodes: number, days: number, repeats: number, log: (line: string) => void }): Promise<ReadResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'devnet-bench-record-'))
  try {
    const clock = { t: T0 }
    const r = record(dir, clock)
    const end = T0 + options.days * 86_400_000
    for (let day = 0; day < options.days; day++) {
      drive(r, clock, options.nodes, Math.min(end - 2 * 3_600_000, T0 + (day + 1) * 86_400_000), 600_000, 600_000, 10_000)
      options.log(`    recorded day ${day + 1} of ${options.days}`)
    }
    drive(r, clock, options.nodes, end, 4_000, 3_000)
    const results: ReadResult[] = []
    for (const [label, from, points] of [['1 hour, 600 points', end - 3_600_000, 600], [`${options.days} days, 600 points`, T0, 600]] as const) {
      const times: number[] = []
      const encodeTimes: number[] = []
      let last: ReadResult | undefined
      for (let k = 0; k < options.repeats; k++) {
        const started = performance.now()
        const result = await r.history({ from, to: end, points })
        const read = performance.now()
        let bytes = 0
        for (const line of historyLines(result)) bytes += Buffer.byteLength(line)
        times.push(read - started)
        encodeTimes.push(performance.now() - read)
        last = { label, ms: 0, encodeMs: 0, source: result.source, buckets: result.buckets, nodes: result.nodes.length, jsonBytes: bytes }
      }
      if (last != null) results.push({ ...last, ms: percentile(times.sort((a, b) => a - b), 0.5), encodeMs: percentile(encodeTimes.sort((a, b) => a - b), 0.5) })
    }
    const stateTimes: number[] = []
    for (let k = 0; k < options.repeats; k++) {
      const started = performance.now()
      await r.stateAt(end - 29 * 60_000)
      stateTimes.push(performance.now() - started)
    }
    results.push({ label: 'state at a moment (?at=)', ms: percentile(stateTimes.sort((a, b) => a - b), 0.5), encodeMs: 0, source: 'keyframe', buckets: 0, nodes: options.nodes, jsonBytes: 0 })
    await r.stop()
    return results
  } finally {
    if (process.env.KEEP_RECORD == null) rmSync(dir, { recursive: true, force: true })
    else console.log('kept', dir)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const log = (line: string): void => { console.log(line) }
  const only = process.argv.find(arg => arg.startsWith('--only='))?.slice('--only='.length)
  if (only === 'bytes') {
    // bytes per change without and with ParentHead, at the simulator's block time and at a minute
    for (const blockMs of [4_000, 60_000]) {
      for (const parents of [false, true]) {
        const b = await recordBytes({ nodes: 1_000, hours: 1, blockMs, beatMs: 3_000, parents })
        log(`bytes: 1,000 nodes, a block every ${blockMs / 1000} s, ${parents ? 'with' : 'without'} parents: ${b.changes} changes, ${b.bytes} B, ${b.perChange.toFixed(1)} B per change (${b.tables.slice(0, 5).map(([n, v]) => `${n} ${v}`).join(', ')})`)
      }
    }
    process.exit(0)
  }
  if (only === 'reads') {
    for (const read of await recordReads({ nodes: 1_000, days: Number(process.argv[3] ?? 7), repeats: 3, log })) {
      log(`read: ${read.label}: ${read.ms.toFixed(0)} ms + ${read.encodeMs.toFixed(0)} ms to encode (${String(read.source)}, ${read.buckets} buckets, ${read.nodes} nodes, ${(read.jsonBytes / 1e6).toFixed(2)} MB as NDJSON)`)
    }
    process.exit(0)
  }
  for (const blockMs of [4_000, 30_000, 60_000]) {
    const b = await recordBytes({ nodes: 1_000, hours: blockMs === 4_000 ? 2 : 1, blockMs, beatMs: 3_000 })
    log(`bytes: 1,000 nodes, a block every ${blockMs / 1000} s, ${b.hours} h: ${b.changes} changes, ${b.bytes} B, ${b.perChange.toFixed(1)} B per change (${b.tables.slice(0, 5).map(([n, v]) => `${n} ${v}`).join(', ')})`)
  }
  const w = await recordWrites({ nodes: 1_000, changesPerSecond: 20_000, seconds: 30 })
  log(`writes: ${w.changesPerSecond} changes/s: flush p50 ${w.flushP50.toFixed(1)} ms, p99 ${w.flushP99.toFixed(1)} ms, max ${w.flushMax.toFixed(1)} ms, ${(w.cpuShare * 100).toFixed(1)}% of a core`)
  for (const read of await recordReads({ nodes: 1_000, days: 7, repeats: 3, log })) {
    log(`read: ${read.label}: ${read.ms.toFixed(0)} ms + ${read.encodeMs.toFixed(0)} ms to encode (${String(read.source)}, ${read.buckets} buckets, ${read.nodes} nodes, ${(read.jsonBytes / 1e6).toFixed(2)} MB as NDJSON)`)
  }
}
