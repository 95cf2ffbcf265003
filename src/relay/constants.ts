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

// How long one inbound connection may take to finish its noise and yamux handshake. libp2p's
// default (10 s) is short for a burst: when a devnet's nodes all redial a relay that just
// restarted on a busy host, a thousand handshakes share its core, the last ones pass 10 s and
// are dropped, and their nodes wait a beat period to try again. Bounded by the pending cap above.
export const INBOUND_UPGRADE_TIMEOUT_MS = 30_000

// Streams one remote may open on a connection; a node needs one, a dashboard one or two
export const MAX_STREAMS_PER_CONNECTION = 64

// Heartbeat streams libp2p lets reach our handler per connection; the handler itself refuses
// (and counts) a second concurrent one, past this libp2p resets them uncounted
export const MAX_HEARTBEAT_STREAMS_PER_CONNECTION = 4

// go-filecoin beats every 3 s (alerts every 10 s); 10 a second per peer, with a burst of 20,
// is far above any honest sender and caps what one peer can make the relay parse
export const MAX_BEATS_PER_SECOND = 10

// Bad lines a peer may send before it is disconnected and refused: enough to survive a
// version skew that makes a few lines unreadable, refilled at one every 10 s
export const BAD_LINE_BUDGET = 20
export const BAD_LINE_REFILL_PER_SECOND = 0.1

// How long a peer that used up its bad-line budget is refused
export const COOL_OFF_MS = 5 * 60_000

// Feed subscribers at once; each costs a stream and a dirty-set of at most the known nodes
export const MAX_FEED_SUBSCRIBERS = 256

// Feed streams libp2p lets reach our handler per connection: a page opens one at a time, and
// a second covers a resubscribe that overlaps the old stream's close
export const MAX_FEED_STREAMS_PER_CONNECTION = 2

// Changes are gathered this long and sent as one write: one muxer frame and one encryption per
// subscriber per batch instead of per change, for at most this much added latency
export const FEED_BATCH_MS = 25

// A batch that reaches this size goes out at once, so a burst never builds a large buffer
export const FEED_BATCH_MAX_BYTES = 64 * 1024

// A subscriber whose stream has not drained for this long is closed; it will resubscribe
// and heal from the snapshot
export const FEED_DRAIN_TIMEOUT_MS = 30_000

// A node whose heartbeat stream has been silent this long (ten of go-filecoin's 3 s beats) is
// asked, by opening a stream to it, whether its host is still there; one that does not answer
// within QUIET_PROBE_TIMEOUT_MS is disconnected and shows offline. Without this, a host that
// vanished without closing its connection stays "connected" until TCP gives up (~15 min).
// Only silent nodes are asked, a few at a time: a healthy devnet costs nothing. Dashboards
// never send, so each one's host is asked once per QUIET_PROBE_AFTER_MS (256 at most: ~9 a second).
export const QUIET_PROBE_AFTER_MS = 30_000
export const QUIET_PROBE_TIMEOUT_MS = 10_000
export const QUIET_PROBE_SWEEP_MS = 5_000
export const MAX_QUIET_PROBES = 64
// the libp2p ping protocol: go-libp2p hosts answer it; any answer, "not supported" included,
// shows the host is there
export const QUIET_PROBE_PROTOCOL = '/ipfs/ping/1.0.0'

// Known nodes are written to disk at most this often (and on stop)
export const PERSIST_INTERVAL_MS = 5_000

export const KNOWN_NODES_FILE = 'known-nodes.json'
export const KEY_FILE = 'relay.key'
// one peer ID per line, # comments; present means only those peers are let in
export const ALLOWED_NODES_FILE = 'allowed-nodes.txt'
export const ALLOWED_VIEWERS_FILE = 'allowed-viewers.txt'
