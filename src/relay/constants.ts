// Relay-side limits. Each has its reason; wire-level limits live in src/protocol/constants.ts.

// A devnet is tens to a few thousand nodes; past this the least recently heard offline node
// is forgotten so a month of churn cannot grow the known list without end
export const MAX_KNOWN_NODES = 10_000

// Points of (time, height, head) kept per node: only changes are recorded, so at a 3-30 s
// block time this covers the dashboard's default 10-minute window several times over
export const HISTORY_LIMIT = 240

// libp2p's default (300) refuses a devnet of a few thousand nodes plus dashboards
export const MAX_CONNECTIONS = 6_000

// libp2p allows 5 inbound connections per second per host; 500 simulated nodes on one host
// redialling together after a relay restart must all get in
export const INBOUND_CONNECTIONS_PER_HOST_PER_SECOND = 1_000

// Connections in the noise/yamux handshake at once; the default (10) stalls a reconnect burst
export const MAX_PENDING_INBOUND_CONNECTIONS = 1_024

// Streams one remote may open on a connection; a node needs one, a dashboard one or two
export const MAX_STREAMS_PER_CONNECTION = 64

// Heartbeat streams libp2p lets reach our handler per connection; the handler itself refuses
// (and counts) a second concurrent one, past this libp2p resets them uncounted
export const MAX_HEARTBEAT_STREAMS_PER_CONNECTION = 4

// Feed subscribers at once; each costs a stream and a dirty-set of at most the known nodes
export const MAX_FEED_SUBSCRIBERS = 256

// A subscriber whose stream has not drained for this long is closed; it will resubscribe
// and heal from the snapshot
export const FEED_DRAIN_TIMEOUT_MS = 30_000

// Known nodes are written to disk at most this often (and on stop)
export const PERSIST_INTERVAL_MS = 5_000

export const KNOWN_NODES_FILE = 'known-nodes.json'
export const KEY_FILE = 'relay.key'
