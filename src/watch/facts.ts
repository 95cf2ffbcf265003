// What a watched node's API says about it besides its head, checked before it goes on the
// wire: bounded strings, integers in range, or null where the API has nothing.
import { MAX_CLIENT_LENGTH, MAX_CLIENT_VERSION_LENGTH, MAX_HEAD_LENGTH, MAX_HEIGHT, MAX_PEER_ID_LENGTH } from '../protocol/index.ts'
import { BadResponseError } from './errors.ts'

export interface NodeFacts {
  /** the client's name, e.g. "Lodestar", "Geth", "Lotus" */
  client: string | null
  /** e.g. "v1.5.1" */
  clientVersion: string | null
  /** the node's own libp2p peer ID (data only: the heartbeat is signed by the watcher's key) */
  nodePeerId: string | null
  syncing: boolean | null
  finalizedHeight: number | null
}

export const NO_FACTS: Readonly<NodeFacts> = Object.freeze({ client: null, clientVersion: null, nodePeerId: null, syncing: null, finalizedHeight: null })

/** A node's head: the string the heartbeat carries as Head, and its height. */
export interface HeadObservation {
  head: string
  height: number
  /** the head's parent, spelt as head is (ParentHead), where the API gave it */
  parent?: string
}

export function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** value[key] of an object, or BadResponseError naming the path. */
export function field (value: unknown, key: string, what: string): unknown {
  if (!isRecord(value)) throw new BadResponseError(what, `expected an object around ${key}`)
  return value[key]
}

/** A head string as the heartbeat may carry it. */
export function checkHead (head: unknown, what: string): string {
  if (typeof head !== 'string' || head.length === 0 || head.length > MAX_HEAD_LENGTH) throw new BadResponseError(what, 'no usable head')
  return head
}

/** A height from a number or a decimal string (the beacon API's "slot": "6"). */
export function checkHeight (value: unknown, what: string): number {
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > MAX_HEIGHT) throw new BadResponseError(what, 'no usable height')
  return n
}

/** A 0x-prefixed hex quantity (execution JSON-RPC's "number": "0x1b4"). */
export function checkHexQuantity (value: unknown, what: string): number {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,14}$/.test(value)) throw new BadResponseError(what, 'no usable block number')
  return Number.parseInt(value.slice(2), 16)
}

/** A 32-byte hash as 0x + 64 hex digits (block hash, beacon block root). */
export function checkHash (value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(value)) throw new BadResponseError(what, 'no usable block hash')
  return value.toLowerCase()
}

/** A 32-byte hash as checkHash spells it, or undefined for anything else (an optional field). */
export function optionalHash (value: unknown): string | undefined {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{64}$/.test(value) ? value.toLowerCase() : undefined
}

/** A short string fact, cut to what the heartbeat carries (`max`), or null when absent. */
export function factString (value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null
  const trimmed = value.trim()
  return trimmed === '' ? null : trimmed.slice(0, max)
}

/** A node's own peer ID as the heartbeat may carry it, or null. */
export function peerIdFact (value: unknown): string | null {
  return factString(value, MAX_PEER_ID_LENGTH)
}

/**
 * Client and version from the `<client>/<version>/<platform>/…` strings that execution and
 * beacon clients give (web3_clientVersion, /eth/v1/node/version): "Geth/v1.13.5-stable/…",
 * "Lodestar/v1.5.1/2115aa7", "teku/v23.1.0/linux-x86_64/…", "HardhatNetwork/3.18.0/…".
 */
export function splitClientVersion (text: unknown): { client: string | null, clientVersion: string | null } {
  const value = factString(text, 1024)
  if (value == null) return { client: null, clientVersion: null }
  const [client, version] = value.split('/')
  return { client: factString(client, MAX_CLIENT_LENGTH), clientVersion: factString(version, MAX_CLIENT_VERSION_LENGTH) }
}
