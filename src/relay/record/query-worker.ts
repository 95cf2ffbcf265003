// A worker thread that answers the record's heavier queries (a window of history, the state at
// a moment) on read-only connections of its own, so the relay's thread goes on taking
// heartbeats and serving the feed while one is read: a week of 1,000 nodes is tens of ms of
// decoding, hundreds on a busy machine or before V8 has optimised the code. Messages:
// { id, t: 'history', query } | { id, t: 'state', at } | { id, t: 'moment', at } | { id, t: 'abort' } | 'stop'; answers
// { id, ok: true, result } | { id, ok: false, name, message }.
import { parentPort, workerData } from 'node:worker_threads'
import { readHistory, readMomentAt, readStateAt } from './reader.ts'
import { openRecordReader } from './schema.ts'
import type { HistoryQuery } from './types.ts'

interface QueryWorkerData { file: string }
export type QueryRequest =
  | { id: number, t: 'history', query: Omit<HistoryQuery, 'signal'> }
  | { id: number, t: 'state', at: number }
  | { id: number, t: 'moment', at: number }
  | { id: number, t: 'abort' }

const { file } = workerData as QueryWorkerData
const port = parentPort
if (port == null) throw new Error('query-worker.ts runs as a worker thread')

const running = new Map<number, AbortController>()

async function answer (request: Exclude<QueryRequest, { t: 'abort' }>): Promise<unknown> {
  const db = openRecordReader(file)
  try {
    if (request.t === 'state') return readStateAt(db, request.at)
    if (request.t === 'moment') return readMomentAt(db, request.at)
    const controller = new AbortController()
    running.set(request.id, controller)
    return await readHistory(db, { ...request.query, signal: controller.signal })
  } finally {
    running.delete(request.id)
    db.close()
  }
}

port.on('message', (message: QueryRequest | 'stop') => {
  if (message === 'stop') {
    for (const controller of running.values()) controller.abort()
    port.close()
    return
  }
  if (message.t === 'abort') {
    running.get(message.id)?.abort()
    return
  }
  const { id } = message
  answer(message).then(
    result => { port.postMessage({ id, ok: true, result }) },
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err))
      port.postMessage({ id, ok: false, name: e.name, message: e.message })
    }
  )
})
