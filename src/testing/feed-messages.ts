// Feed messages as the relay writes them, for tests of the store and the page.
import { FEED_VERSION } from '../protocol/constants.ts'
import type { FeedMessage, NodeRecord } from '../protocol/feed.ts'
import type { ForksMessage, NetworkPanel, PanelBranch, PanelRound } from '../protocol/forks.ts'

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

export interface PanelSketch {
  /** node ids (`i`) on each branch's tip, the largest first */
  branches: number[][]
  /** the relay calls a fork between them */
  forked?: boolean
  genesis?: string | null
  main?: boolean
  height?: number
}

/** One network's panel as the relay would send it: a column at `height` with a round per
 *  branch, every branch's nodes on its tip. */
export function networkPanel (at: number, sketch: PanelSketch): NetworkPanel {
  const height = sketch.height ?? 10
  const forked = sketch.forked ?? false
  const rounds: PanelRound[] = sketch.branches.map((nodes, k) => ({
    id: k + 1, head: `{ bafy${k}x${height} }`, blocks: 1, views: 1, nodes, partial: 0, seen: nodes.length, parent: null, branch: k, at
  }))
  const branches: PanelBranch[] = sketch.branches.map((nodes, k) => ({
    tip: k + 1, height, nodes: nodes.length, largest: k === 0, splitHeight: k === 0 ? null : height - 1, since: k === 0 ? null : at - 5_000, forked
  }))
  return {
    genesis: sketch.genesis ?? null,
    main: sketch.main ?? true,
    nodes: sketch.branches.flat().length,
    tracked: true,
    blockTimeMs: 1_000,
    columns: [{ height, rounds, more: 0 }],
    branches,
    fork: forked ? { id: 1, startedAt: at - 5_000, calledAt: at - 4_000, splitHeight: height - 1, depth: 1, sides: branches.length } : null,
    divergingSince: sketch.branches.length > 1 ? at - 5_000 : null,
    propagation: { blocks: 0, counts: [] }
  }
}

/** The relay's `forks` message with one network sketched. */
export function forksMessage (at: number, sketch: PanelSketch): ForksMessage {
  return { t: 'forks', at, networks: [networkPanel(at, sketch)] }
}
