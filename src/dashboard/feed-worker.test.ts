// The page's side of the feed (feed-port.ts) and its worker (feed-worker.ts), joined by a real
// MessageChannel as a page and its Worker are, against a real relay in this process: what the
// page's store is handed, in which order, and the identity kept across visits.
import assert from 'node:assert/strict'
import { MessageChannel } from 'node:worker_threads'
import type { MessagePort } from 'node:worker_threads'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createPeer, openHeartbeatStream } from '../testing/peers.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import { connectFeedPort } from './feed-port.ts'
import type { FeedHandle, FeedPort, FeedPortInit, PageToWorker, WorkerToPage } from './feed-port.ts'
import { serveFeed } from './feed-worker.ts'
import type { FeedMessage } from '../protocol/feed.ts'
import type { TestRelay } from '../testing/test-relay.ts'
import type { Libp2p } from '@libp2p/interface'

const GO = (height: number): string => `{"Head":"{ bafy${height} }","Height":${height},"Nickname":"solo","MinerAddress":"\\u003cempty\\u003e","GenesisCID":null}\n`

/** What the page was handed, in order, with each raw post from the worker. */
interface Page {
  log: string[]
  messages: FeedMessage[]
  posts: WorkerToPage[]
  identities: string[]
  feed: FeedHandle
  /** the page's end, to post to the worker as the page does */
  port: FeedPort<PageToWorker, WorkerToPage>
  close: () => void
}

/** One end of a MessageChannel as a page's Worker, or a worker's own scope, is one. */
function end<Out, In> (port: MessagePort): FeedPort<Out, In> {
  return {
    postMessage: message => { port.postMessage(message) },
    addEventListener: (_type, listener) => { port.on('message', (data: In) => { listener({ data }) }) }
  }
}

/** A page that can stop reading, as a frozen tab does: its acknowledgements are held back
 *  while `frozen` is true, and sent when the test thaws it. */
interface Freezable { frozen: boolean, held: PageToWorker[] }

function page (relay: TestRelay, identity: string | null, options: { maxUnread?: number, freezable?: Freezable } = {}): Page {
  const { port1, port2 } = new MessageChannel()
  const plain = end<PageToWorker, WorkerToPage>(port1)
  const { freezable } = options
  const pageEnd: FeedPort<PageToWorker, WorkerToPage> = freezable === undefined
    ? plain
    : {
        postMessage: message => {
          if (freezable.frozen && message.t === 'read') freezable.held.push(message)
          else plain.postMessage(message)
        },
        addEventListener: plain.addEventListener
      }
  serveFeed(end(port2), options.maxUnread !== undefined ? { maxUnread: options.maxUnread } : {})
  const seen: Page = { log: [], messages: [], posts: [], identities: [], feed: { stop: async () => {} }, port: plain, close: () => { port1.close(); port2.close() } }
  pageEnd.addEventListener('message', ({ data }) => { seen.posts.push(data) })
  const init: FeedPortInit = {
    sink: {
      push: message => { seen.messages.push(message); seen.log.push(`push ${message.t}`) },
      setConnection: connection => { seen.log.push(`connection ${connection.state}`) }
    },
    start: { relay: relay.browserAddrs[0] ?? '', relayJsonUrl: `${relay.httpUrl}/relay.json`, pageHostname: '127.0.0.1', identity, debug: null },
    saveIdentity: value => { seen.identities.push(value) },
    onVersionMismatch: relayVersion => { seen.log.push(`version-mismatch ${relayVersion}`) },
    onVersionMatch: () => { seen.log.push('version-match') },
    mark: name => { seen.log.push(`mark ${name}`) }
  }
  seen.feed = connectFeedPort(pageEnd, init)
  return seen
}

describe('the page\'s feed, read in a worker', () => {
  let relay: TestRelay
  let sender: Libp2p
  before(async () => {
    relay = await startTestRelay()
    sender = await createPeer()
  })
  after(async () => {
    await sender.stop()
    await relay.destroy()
  })

  it('hands the page the feed in order and in batches, with its connection states, marks and a new identity to keep', async () => {
    const stream = await openHeartbeatStream(sender, relay.nodeAddrs[0] ?? '')
    stream.send(new TextEncoder().encode(GO(1)))
    await waitFor('the node at the relay', async () => (await (await fetch(`${relay.httpUrl}/api/nodes`)).json() as unknown[]).length === 1)
    const seen = page(relay, null)
    try {
      await waitFor('live', () => seen.log.includes('connection live'), 20_000)
      // the order a page's store needs: the hello's version check before anything is shown,
      // the whole snapshot before the page is called live
      const order = seen.log.filter(entry => !entry.startsWith('push ping'))
      assert.deepEqual(order, [
        'connection connecting',
        'mark devnet:feed-open',
        'version-match',
        'push hello',
        'push snapshot',
        'push node',
        'push forks',
        'push synced',
        'mark devnet:synced',
        'connection live'
      ])
      const node = seen.messages.find(m => m.t === 'node')
      assert.ok(node?.t === 'node')
      assert.equal(node.node.nickname, 'solo')

      // a beat after it comes through as a change of the node the snapshot gave
      stream.send(new TextEncoder().encode(GO(2)))
      const beat = await waitFor('the next beat', () => seen.messages.find(m => m.t === 'hb'))
      assert.equal(beat.t === 'hb' && beat.height, 2)
      assert.equal(beat.t === 'hb' && beat.i, node.i)

      // the snapshot's lines came in one WebSocket message, and went to the page in one post
      const batches = seen.posts.filter(p => p.t === 'messages')
      assert.ok(batches.length < seen.messages.length, `${seen.messages.length} messages in ${batches.length} posts`)
      assert.deepEqual(batches.flatMap(b => b.t === 'messages' ? b.messages : []), seen.messages, 'every message posted once, in order')

      assert.equal(seen.identities.length, 1, 'a first visit\'s new key is handed to the page to keep')
      await seen.feed.stop()
      await waitFor('the relay let the viewer go', async () => (await (await fetch(`${relay.httpUrl}/healthz`)).json() as { feedSubscribers: number }).feedSubscribers === 0)
    } finally {
      await seen.feed.stop()
      seen.close()
      await stream.close()
    }
  })

  it('lets the relay go for a page that stops reading, and subscribes again once it has read everything', async () => {
    const stream = await openHeartbeatStream(sender, relay.nodeAddrs[0] ?? '')
    let height = 10
    // under the relay's 10 beats a second per node
    const beating = setInterval(() => { stream.send(new TextEncoder().encode(GO(height++))) }, 120)
    const freezable: Freezable = { frozen: false, held: [] }
    const seen = page(relay, null, { maxUnread: 12, freezable })
    const subscribers = async (): Promise<number> => (await (await fetch(`${relay.httpUrl}/healthz`)).json() as { feedSubscribers: number }).feedSubscribers
    const hellos = (): number => seen.messages.filter(m => m.t === 'hello').length
    try {
      await waitFor('live', () => seen.log.includes('connection live'), 20_000)
      freezable.frozen = true
      await waitFor('the relay let go of the frozen page', async () => await subscribers() === 0, 20_000)
      const posted = seen.messages.length
      const heightThen = height
      assert.equal(hellos(), 1)
      // more beats go by at the relay, and nothing more is posted for the frozen page
      await waitFor('five more beats taken by the relay', async () => ((await (await fetch(`${relay.httpUrl}/api/nodes`)).json() as Array<{ height: number }>)[0]?.height ?? 0) >= heightThen + 5)
      assert.equal(seen.messages.length, posted, 'nothing posted while it was let go')

      freezable.frozen = false
      for (const read of freezable.held.splice(0)) seen.port.postMessage(read)
      await waitFor('subscribed again', () => hellos() === 2, 20_000)
      await waitFor('live again', () => seen.log.lastIndexOf('connection live') > seen.log.indexOf('push hello', seen.log.indexOf('push hello') + 1))
      assert.equal(await subscribers(), 1)
    } finally {
      clearInterval(beating)
      await seen.feed.stop()
      seen.close()
      await stream.close()
    }
  })

  it('dials with the identity the page kept, and makes no new one', async () => {
    const key = await generateKeyPair('Ed25519')
    // a relay that lets only this page's peer ID subscribe
    const listing = await startTestRelay({ allowViewers: [peerIdFromPrivateKey(key).toString()] })
    const seen = page(listing, Buffer.from(privateKeyToProtobuf(key)).toString('base64'))
    try {
      await waitFor('live', () => seen.log.includes('connection live'), 20_000)
      assert.deepEqual(seen.identities, [])
    } finally {
      await seen.feed.stop()
      seen.close()
      await listing.destroy()
    }
  })
})
