// The page's side of its feed client, which runs in a dedicated Worker (feed-worker.ts): the
// libp2p node, noise's handshake and decryption, yamux and the feed's line decoding are off the
// page's thread, with the garbage they make: on the page they cost ~45 ms of CPU a second at
// 1,000 nodes (~200 stream 'message' events, each a DOM object), and the page's heap after GC
// went from 7.7 to 5.5 MiB when they left (BENCHMARKS.md, the eighth session). The page gets
// the decoded messages in batches, one postMessage per batch, and gives them to its store in
// the order they came.
//
// What needs the page stays on it: localStorage (the page's identity, the debug switch),
// sessionStorage and reloading (a relay on another feed version), and the User Timing marks the
// benchmark reads. This module imports no libp2p: it is in the page's first paint.
import type { FeedMessage } from '../protocol/feed.ts'
import type { ConnectionState } from '../store/view.ts'

/** Where the page keeps its identity (identity.ts) in localStorage. */
export const IDENTITY_KEY = 'devnet-dashboard:private-key'

/** A User Timing mark for the first connection of the page (the benchmark reads them). */
export function markOnce (name: string): void {
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name)
}

/**
 * Messages the worker may have posted that the page has not read. A page reads each batch in
 * the task that receives it, so only a page that runs no tasks falls this far behind: a frozen
 * tab, whose worker is not frozen with it (Chromium, seen in a test). Past this the worker lets
 * the relay go, and subscribes again once the page has read them all. 50,000 messages is 50 s
 * of 1,000 nodes beating every second (~10 MB of beats), or five snapshots of the relay's
 * 10,000 known nodes: a page that reads at all never gets here.
 */
export const MAX_UNREAD_MESSAGES = 50_000

/** What the page tells its feed worker. */
export type PageToWorker =
  | {
    readonly t: 'start'
    /** ?relay= from the URL; null: ask relayJsonUrl */
    readonly relay: string | null
    readonly relayJsonUrl: string
    readonly pageHostname: string
    /** the page's stored identity (identity.ts's protobuf in base64), null on a first visit */
    readonly identity: string | null
    /** localStorage.debug: the namespaces to log, which a worker cannot read itself */
    readonly debug: string | null
  }
  /** the page has read this many more of the messages posted to it */
  | { readonly t: 'read', readonly messages: number }
  | { readonly t: 'stop' }

/** What the feed worker tells the page, in the order it happened. */
export type WorkerToPage =
  /** feed messages, in order: every line one WebSocket message brought, or more */
  | { readonly t: 'messages', readonly messages: FeedMessage[] }
  | { readonly t: 'connection', readonly connection: ConnectionState }
  /** a new identity, to be stored for the next visit */
  | { readonly t: 'identity', readonly value: string }
  | { readonly t: 'version-mismatch', readonly relayVersion: number }
  | { readonly t: 'version-match' }
  | { readonly t: 'mark', readonly name: string }
  | { readonly t: 'stopped' }

/** One end of the page–worker channel: a Worker, a worker's own scope, a MessagePort. */
export interface FeedPort<Out, In> {
  postMessage: (message: Out) => void
  addEventListener: (type: 'message', listener: (event: { data: In }) => void) => void
}

export interface FeedPortInit {
  /** where messages and connection states go (the store) */
  sink: {
    push: (message: FeedMessage) => void
    setConnection: (connection: ConnectionState) => void
  }
  start: Omit<Extract<PageToWorker, { t: 'start' }>, 't'>
  /** store a new identity for the next visit */
  saveIdentity: (value: string) => void
  /** the relay speaks another feed version (the page may reload) */
  onVersionMismatch: (relayVersion: number) => void
  onVersionMatch: () => void
  /** a User Timing mark of the first connection */
  mark: (name: string) => void
}

export interface FeedHandle {
  /** stops the worker's client: its node, timers and stream are released when this resolves */
  stop: () => Promise<void>
}

/** Starts the feed client at the other end of the port and hands on what it says. */
export function connectFeedPort (port: FeedPort<PageToWorker, WorkerToPage>, init: FeedPortInit): FeedHandle {
  let stopped: (() => void) | null = null
  port.addEventListener('message', ({ data }) => {
    switch (data.t) {
      case 'messages':
        for (const message of data.messages) init.sink.push(message)
        port.postMessage({ t: 'read', messages: data.messages.length })
        break
      case 'connection':
        init.sink.setConnection(data.connection)
        break
      case 'identity':
        init.saveIdentity(data.value)
        break
      case 'version-mismatch':
        init.onVersionMismatch(data.relayVersion)
        break
      case 'version-match':
        init.onVersionMatch()
        break
      case 'mark':
        init.mark(data.name)
        break
      case 'stopped':
        stopped?.()
        break
    }
  })
  port.postMessage({ t: 'start', ...init.start })
  return {
    stop: async () => {
      await new Promise<void>(resolve => {
        stopped = resolve
        port.postMessage({ t: 'stop' })
      })
    }
  }
}
