// The wire contract shared by the relay, the simulator and the dashboard. Every limit carries
// its reason; nothing here imports Node, the DOM or another folder of ours.

// go-filecoin's protocol id, byte for byte: no leading slash (metrics/heartbeat.go)
export const HEARTBEAT_PROTOCOL = 'fil/heartbeat/1.0.0'

// The relay → dashboard feed. The version in its hello changes whenever a message changes
// shape; a dashboard that sees another version reloads itself rather than misread the feed.
export const FEED_PROTOCOL = '/devnet-dashboard/feed/1.0.0'
// 2: NodeRecord gained client, clientVersion, nodePeerId, syncing and finalizedHeight, and
// firstSeenAt/lastHeartbeatAt may be null (a roster node never heard)
// 3: the fork monitor's `forks` and `prop` messages (src/protocol/forks.ts)
// 4: a `forks` round's `nodes` may be the set of ids as base64 bits, where that is shorter
export const FEED_VERSION = 4

// go-filecoin writes ~200-byte lines; anything near this is not a heartbeat. Past it the
// framing is lost (no newline in sight), so the stream is reset rather than buffered.
export const MAX_HEARTBEAT_LINE_BYTES = 64 * 1024

// A tipset key of a dozen base32 CIDs is ~800 characters; 4 KiB leaves room for long CIDs
export const MAX_HEAD_LENGTH = 4096

// go-filecoin nicknames are short words; this bounds what a hostile one costs every viewer
export const MAX_NICKNAME_LENGTH = 128

// Filecoin addresses are under 100 characters in every network and encoding
export const MAX_MINER_ADDRESS_LENGTH = 128

// A CID string is under 100 characters for every hash go-filecoin used
export const MAX_CID_LENGTH = 256

// The optional fields after go-filecoin's five (a watcher's heartbeats): a client's name
// ("Lodestar", "Geth") and version ("v1.5.1-stable-2115aa7") are short words; a peer ID is ~53
// characters (secp256k1 `16Uiu2…`, Ed25519 `12D3KooW…`). Each is shown to every viewer.
export const MAX_CLIENT_LENGTH = 64
export const MAX_CLIENT_VERSION_LENGTH = 128
export const MAX_PEER_ID_LENGTH = 128

// The largest height a JavaScript number holds exactly; larger is invalid, not rounded
export const MAX_HEIGHT = Number.MAX_SAFE_INTEGER

// A feed line carries one node with its history (≤ ~10 KiB); far above that is a broken relay
export const MAX_FEED_LINE_BYTES = 1024 * 1024

// The relay sends a ping this often so a dashboard can tell a quiet devnet from a dead feed
export const FEED_PING_INTERVAL_MS = 5_000

// Every spelling go-filecoin used for "no miner" (its zero address changed over 2019-2020)
export const NO_MINER_ADDRESSES: ReadonlySet<string> = new Set(['', 'empty', '[UNDEFINED_ADDRESS]', '<empty>'])
