// The page's feed client in a dedicated Worker (the page's side and why: feed-port.ts). It runs
// the same FeedClient a page once ran itself, and posts what the client hands its sink.
import { enable } from '@libp2p/logger'
import type { FeedMessage } from '../protocol/feed.ts'
import { startFeedClient } from './feed-client.ts'
import type { FeedClient } from './feed-client.ts'
import type { FeedPort, PageToWorker, WorkerToPage } from './feed-port.ts'
import { IDENTITY_KEY, loadOrCreateIdentity } from './identity.ts'

/**
 * Serves one page: its first 'start' starts the client, 'stop' stops it. Feed messages are
 * posted in batches: the lines read in one task (one WebSocket message, often many lines) go
 * in one postMessage after it, and anything else the client says is posted after the batch
 * before it, so the page sees everything in the order it happened.
 */
export function serveFeed (port: FeedPort<WorkerToPage, PageToWorker>): void {
  let client: FeedClient | null = null
  let batch: FeedMessage[] = []
  let batchTimer: ReturnType<typeof setTimeout> | null = null

  const flush = (): void => {
    if (batchTimer !== null) clearTimeout(batchTimer)
    batchTimer = null
    if (batch.length === 0) return
    const messages = batch
    batch = []
    port.postMessage({ t: 'messages', messages })
  }
  const post = (message: WorkerToPage): void => {
    flush()
    port.postMessage(message)
  }

  port.addEventListener('message', ({ data }) => {
    if (data.t === 'start') {
      if (client !== null) return
      if (data.debug != null && data.debug !== '') enable(data.debug)
      // the page's storage, as identity.ts reads it: what the page sent, and a new key sent back
      const storage = {
        getItem: (key: string) => key === IDENTITY_KEY ? data.identity : null,
        setItem: (key: string, value: string) => { if (key === IDENTITY_KEY) post({ t: 'identity', value }) }
      }
      client = startFeedClient({
        sink: {
          push: message => {
            batch.push(message)
            // a task of its own: it runs after every line this task reads
            batchTimer ??= setTimeout(flush, 0)
          },
          setConnection: connection => { post({ t: 'connection', connection }) }
        },
        relay: data.relay,
        relayJsonUrl: data.relayJsonUrl,
        pageHostname: data.pageHostname,
        privateKey: loadOrCreateIdentity(storage),
        onVersionMismatch: relayVersion => {
          post({ t: 'version-mismatch', relayVersion })
          return false
        },
        onVersionMatch: () => { post({ t: 'version-match' }) },
        mark: name => { post({ t: 'mark', name }) }
      })
    } else if (data.t === 'stop') {
      const stopping = client?.stop() ?? Promise.resolve()
      client = null
      void stopping.finally(() => { post({ t: 'stopped' }) })
    }
  })
}

// Loaded as a worker: serve the page that made it (a test imports serveFeed alone)
declare const WorkerGlobalScope: (abstract new () => unknown) | undefined
if (typeof WorkerGlobalScope === 'function' && globalThis instanceof WorkerGlobalScope) {
  serveFeed(globalThis as unknown as FeedPort<WorkerToPage, PageToWorker>)
}
