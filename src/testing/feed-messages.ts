// Feed messages as the relay writes them, for tests of the store and the page.
import { FEED_VERSION } from '../protocol/constants.ts'
import type { FeedMessage, NodeRecord } from '../protocol/feed.ts'

export function record (peerId: string, patch: Partial<NodeRecord> = {}): NodeRecord {
  return {
    peerId,
    nickname: peerId.toLowerCase(),
    height: 10,
    head: '{ bafyA }',
    minerAddress: null,
    genesisCid: null,
    connected: true,
    firstSeenAt: 0,
    lastHeartbeatAt: 0,
    client: null,
    clientVersion: null,
    nodePeerId: null,
    syncing: null,
    finalizedHeight: null,
    ...patch
  }
}

/** hello, snapshot, the nodes (i = position), synced. */
export function subscribe (serverTime: number, nodes: NodeRecord[], version = FEED_VERSION): FeedMessage[] {
  return [
    { t: 'hello', version, relayPeerId: '12D3KooWRelay', serverTime },
    { t: 'snapshot', serverTime, count: nodes.length },
    ...nodes.map((node, i): FeedMessage => ({ t: 'node', i, node })),
    { t: 'synced' }
  ]
}
