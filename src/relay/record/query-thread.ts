// The relay's side of the query worker (query-worker.ts): requests by id, answers as promises,
// an aborted request aborted in the worker too. A worker that fails or exits fails what it had
// pending (named), and the record answers later queries on its own thread again.
import { extname } from 'node:path'
import { Worker } from 'node:worker_threads'
import { logger } from '@libp2p/logger'
import { InvalidQueryError } from './reader.ts'
import type { HistoryQuery, HistoryResult, MomentAt, NodeAt } from './types.ts'

const log = logger('devnet:relay:record')

// a worker stuck in a query still gets a bound at stop
const STOP_TIMEOUT_MS = 5_000

export class QueryThreadError extends Error {
  static name = 'QueryThreadError'
  constructor (detail: string) {
    super(`the record's query thread failed: ${detail}`)
    this.name = 'QueryThreadError'
  }
}

interface Reply { id: number, ok: boolean, result?: unknown, name?: string, message?: string }

export class QueryThread {
  #worker: Worker | undefined
  #next = 1
  readonly #pending = new Map<number, { resolve: (value: unknown) => void, reject: (err: Error) => void }>()

  constructor (file: string) {
    // beside this module and in its language, as the checkpointer (record-service.ts)
    const worker = new Worker(new URL(`./query-worker${extname(import.meta.url)}`, import.meta.url), { workerData: { file } })
    worker.on('message', (reply: Reply) => {
      const pending = this.#pending.get(reply.id)
      if (pending == null) return
      this.#pending.delete(reply.id)
      if (this.#pending.size === 0) worker.unref()
      if (reply.ok) {
        pending.resolve(reply.result)
      } else if (reply.name === 'InvalidQueryError') {
        const err = new InvalidQueryError('')
        err.message = reply.message ?? err.message
        pending.reject(err)
      } else {
        const err = new Error(reply.message)
        err.name = reply.name ?? 'Error'
        pending.reject(err)
      }
    })
    worker.on('error', err => {
      log.error('the record\'s query thread failed; queries run on the relay\'s thread from now on: %e', err)
      this.#failAll(err.message)
    })
    worker.once('exit', () => {
      if (this.#worker === worker) this.#worker = undefined
      this.#failAll('it exited')
    })
    // after the listeners: one added to an unref'd worker refs its port again, and a relay
    // (or a test) that never stops the record would not exit
    worker.unref()
    this.#worker = worker
  }

  /** false once the worker has failed or stopped: queries go elsewhere */
  get running (): boolean {
    return this.#worker != null
  }

  #failAll (detail: string): void {
    this.#worker = undefined
    for (const pending of this.#pending.values()) pending.reject(new QueryThreadError(detail))
    this.#pending.clear()
  }

  async #request<T> (message: { t: 'history', query: Omit<HistoryQuery, 'signal'> } | { t: 'state' | 'moment', at: number }, signal?: AbortSignal): Promise<T> {
    const worker = this.#worker
    if (worker == null) throw new QueryThreadError('it is not running')
    signal?.throwIfAborted()
    const id = this.#next++
    const onAbort = (): void => { worker.postMessage({ id, t: 'abort' }) }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      return await new Promise<T>((resolve, reject) => {
        // a query waited for keeps the process alive, an idle worker does not
        if (this.#pending.size === 0) worker.ref()
        this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
        worker.postMessage({ id, ...message })
      })
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async history (query: HistoryQuery): Promise<HistoryResult> {
    const { signal, ...rest } = query
    return await this.#request<HistoryResult>({ t: 'history', query: rest }, signal)
  }

  async stateAt (at: number): Promise<NodeAt[]> {
    return await this.#request<NodeAt[]>({ t: 'state', at })
  }

  async momentAt (at: number): Promise<MomentAt> {
    return await this.#request<MomentAt>({ t: 'moment', at })
  }

  async stop (): Promise<void> {
    const worker = this.#worker
    if (worker == null) return
    this.#worker = undefined
    const exited = new Promise<void>(resolve => worker.once('exit', () => { resolve() }))
    worker.postMessage('stop')
    const timer = setTimeout(() => { void worker.terminate() }, STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }
}
