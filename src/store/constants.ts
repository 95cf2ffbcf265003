// Thresholds of the dashboard model. Each carries the reason for its value.
import { FEED_PING_INTERVAL_MS } from '../protocol/constants.ts'

// A node silent for this many of its own observed beat periods is stale: one late beat is
// jitter, three missed in a row is a node that stopped (the definition)
export const STALE_BEATS = 3

// go-filecoin's default BeatPeriod; assumed until a node's own period has been observed
export const DEFAULT_BEAT_PERIOD_MS = 3_000

// An interval this many times the current estimate is an outage, not a beat period, and is
// left out of the estimate so a node that comes back is not judged by its silence
export const BEAT_OUTAGE_FACTOR = 4

// Weight of the newest interval in the beat-period moving average: smooth enough to ignore
// one late beat, quick enough to follow a node whose period changes
export const EWMA_WEIGHT = 0.25

// The block time is the median of this many recent rises of the best height: a median, so a
// chain halt (one very long "block") or a burst of catch-up does not skew it
export const BLOCK_TIME_SAMPLES = 15

// Height changes kept per node. The chart's default window is 10 minutes; at a one-second
// block time that is 600 changes, so 1,024 covers it with room, and 1,000 nodes cost ~16 MB
export const HISTORY_CAPACITY = 1024

// The chain counts as stalled when the best height has not risen for this many observed
// block times (one slow block is normal, three is not)
export const STALL_BLOCKS = 3

// Nodes briefly hold different tipsets at one height while a round's blocks propagate; heads
// that still differ after this many block times are a fork, and the screen says so loudly
export const FORK_BLOCKS = 1

// Until a block time has been observed: Filecoin's epoch length
export const DEFAULT_BLOCK_TIME_MS = 30_000

// A node one block behind is still "in sync" while the new block propagates: it reports it
// on its next beat, so the grace is this many of its beat periods after the best height rose
export const SYNC_GRACE_BEATS = 1.5

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
