// Thresholds of the dashboard model. Each carries the reason for its value.
import { FEED_PING_INTERVAL_MS } from '../protocol/constants.ts'

// When a node is stale or behind and the chain stalled: the relay's event list uses the same
// rules, so they live in src/protocol
export {
  BEAT_OUTAGE_FACTOR, BLOCK_TIME_SAMPLES, DEFAULT_BEAT_PERIOD_MS, DEFAULT_BLOCK_TIME_MS, EWMA_WEIGHT, STALE_BEATS,
  STALL_BLOCKS, SYNC_GRACE_BEATS
} from '../protocol/status-rules.ts'

// Height changes kept per node. The chart's default window is 10 minutes; at a one-second
// block time that is 600 changes, so 1,024 covers it with room, and 1,000 nodes cost ~16 MB
export const HISTORY_CAPACITY = 1024

// Nodes briefly hold different tipsets at one height while a round's blocks propagate; heads
// that still differ after this many block times are a fork, and the screen says so loudly
export const FORK_BLOCKS = 1

// The relay pings at least this often however quiet the devnet; a feed silent for a ping
// interval and a margin for a busy relay may be dead (the watchdog waits three before it
// redials), and what the page shows is then as of its last word, not now
export const FEED_CURRENT_MS = FEED_PING_INTERVAL_MS + 2_500

// Gaps in the feed kept for the chart to mark: a wall's chart window holds a few at most, and
// older ones have scrolled out of it
export const MAX_FEED_GAPS = 16

// How long offline nodes stay listed unless the URL says otherwise
export const DEFAULT_OFFLINE_KEEP_MS = 60 * 60_000

// Messages queued while no frame is drawn (a hidden tab gets no animation frames): past this
// the queue is applied at once, so memory stays bounded however long the tab is hidden
export const MAX_QUEUED_MESSAGES = 20_000

// Nodes the dashboard keeps, online or not: the relay's own cap (MAX_KNOWN_NODES), so a relay
// that never says `forget` still cannot grow a tab's memory without end
export const MAX_NODES = 10_000
