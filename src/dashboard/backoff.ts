// Reconnect delays: exponential from about a second to 30 s, with jitter so that every
// dashboard on a LAN does not redial a restarted relay in the same instant. A page that cannot
// reach its relay at all cuts the delay short when the relay answers again (backoff-wait.ts).

export const BACKOFF_BASE_MS = 1_000
export const BACKOFF_MAX_MS = 30_000

/** Delay before retry number `failures` (1 for the first retry); random is in [0, 1). */
export function backoffDelay (failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1))
  // "equal jitter": at least half the ceiling, so the delay still grows with each failure
  return Math.round(ceiling / 2 + random() * ceiling / 2)
}
