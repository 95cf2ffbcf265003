// What the record takes in and gives back.

/** What a node says about itself that changes rarely; one interned row per distinct value. */
export interface NodeInfo {
  nickname: string
  minerAddress: string | null
  genesisCid: string | null
  /** from newer heartbeats (the watcher): which client and version the node runs */
  client?: string
  clientVersion?: string
  /** the node's own peer ID when it differs from the sender's (a watched node) */
  nodePeerId?: string
}

/** One heartbeat as the record is given it: every field a heartbeat may carry. */
export interface BeatInput extends NodeInfo {
  height: number
  head: string
  syncing?: boolean
  finalizedHeight?: number
}

// Kinds of change, as stored (numbers: they are packed into blobs)
export const CHANGE_BEAT = 0
export const CHANGE_CONNECTED = 1
export const CHANGE_DISCONNECTED = 2
export const CHANGE_INFO = 3
export const CHANGE_FINALIZED = 4
export const CHANGE_SYNCING = 5
export const CHANGE_FORGOTTEN = 6
/** connected but silent past its stale bound (the event detector's word), and heard again */
export const CHANGE_STALE = 7
export const CHANGE_BACK = 8

export type ChangeKind = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8

/** A node as it was at some moment, from the record. */
export interface NodeAt extends NodeInfo {
  peerId: string
  height: number
  head: string
  connected: boolean
  /** connected, but silent past its stale bound then (the relay's event detector said so) */
  stale: boolean
  syncing: boolean | null
  finalizedHeight: number | null
  /** ms since epoch: first heard (in its current life: a node forgotten and heard again starts over) */
  firstSeenAt: number
  /** last change of height, head or info at or before the moment */
  lastChangeAt: number
  /** last heartbeat known at or before the moment; a lower bound (beats that changed nothing
   *  are not recorded one by one, only as of each keyframe): whether it was beating then is
   *  `stale`, not this */
  lastHeartbeatAt: number
}

export interface HistoryQuery {
  from: number
  to: number
  /** peer IDs; all nodes when absent */
  peers?: readonly string[]
  /** at most this many points per node (thinned on the relay); default DEFAULT_HISTORY_POINTS */
  points?: number
  signal?: AbortSignal
}

export interface NodeSeries {
  peerId: string
  nickname: string
  /** the first bucket the node has a height for (0 when it was known at `from`) */
  first: number
  /** the height at the end of each bucket from `first` to the last; bucket k covers
   *  [from + k·stepMs, from + (k + 1)·stepMs) */
  heights: number[]
  /** [k, lowest, highest] for buckets where the node went below or above both the height it
   *  had before the bucket and its last in it (a reorg, a brief fork); elsewhere the step from
   *  one bucket's height to the next already passes through every height in between */
  ranges: Array<[k: number, lo: number, hi: number]>
  /** [k, 1 | 0]: connected or not as of the end of bucket k, where it changed (k = 0: at `from`) */
  connection: Array<[k: number, connected: 0 | 1]>
}

export interface HistoryResult {
  from: number
  to: number
  /** the width of a bucket, ms */
  stepMs: number
  buckets: number
  /** where the heights come from: raw changes, or a stored level (its bucket, ms) */
  source: 'raw' | number
  nodes: NodeSeries[]
}

export interface RecordedEvent {
  /** unique, increasing in the order events were recorded */
  id: number
  at: number
  kind: string
  peers: string[]
  data?: Record<string, unknown>
}

export interface EventsQuery {
  from: number
  to: number
  /** at most this many; default and cap MAX_EVENTS_PER_REQUEST */
  limit?: number
  /** continue after this event id (from a previous answer's `next`) */
  after?: number
}

export interface EventsResult {
  events: RecordedEvent[]
  /** set when there were more than `limit`: pass it as `after` to continue */
  next?: number
}
