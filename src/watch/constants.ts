// Limits of the watcher, each with its reason. Everything read from a node's API is bounded in
// size and time: a node is a process we do not control, and one that misbehaves must cost the
// watcher a bounded amount and leave the other nodes alone.

// A JSON-RPC or REST answer the watcher asks for (a tipset with a dozen block headers, a
// beacon block header, an execution block without transactions) is a few KiB; 1 MiB is far
// above any of them, and what a node may make the watcher hold per request
export const MAX_RESPONSE_BYTES = 1024 * 1024

// One WebSocket message (a ChainNotify reorg carries a few tipsets with their headers, ~10 KiB
// a tipset): the `ws` client refuses a larger frame from its header, before buffering it
export const MAX_MESSAGE_BYTES = 1024 * 1024

// A server-sent event line (a beacon `head` event is ~300 bytes); a stream that never ends a
// line is cut here instead of buffered
export const MAX_SSE_LINE_BYTES = 64 * 1024

// Messages a second one node's socket may push before it counts as flooding (a devnet makes a
// head a second at most; a reorg is one message)
export const MAX_MESSAGES_PER_SECOND = 200

// Default BeatPeriod of a watched node's heartbeat: go-filecoin's 3 s
export const DEFAULT_WATCH_BEAT_PERIOD_MS = 3_000

// go-filecoin's ReconnectPeriod: how often a watched node's heartbeat redials a relay it lost
export const DEFAULT_WATCH_RECONNECT_PERIOD_MS = 10_000

// Polling when a node offers no subscription: often enough that a new head shows within a
// second, rare enough for a node (one small request a second)
export const DEFAULT_POLL_INTERVAL_MS = 1_000

// Reconnecting to a node's API after a failure: from 1 s, doubling, up to 30 s, with jitter,
// so a node that restarts is seen again soon and one that is gone costs one try in 30 s
export const RECONNECT_MIN_MS = 1_000
export const RECONNECT_MAX_MS = 30_000

// At most one log line per watched node per minute about its API failing (with a count of
// the failures in between): a dead node must not fill the log
export const FAILURE_LOG_INTERVAL_MS = 60_000

// Between two beats sent at once for new heads: a node that reports heads faster than this
// gets its latest head beaten at this pace, under the relay's per-peer rate limit
export const MIN_IMMEDIATE_BEAT_GAP_MS = 200

// Reopening a Filecoin ChainNotify channel that the node closed (Lotus closes a slow reader's
// channel): more closes than this in a minute and the session counts as failed
export const MAX_RESUBSCRIBES_PER_MINUTE = 5

// The node file: 1,000 nodes take ~150 KiB
export const MAX_NODE_FILE_BYTES = 4 * 1024 * 1024

// Ten times the target scale; past that a typo, not a devnet (the simulator's cap too)
export const MAX_WATCHED_NODES = 10_000

// How often the node file is checked for edits
export const NODE_FILE_CHECK_INTERVAL_MS = 1_000

// Files in the watcher's data dir
export const NODE_KEYS_FILE = 'node-keys.json'
export const ROSTER_FILE = 'roster.json'
