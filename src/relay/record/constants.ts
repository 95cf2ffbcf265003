// Bounds and cadences of the record (history on disk). Each has its reason.

export const RECORD_FILE = 'history.sqlite'

// What is on disk is bounded by age and by size, oldest first
export const DEFAULT_HISTORY_DAYS = 7
export const DEFAULT_HISTORY_MAX_MB = 1024

// Changes wait this long in memory before a transaction writes them: a SIGKILL loses at most
// this (plus one write), well under the second the design allows, and a write per 200 ms
// costs one commit instead of one per heartbeat
export const FLUSH_INTERVAL_MS = 200

// Changes waiting for the next flush. 20,000 changes a second (the relay's capacity target)
// is 4,000 per flush; this holds 10 s of that, for a disk that stalls. Past it changes are
// dropped and counted; the heartbeat path never waits on the disk
export const MAX_QUEUED_CHANGES = 200_000

// Events waiting for the next flush: events are per node and rare (join, stale, behind…);
// a devnet of 10,000 nodes all going stale at once fits
export const MAX_QUEUED_EVENTS = 20_000

// A node's changes within one minute are packed into one row (a segment); the minute's
// summary (last height, lowest, highest) is also the one-minute level of thinned history
export const SEGMENT_MS = 60_000

// The finest stored level of thinned history: per node per 12 s, its last, lowest and highest
// height and its connection changes, packed for every node into one row per minute (level 0 of
// the pack table). An hour at the 300 points a page asks for is 12 s buckets: 60 rows instead
// of 60,000 segments holding ~900,000 changes at 1,000 nodes and a block every 4 s. 12 s, not
// 10: a whole number of hours in 300 points is a whole number of these
export const FINE_MS = 12_000
export const FINE_LEVEL = 0

// Coarser levels of thinned history (levels 1 and 2), one pack row per bucket that had changes
// holding every node's summary (records made before packs hold a roll row per node instead)
export const ROLLUP_LEVELS_MS = [600_000, 3_600_000] as const

// The state of every known node is written this often (on these boundaries): the base that
// ?at= time travel replays from, so it decodes at most this much of the record (1,000 nodes
// at a block every 4 s: 30,000 rows, 450,000 changes). Each costs ~28 B per node, which a
// chain with a block a minute pays as ~1.5 B per change
export const KEYFRAME_MS = 1_800_000

// Heads and node infos get new ids (each in use is written again) on these boundaries, so
// retention can delete the older rows by id: they are kept at most this much longer than the
// changes that used them. Longer means fewer rewrites: 1,000 nodes' infos once, not 6 times, an hour
export const INTERN_EPOCH_MS = 6 * 3_600_000

// Distinct heads and node infos given an id within one epoch; past this the table
// starts over (a head seen again is then written again, which costs bytes, not correctness)
export const MAX_INTERNED = 65_536

// Retention deletes one keyframe period (the oldest) per step, in one transaction, so a step
// never holds the event loop for long

// How often retention looks at age and size when there is nothing to catch up on
export const RETENTION_INTERVAL_MS = 30_000

// While the disk is full, a write is tried again this often
export const FULL_DISK_RETRY_MS = 5_000

// The file may grow this much past --history-max-mb before SQLite itself refuses pages
// (max_page_count): retention keeps it under the bound, this is the backstop if it lags
export const MAX_SIZE_SLACK = 1.05

// Retention deletes the oldest once the record takes this share of the size bound, so what is
// written between two steps stays under the bound
export const SIZE_HIGH_WATER = 0.9

// Per history request: points per node (MAX_HISTORY_POINTS, in the API's contract)
export { MAX_EVENTS_PER_REQUEST, MAX_HISTORY_POINTS } from '../../protocol/history.ts'
export const DEFAULT_HISTORY_POINTS = 600
// and points × nodes per request (1,000 nodes × 2,000 points), which bounds a response's memory
export const MAX_HISTORY_CELLS = 2_000_000

// Rows a query reads before it lets the event loop run (heartbeats, the feed) again
export const READ_CHUNK_ROWS = 5_000

// Windows up to this long are thinned from the raw changes when their buckets are finer than
// the finest level; longer ones from the stored levels. Bounds what one request decodes: 1,000
// nodes at a block every 4 s is ~1 M changes an hour
export const RAW_MAX_WINDOW_MS = 3 * 3_600_000

// Pack rows a history query decodes before it lets the event loop run again (a minute of the
// finest level at 1,000 nodes is ~5,000 summaries, well under a millisecond each row)
export const READ_CHUNK_PACKS = 20

// A worker thread checkpoints the WAL this often (its fsync stays off the relay's thread);
// the writer's own automatic checkpoint is kept as a backstop at this many pages (64 MiB)
export const CHECKPOINT_INTERVAL_MS = 1_000
export const WAL_BACKSTOP_PAGES = 16_384
export const WAL_LIMIT_BYTES = 16 * 1024 * 1024

// History, state and event queries running at once; each holds a connection and up to
// MAX_HISTORY_CELLS points. More are refused (the HTTP side answers 503)
export const MAX_CONCURRENT_QUERIES = 4

// A gap longer than this between the last flush before a restart and the start is recorded
// as a record_gap event
export const MIN_GAP_MS = 2_000

// The meta key that holds the highest fork id written: fork ids go on from it after a restart,
// even once retention has deleted the fork's events
export const LAST_FORK_ID = 'last_fork_id'

// The meta key that holds the first minute whose segments keep parents (blob format 3): a
// record upgraded from schema 2 has format 2 segments before it (schema.ts)
export const PARENTS_FROM = 'parents_from'

// Forks one /api/forks answer holds, newest first, by default and at most (a fork is two
// events of up to a few hundred named nodes: 1,000 is a few MB at worst)
export const DEFAULT_FORKS_PER_REQUEST = 200
export const MAX_FORKS_PER_REQUEST = 1_000
