// What the record takes in and gives back; what it gives back is the HTTP API's shapes.
import type { DevnetEvent, EventsAnswer, HistoryHeader, HistorySeries, NodeAtMoment, RecordGap } from '../../protocol/history.ts'

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

/** A head id in a beat's parent place when the heartbeat said no parent (ids start at 1). */
export const NO_PARENT = 0

/** A node as it was at some moment, from the record (the /api/state shape). */
export type NodeAt = NodeAtMoment

/** /api/state's answer but its time: every node then, and the gap in the record it falls in */
export interface MomentAt { nodes: NodeAt[], gap?: RecordGap }

export interface HistoryQuery {
  from: number
  to: number
  /** peer IDs; all nodes when absent */
  peers?: readonly string[]
  /** at most this many points per node (thinned on the relay); default DEFAULT_HISTORY_POINTS */
  points?: number
  signal?: AbortSignal
}

export type NodeSeries = HistorySeries

export interface HistoryResult extends Omit<HistoryHeader, 'nodes'> {
  nodes: NodeSeries[]
}

export type RecordedEvent = DevnetEvent

export interface EventsQuery {
  from: number
  to: number
  /** at most this many; default and cap MAX_EVENTS_PER_REQUEST */
  limit?: number
  /** continue after this event id (from a previous answer's `next`) */
  after?: number
}

export type EventsResult = EventsAnswer

export interface ForksQuery {
  from: number
  to: number
  /** at most this many forks; default DEFAULT_FORKS_PER_REQUEST, at most MAX_FORKS_PER_REQUEST */
  limit?: number
}
