// The page's feed client in a dedicated Worker (the page's side and why: feed-port.ts). It runs
// the same FeedClient a page once ran itself, and posts what the client hands its sink.
import { enable } from '@libp2p/logger'
import type { PrivateKey } from '@libp2p/interface'
import type { FeedMessage } from '../protocol/feed.ts'
import { startFeedClient } from './feed-client.ts'
import type { FeedClient } from './feed-client.ts'
import { MAX_UNREAD_MESSAGES } from './feed-port.ts'
import type { FeedPort, PageToWorker, WorkerToPage } from './feed-port.ts'
import { IDENTITY_KEY, loadOrCreateIdentity } from './identity.ts'

export interface ServeFeedOptions {
  /** messages posted and not yet read by the page past which the feed is let go (feed-port.ts) */
  maxUnread?: number
}

/**
 * Serves one page: its first 'start' starts the client, 'stop' stops it. Feed messages are
 * posted in batches: the lines read in one task (one WebSocket message, often many lines) go
 * in one postMessage after it, and anything else the client says is posted after the batch
 * before it, so the page sees everything in the order it happened.
 *
 * A page that stops reading (a frozen tab: its worker runs on) has its subscription let go once
 * maxUnread messages wait for it, and a new one made when it has read them all: a fresh snapshot,
 * as after any redial, and never more than maxUnread messages held for it meanwhile.
 */
export function serveFeed (port: FeedPort<WorkerToPage, PageToWorker>, options: ServeFeedOptions = {}): void {
  const maxUnread = options.maxUnread ?? MAX_UNREAD_MESSAGES
  let client: FeedClient | null = null
  let start: (() => FeedClient) | null = null
  let stopped = false
  let batch: FeedMessage[] = []
  let batchTimer: ReturnType<typeof setTimeout> | null = null
  // posted and not yet acknowledged by the page
  let unread = 0

  const flush = (): void => {
    if (batchTimer !== null) clearTimeout(batchTimer)
    batchTimer = null
    if (batch.length === 0) return
    const messages = batch
    batch = []
    unread += messages.length
    port.postMessage({ t: 'messages', messages })
    if (unread > maxUnread && client !== null) {
      // the page is not reading: stop reading for it (a client that stops says nothing more;
      // a node that fails to stop has nothing left to say either)
      client.stop().catch(() => {})
      client = null
    }
  }
  const post = (message: WorkerToPage): void => {
    flush()
    port.postMessage(message)
  }

  port.addEventListener('message', ({ data }) => {
    switch (data.t) {
      case 'start': {
        if (start !== null || stopped) return
        if (data.debug != null && data.debug !== '') enable(data.debug)
        // the page's storage, as identity.ts reads it: what the page sent, and a new key sent back
        const storage = {
          getItem: (key: string) => key === IDENTITY_KEY ? data.identity : null,
          setItem: (key: string, value: string) => { if (key === IDENTITY_KEY) post({ t: 'identity', value }) }
        }
        const privateKey: Promise<PrivateKey> = loadOrCreateIdentity(storage)
        start = () => startFeedClient({
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
          privateKey,
          onVersionMismatch: relayVersion => { post({ t: 'version-mismatch', relayVersion }) },
          onVersionMatch: () => { post({ t: 'version-match' }) },
          mark: name => { post({ t: 'mark', name }) }
        })
        client = start()
        break
      }
      case 'read':
        unread = Math.max(0, unread - data.messages)
        // a page that has caught up gets a subscription again, its snapshot first
        if (client === null && start !== null && !stopped && unread === 0) client = start()
        break
      case 'stop': {
        stopped = true
        const stopping = client?.stop() ?? Promise.resolve()
        client = null
        const done = (): void => { post({ t: 'stopped' }) }
        stopping.then(done, done)
        break
      }
    }
  })
}

// Loaded as a worker: serve the page that made it (a test imports serveFeed alone)
declare const WorkerGlobalScope: (abstract new () => unknown) | undefined
if (typeof WorkerGlobalScope === 'function' && globalThis instanceof WorkerGlobalScope) {
  serveFeed(globalThis as unknown as FeedPort<WorkerToPage, PageToWorker>)
}
