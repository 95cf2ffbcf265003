// A feed subscriber for tests: it keeps every message and a small model of the nodes they
// describe, or never reads at all (a stuck dashboard).
import { multiaddr } from '@multiformats/multiaddr'
import { forEachLine } from '../p2p/lines.ts'
import { decodeFeedLine, decodeUtf8, FEED_PROTOCOL, MAX_FEED_LINE_BYTES } from '../protocol/index.ts'
import type { FeedMessage, ForksMessage, HistoryPoint, NodeRecord, PropagationMessage } from '../protocol/index.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

/** A feed subscriber that keeps every message and a small model of the nodes it describes. */
export class FeedClient {
  readonly messages: FeedMessage[] = []
  readonly nodes = new Map<number, NodeRecord>()
  readonly history = new Map<number, HistoryPoint[]>()
  synced = false
  /** the fork monitor's latest panel and propagation medians */
  forks?: ForksMessage
  propagation?: PropagationMessage
  /** called with every message after it is applied (tests time deliveries with it) */
  onMessage?: (message: FeedMessage) => void
  readonly stream: Stream
  /** resolves when the feed ends, with the error that ended it, if any */
  done: Promise<Error | undefined> = Promise.resolve(undefined)

  private constructor (stream: Stream, read: boolean) {
    this.stream = stream
    if (read) this.#read()
  }

  /** Starts reading a subscriber opened without reading: what was held back comes first. */
  resume (): void {
    this.#read()
    this.stream.resume()
  }

  #read (): void {
    this.done = forEachLine(this.stream, MAX_FEED_LINE_BYTES, line => { this.#apply(decodeFeedLine(decodeUtf8(line))) })
      .then(() => undefined, (err: Error) => err)
  }

  /** Subscribes; with read false the stream is paused and never read (a stuck dashboard). */
  static async open (peer: Libp2p, target: string, read = true): Promise<FeedClient> {
    const stream = await peer.dialProtocol(multiaddr(target), FEED_PROTOCOL)
    if (!read) stream.pause()
    return new FeedClient(stream, read)
  }

  byPeer (peerId: string): NodeRecord | undefined {
    for (const node of this.nodes.values()) if (node.peerId === peerId) return node
    return undefined
  }

  #apply (message: FeedMessage): void {
    this.messages.push(message)
    this.#model(message)
    this.onMessage?.(message)
  }

  #model (message: FeedMessage): void {
    switch (message.t) {
      case 'snapshot':
        this.synced = false
        this.nodes.clear()
        break
      case 'synced':
        this.synced = true
        break
      case 'node':
        this.nodes.set(message.i, { ...message.node })
        if (message.history != null) this.history.set(message.i, message.history)
        break
      case 'hb': {
        const node = this.nodes.get(message.i)
        if (node != null) Object.assign(node, { height: message.height, head: message.head, lastHeartbeatAt: message.at })
        break
      }
      case 'conn':
      case 'disc': {
        const node = this.nodes.get(message.i)
        if (node != null) node.connected = message.t === 'conn'
        break
      }
      case 'forget':
        this.nodes.delete(message.i)
        break
      case 'forks':
        this.forks = message
        break
      case 'prop':
        this.propagation = message
        break
      default:
    }
  }
}
