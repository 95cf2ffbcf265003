import {
  MAX_CID_LENGTH, MAX_CLIENT_LENGTH, MAX_CLIENT_VERSION_LENGTH, MAX_HEAD_LENGTH, MAX_HEIGHT, MAX_MINER_ADDRESS_LENGTH,
  MAX_NICKNAME_LENGTH, MAX_PEER_ID_LENGTH, NO_MINER_ADDRESSES
} from './constants.ts'
import { InvalidHeartbeatError } from './errors.ts'
import { goJsonString } from './go-json.ts'

/** One heartbeat after validation. Field names are ours; the wire uses Go's (Head, Height, …). */
export interface Heartbeat {
  /** go-filecoin's tipset key string, e.g. `{ bafy… bafy… }`; opaque, never parsed for meaning */
  head: string
  height: number
  nickname: string
  /** null when the sender has no miner (any of go-filecoin's zero-address spellings) */
  minerAddress: string | null
  /** null when absent (senders before Aug 2019) or sent as null */
  genesisCid: string | null
  /**
   * Not in go-filecoin: fields a watcher (src/watch) adds after Go's five, for the node it
   * beats for. Absent (undefined) when not sent; go-filecoin senders never send them.
   */
  extra?: HeartbeatExtra
}

/** The optional fields after Go's five (wire names Client, ClientVersion, NodePeerID, Syncing,
 *  FinalizedHeight, ParentHead). Each is absent when the sender does not know it. */
export interface HeartbeatExtra {
  /** the node's client, e.g. "Lodestar", "Geth" */
  client?: string
  clientVersion?: string
  /** the node's own libp2p peer ID, as data (the heartbeat is signed by the sender's key) */
  nodePeerId?: string
  /** the field go-filecoin left as a TODO */
  syncing?: boolean
  finalizedHeight?: number
  /**
   * The head's parent, spelt as Head is (a Filecoin tipset key `{ cid … }`, an Ethereum block
   * hash): with it the relay tells two branches from a node that skipped a head after one block
   * on each side, not two. Opaque like Head.
   */
  parentHead?: string
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function boundedString (value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max
}

/**
 * Checks a parsed JSON value against go-filecoin's Heartbeat struct and returns it typed, or
 * throws InvalidHeartbeatError naming the first bad field. Head and Height are required (a line
 * without them is no heartbeat); Nickname and MinerAddress default as Go's decoder would;
 * unknown fields are ignored so newer senders keep working.
 */
export function parseHeartbeat (value: unknown): Heartbeat {
  if (!isRecord(value)) {
    throw new InvalidHeartbeatError('not_object', 'a heartbeat is a JSON object')
  }
  const { Head, Height, Nickname = '', MinerAddress = '', GenesisCID = null } = value
  if (!boundedString(Head, MAX_HEAD_LENGTH)) {
    throw new InvalidHeartbeatError('invalid_head', `Head must be a string of at most ${MAX_HEAD_LENGTH} characters`)
  }
  // uint64 in 2019, int64 later; JSON.parse already rounded anything above 2^53 - 1
  if (typeof Height !== 'number' || !Number.isInteger(Height) || Height < 0 || Height > MAX_HEIGHT) {
    throw new InvalidHeartbeatError('invalid_height', 'Height must be an integer from 0 to 2^53 - 1')
  }
  if (!boundedString(Nickname, MAX_NICKNAME_LENGTH)) {
    throw new InvalidHeartbeatError('invalid_nickname', `Nickname must be a string of at most ${MAX_NICKNAME_LENGTH} characters`)
  }
  if (!boundedString(MinerAddress, MAX_MINER_ADDRESS_LENGTH)) {
    throw new InvalidHeartbeatError('invalid_miner_address', `MinerAddress must be a string of at most ${MAX_MINER_ADDRESS_LENGTH} characters`)
  }
  let genesisCid: string | null = null
  if (GenesisCID !== null) {
    const link = isRecord(GenesisCID) ? GenesisCID['/'] : undefined
    if (!boundedString(link, MAX_CID_LENGTH)) {
      throw new InvalidHeartbeatError('invalid_genesis_cid', 'GenesisCID must be {"/":"<cid>"} or null')
    }
    genesisCid = link
  }
  const hb: Heartbeat = {
    head: Head,
    height: Height,
    nickname: Nickname,
    minerAddress: NO_MINER_ADDRESSES.has(MinerAddress) ? null : MinerAddress,
    genesisCid
  }
  const extra = parseExtra(value)
  if (extra !== undefined) hb.extra = extra
  return hb
}

/** The optional fields after Go's five; null counts as absent. Throws InvalidHeartbeatError. */
function parseExtra (value: Record<string, unknown>): HeartbeatExtra | undefined {
  const { Client, ClientVersion, NodePeerID, Syncing, FinalizedHeight, ParentHead } = value
  let extra: HeartbeatExtra | undefined
  const set = (): HeartbeatExtra => (extra ??= {})
  if (Client != null) {
    if (!boundedString(Client, MAX_CLIENT_LENGTH)) throw new InvalidHeartbeatError('invalid_client', `Client must be a string of at most ${MAX_CLIENT_LENGTH} characters`)
    set().client = Client
  }
  if (ClientVersion != null) {
    if (!boundedString(ClientVersion, MAX_CLIENT_VERSION_LENGTH)) throw new InvalidHeartbeatError('invalid_client_version', `ClientVersion must be a string of at most ${MAX_CLIENT_VERSION_LENGTH} characters`)
    set().clientVersion = ClientVersion
  }
  if (NodePeerID != null) {
    if (!boundedString(NodePeerID, MAX_PEER_ID_LENGTH)) throw new InvalidHeartbeatError('invalid_node_peer_id', `NodePeerID must be a string of at most ${MAX_PEER_ID_LENGTH} characters`)
    set().nodePeerId = NodePeerID
  }
  if (Syncing != null) {
    if (typeof Syncing !== 'boolean') throw new InvalidHeartbeatError('invalid_syncing', 'Syncing must be true or false')
    set().syncing = Syncing
  }
  if (FinalizedHeight != null) {
    if (typeof FinalizedHeight !== 'number' || !Number.isInteger(FinalizedHeight) || FinalizedHeight < 0 || FinalizedHeight > MAX_HEIGHT) {
      throw new InvalidHeartbeatError('invalid_finalized_height', 'FinalizedHeight must be an integer from 0 to 2^53 - 1')
    }
    set().finalizedHeight = FinalizedHeight
  }
  if (ParentHead != null) {
    // a head's parent is a head: the same bound
    if (!boundedString(ParentHead, MAX_HEAD_LENGTH)) throw new InvalidHeartbeatError('invalid_parent_head', `ParentHead must be a string of at most ${MAX_HEAD_LENGTH} characters`)
    set().parentHead = ParentHead
  }
  return extra
}

/** Parses one line (without its newline) as a heartbeat; throws InvalidHeartbeatError. */
export function decodeHeartbeatLine (line: string): Heartbeat {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new InvalidHeartbeatError('not_json', 'the line is not JSON')
  }
  return parseHeartbeat(value)
}

// go-filecoin's zero address marshalled as "<empty>" (written \u003cempty\u003e on the wire)
export const GO_ZERO_MINER_ADDRESS = '<empty>'

export interface EncodeHeartbeatOptions {
  /** write the GenesisCID field (go-filecoin from Aug 2019); default true */
  genesisField?: boolean
}

/**
 * The exact bytes go-filecoin's `json.NewEncoder(stream).Encode(hb)` writes for this
 * heartbeat: Go field order, Go string escaping, one newline.
 */
export function encodeHeartbeatLine (hb: Heartbeat, options: EncodeHeartbeatOptions = {}): string {
  let line = `{"Head":${goJsonString(hb.head)},"Height":${hb.height},"Nickname":${goJsonString(hb.nickname)},` +
    `"MinerAddress":${goJsonString(hb.minerAddress ?? GO_ZERO_MINER_ADDRESS)}`
  if (options.genesisField !== false) {
    line += hb.genesisCid === null ? ',"GenesisCID":null' : `,"GenesisCID":{"/":${goJsonString(hb.genesisCid)}}`
  }
  // after Go's five, only what is set: a go-filecoin-shaped heartbeat's bytes do not change
  const extra = hb.extra
  if (extra != null) {
    if (extra.client !== undefined) line += `,"Client":${goJsonString(extra.client)}`
    if (extra.clientVersion !== undefined) line += `,"ClientVersion":${goJsonString(extra.clientVersion)}`
    if (extra.nodePeerId !== undefined) line += `,"NodePeerID":${goJsonString(extra.nodePeerId)}`
    if (extra.syncing !== undefined) line += `,"Syncing":${extra.syncing ? 'true' : 'false'}`
    if (extra.finalizedHeight !== undefined) line += `,"FinalizedHeight":${extra.finalizedHeight}`
    if (extra.parentHead !== undefined) line += `,"ParentHead":${goJsonString(extra.parentHead)}`
  }
  return line + '}\n'
}

/** The CIDs of a go-filecoin tipset key string (`{ a b }` → [a, b]); [] for `{ }`. */
export function tipsetCids (head: string): string[] {
  const inner = head.startsWith('{') && head.endsWith('}') ? head.slice(1, -1) : head
  return inner.split(' ').filter(part => part.length > 0)
}
