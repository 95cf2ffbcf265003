// What the words on the wall mean, in one place: when a node is stale or behind and when the
// chain has stalled. The page judges the live picture with these rules (src/store) and the
// relay records events with them (src/relay), so an event in the list says what the page said
// at that moment. Pure functions of times and heights; each threshold carries its reason.

// A node silent for this many of its own observed beat periods is stale: one late beat is
// jitter, three missed in a row is a node that stopped
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

// The chain counts as stalled when the best height has not risen for this many observed
// block times (one slow block is normal, three is not)
export const STALL_BLOCKS = 3

// Until a block time has been observed: Filecoin's epoch length
export const DEFAULT_BLOCK_TIME_MS = 30_000

// A node one block behind is still "in sync" while the new block propagates: it reports it
// on its next beat, so the grace is this many of its beat periods after the best height rose
export const SYNC_GRACE_BEATS = 1.5

/** The beat-period estimate after one more interval between beats (ms); outages are left out. */
export function nextBeatPeriod (previous: number | null, interval: number): number | null {
  if (!(interval > 0)) return previous
  if (previous === null) return interval
  if (interval > BEAT_OUTAGE_FACTOR * previous) return previous
  return previous + EWMA_WEIGHT * (interval - previous)
}

/** How long a node may be silent before it is stale. */
export function staleAfterMs (beatPeriodMs: number | null): number {
  return STALE_BEATS * (beatPeriodMs ?? DEFAULT_BEAT_PERIOD_MS)
}

export function median (values: readonly number[]): number {
  // a typed array sorts numerically without a comparator call per step: the relay takes the
  // median of every node's propagation samples every 2 s
  return sortedMedian(Float64Array.from(values).sort())
}

/** The median of numbers sorted already (0 for none). */
export function sortedMedian (sorted: Float64Array): number {
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** The block-time samples and estimate after the best height rose from `fromHeight` (reached
 *  at `fromAt`) to `height` at `at`. */
export function nextBlockTime (samples: readonly number[], fromHeight: number, fromAt: number, height: number, at: number): { samples: number[], blockTimeMs: number | null } {
  if (!(height > fromHeight) || !(at > fromAt)) return { samples: [...samples], blockTimeMs: samples.length > 0 ? median(samples) : null }
  const next = [...samples.slice(1 - BLOCK_TIME_SAMPLES), (at - fromAt) / (height - fromHeight)]
  return { samples: next, blockTimeMs: median(next) }
}

/** How long the best height may stay before the chain counts as stalled. */
export function stallAfterMs (blockTimeMs: number | null): number {
  return STALL_BLOCKS * (blockTimeMs ?? DEFAULT_BLOCK_TIME_MS)
}

/** Whether an online node that reports `lag` heights below the best is behind at `at`: two or
 *  more, or one for longer than the grace after the best height rose. */
export function isBehind (lag: number, at: number, bestRoseAt: number, beatPeriodMs: number | null): boolean {
  if (lag <= 0) return false
  if (lag >= 2) return true
  return at - bestRoseAt > SYNC_GRACE_BEATS * (beatPeriodMs ?? DEFAULT_BEAT_PERIOD_MS)
}
