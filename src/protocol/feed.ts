// The feed from the relay to dashboards (FEED_PROTOCOL): newline-delimited JSON, one message
// per line. On subscribe: hello, snapshot (a count), that many `node` messages, synced; then one
// message per change. Nodes are referred to by `i`, a small integer the relay assigns per node
// for its lifetime, so events stay short; `node` messages bind `i` to a peer ID.
import {
  FEED_VERSION, MAX_CID_LENGTH, MAX_CLIENT_LENGTH, MAX_CLIENT_VERSION_LENGTH, MAX_HEAD_LENGTH, MAX_MINER_ADDRESS_LENGTH,
  MAX_NICKNAME_LENGTH, MAX_PEER_ID_LENGTH
} from './constants.ts'
import { FeedVersionMismatchError, InvalidFeedMessageError } from './errors.ts'
import { parseForksMessage, parsePropagationMessage } from './forks.ts'
import type { ForksMessage, PropagationMessage } from './forks.ts'

/** Everything the relay knows of one node; also the shape of each entry of /api/nodes. */
export interface NodeRecord {
  peerId: string
  nickname: string
  height: number
  head: string
  minerAddress: string | null
  genesisCid: string | null
  /** has an open heartbeat stream to the relay now */
  connected: boolean
  /** ms since epoch, relay clock; null for a node on the roster never heard yet */
  firstSeenAt: number | null
  /** ms since epoch, relay clock; null for a node on the roster never heard yet ("missing") */
  lastHeartbeatAt: number | null
  /** from a watcher's heartbeat (the optional fields); null when never sent */
  client: string | null
  clientVersion: string | null
  /** the node's own peer ID, as data: `peerId` is the key its heartbeats come from */
  nodePeerId: string | null
  syncing: boolean | null
  finalizedHeight: number | null
}

/** A point of a node's height history: [ms since epoch (relay clock), height]. */
export type HistoryPoint = [at: number, height: number]

export interface HelloMessage { t: 'hello', version: number, relayPeerId: string, serverTime: number }
/** Starts a snapshot: `count` node messages follow, then `synced`. Nodes not in it are gone. */
export interface SnapshotMessage { t: 'snapshot', serverTime: number, count: number }
/** A node's full state: in a snapshot (with history), when it first appears, or when its
 *  nickname, miner or genesis changes, and as the coalesced update for a slow subscriber. */
export interface NodeMessage { t: 'node', i: number, node: NodeRecord, history?: HistoryPoint[] }
export interface SyncedMessage { t: 'synced' }
/** A heartbeat from a node whose nickname, miner and genesis did not change. */
export interface HeartbeatMessage { t: 'hb', i: number, height: number, head: string, at: number }
export interface ConnectedMessage { t: 'conn', i: number, at: number }
export interface DisconnectedMessage { t: 'disc', i: number, at: number }
/** The relay dropped this node from its known list (capacity); the dashboard drops it too. */
export interface ForgetMessage { t: 'forget', i: number }
// `forks` (the relay's fork monitor: branches, the open fork, propagation) and `prop` (each
// node's median propagation) are in src/protocol/forks.ts; after a snapshot's nodes come the
// latest of each, then `synced`.
/** Keeps a quiet feed provably alive, and carries the relay clock. */
export interface PingMessage { t: 'ping', serverTime: number }

export type FeedMessage =
  | HelloMessage | SnapshotMessage | NodeMessage | SyncedMessage | HeartbeatMessage
  | ConnectedMessage | DisconnectedMessage | ForgetMessage | PingMessage
  | ForksMessage | PropagationMessage

const encoder = new TextEncoder()

/** One message as the bytes of one feed line. The relay calls this once per event. */
export function encodeFeedMessage (message: FeedMessage): Uint8Array {
  return encoder.encode(JSON.stringify(message) + '\n')
}

function fail (detail: string): never {
  throw new InvalidFeedMessageError(detail)
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function time (value: unknown, name: string): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fail(`${name} must be a time`)
}

function count (value: unknown, name: string): number {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? value as number : fail(`${name} must be a whole number`)
}

function text (value: unknown, name: string, max: number): string {
  return typeof value === 'string' && value.length <= max ? value : fail(`${name} must be a string`)
}

function textOrNull (value: unknown, name: string, max: number): string | null {
  return value === null ? null : text(value, name, max)
}

// the fields feed version 2 added are null when absent, so a known-nodes file saved by a
// version 1 relay still loads
function optionalText (value: unknown, name: string, max: number): string | null {
  return value === undefined || value === null ? null : text(value, name, max)
}

function optionalTime (value: unknown, name: string): number | null {
  return value === null ? null : time(value, name)
}

/** Checks one NodeRecord (from the feed, or from the relay's own file of known nodes). */
export function parseNodeRecord (value: unknown): NodeRecord {
  if (!isRecord(value)) fail('node must be an object')
  if (typeof value.connected !== 'boolean') fail('node.connected must be a boolean')
  return {
    peerId: text(value.peerId, 'node.peerId', 128),
    nickname: text(value.nickname, 'node.nickname', MAX_NICKNAME_LENGTH),
    height: count(value.height, 'node.height'),
    head: text(value.head, 'node.head', MAX_HEAD_LENGTH),
    minerAddress: textOrNull(value.minerAddress, 'node.minerAddress', MAX_MINER_ADDRESS_LENGTH),
    genesisCid: textOrNull(value.genesisCid, 'node.genesisCid', MAX_CID_LENGTH),
    connected: value.connected,
    firstSeenAt: optionalTime(value.firstSeenAt, 'node.firstSeenAt'),
    lastHeartbeatAt: optionalTime(value.lastHeartbeatAt, 'node.lastHeartbeatAt'),
    client: optionalText(value.client, 'node.client', MAX_CLIENT_LENGTH),
    clientVersion: optionalText(value.clientVersion, 'node.clientVersion', MAX_CLIENT_VERSION_LENGTH),
    nodePeerId: optionalText(value.nodePeerId, 'node.nodePeerId', MAX_PEER_ID_LENGTH),
    syncing: value.syncing === undefined || value.syncing === null ? null : typeof value.syncing === 'boolean' ? value.syncing : fail('node.syncing must be a boolean or null'),
    finalizedHeight: value.finalizedHeight === undefined || value.finalizedHeight === null ? null : count(value.finalizedHeight, 'node.finalizedHeight')
  }
}

function parseHistory (value: unknown): HistoryPoint[] {
  if (!Array.isArray(value)) fail('history must be an array')
  return value.map((point: unknown) => {
    if (!Array.isArray(point) || point.length !== 2) fail('a history point is [at, height]')
    return [time(point[0], 'history at'), count(point[1], 'history height')]
  })
}

/**
 * The feed's version rule, decided here and nowhere else: a reader understands exactly the
 * FEED_VERSION it was built with, and a hello that names another means the reader's code is
 * stale (or newer than the relay's): it must not read on. Throws FeedVersionMismatchError.
 */
export function checkFeedVersion (hello: HelloMessage): void {
  if (hello.version !== FEED_VERSION) throw new FeedVersionMismatchError(hello.version, FEED_VERSION)
}

/** Checks a parsed feed line and returns it typed; throws InvalidFeedMessageError. */
export function parseFeedMessage (value: unknown): FeedMessage {
  if (!isRecord(value)) fail('a feed message is a JSON object')
  switch (value.t) {
    case 'hello':
      return { t: 'hello', version: count(value.version, 'version'), relayPeerId: text(value.relayPeerId, 'relayPeerId', 128), serverTime: time(value.serverTime, 'serverTime') }
    case 'snapshot':
      return { t: 'snapshot', serverTime: time(value.serverTime, 'serverTime'), count: count(value.count, 'count') }
    case 'node': {
      const message: NodeMessage = { t: 'node', i: count(value.i, 'i'), node: parseNodeRecord(value.node) }
      if (value.history !== undefined) message.history = parseHistory(value.history)
      return message
    }
    case 'synced':
      return { t: 'synced' }
    case 'hb':
      return { t: 'hb', i: count(value.i, 'i'), height: count(value.height, 'height'), head: text(value.head, 'head', MAX_HEAD_LENGTH), at: time(value.at, 'at') }
    case 'conn':
    case 'disc':
      return { t: value.t, i: count(value.i, 'i'), at: time(value.at, 'at') }
    case 'forget':
      return { t: 'forget', i: count(value.i, 'i') }
    case 'ping':
      return { t: 'ping', serverTime: time(value.serverTime, 'serverTime') }
    case 'forks':
      return parseForksMessage(value)
    case 'prop':
      return parsePropagationMessage(value)
    default:
      return fail(`unknown message type ${JSON.stringify(value.t)}`)
  }
}

/** Parses one feed line (without its newline); throws InvalidFeedMessageError. */
export function decodeFeedLine (line: string): FeedMessage {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    fail('the line is not JSON')
  }
  return parseFeedMessage(value)
}
