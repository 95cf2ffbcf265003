// Made src/relay/record/fixtures/record-v2.sqlite.gz: a record written by the code before heads'
// parents were kept (schema 2, commit bc2b190), which record.test.ts opens with today's. The
// relay is killed mid-minute (no stop): the open minute is only in the journal, nodes are still
// connected. To make it again: this file in a checkout of that commit, `node
// scripts/make-record-v2.ts out.sqlite`, then `gzip -9`.
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { FakeClock, manualRecord, Model, script, T0, tempDir } from '../src/testing/record.ts'
const out = process.argv[2] ?? 'record-v2.sqlite'
const { dir } = await tempDir()
const clock = new FakeClock()
const events = script({ nodes: 5, durationMs: 100 * 60_000, blockMs: 4_000, beatMs: 3_000, seed: 23, trouble: true })
const killedAt = T0 + 70 * 60_000 + 31_000
const record = manualRecord(dir, clock, { queryWorker: false })
let k = 0
while (clock.t < killedAt) {
  clock.t = Math.min(killedAt, clock.t + 200)
  while (k < events.length && events[k]!.t <= clock.t) Model.apply(record, events[k++]!)
  record.flush()
}
// killed: no stop. Its connection stays open; another checkpoints the WAL into the file
const db = new DatabaseSync(join(dir, 'history.sqlite'))
db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
console.log(db.prepare('SELECT key, value FROM meta').all(), db.prepare('SELECT count(*) AS n FROM journal').get(), db.prepare('SELECT count(*) AS n FROM pack').get(), db.prepare('SELECT count(*) AS n FROM seg').get())
db.close()
copyFileSync(join(dir, 'history.sqlite'), out)
console.log('events used', k, 'killed at', clock.t)
process.exit(0)
