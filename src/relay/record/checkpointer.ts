// A worker thread that copies the record's WAL into the database file. A checkpoint ends in
// an fsync that can take tens of milliseconds on a busy disk; on the relay's own thread it
// would hold up heartbeats, here it holds up nothing (PASSIVE: it never waits for the writer).
import { DatabaseSync } from 'node:sqlite'
import { parentPort, workerData } from 'node:worker_threads'

interface CheckpointerData { file: string, intervalMs: number, walLimitBytes: number }

const data = workerData as CheckpointerData
const port = parentPort
if (port == null) throw new Error('checkpointer.ts runs as a worker thread')

const db = new DatabaseSync(data.file, { timeout: 1000 })
db.exec(`PRAGMA journal_size_limit = ${data.walLimitBytes}`)

const checkpoint = (mode: 'PASSIVE' | 'TRUNCATE'): void => {
  try {
    const result = db.prepare(`PRAGMA wal_checkpoint(${mode})`).get() as { busy: number, log: number, checkpointed: number }
    port.postMessage({ t: 'checkpoint', log: Number(result.log), checkpointed: Number(result.checkpointed) })
  } catch (err) {
    port.postMessage({ t: 'error', message: (err as Error).message })
  }
}

const timer = setInterval(() => { checkpoint('PASSIVE') }, data.intervalMs)

port.on('message', (message: unknown) => {
  if (message !== 'stop') return
  clearInterval(timer)
  checkpoint('PASSIVE')
  db.close()
  port.close()
})
