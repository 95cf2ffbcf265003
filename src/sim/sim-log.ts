// The log a simulation gives its heartbeat services. A thousand nodes that lose the relay at
// once would write a thousand warnings; this writes the first, then at most one line per
// interval per level saying how many more there were. Debug and info pass straight through.
import type { Clock, HeartbeatLogSink } from '../sender/index.ts'

// one line per second per level is readable on a terminal and still says something is wrong
export const SIM_LOG_INTERVAL_MS = 1000

/** A sink for one node: its lines carry its nickname. */
export type NodeLogFactory = (nickname: string) => HeartbeatLogSink

export function createSimulationLog (base: HeartbeatLogSink, clock: Clock, intervalMs = SIM_LOG_INTERVAL_MS): NodeLogFactory {
  const last = { warn: -Infinity, error: -Infinity }
  const suppressed = { warn: 0, error: 0 }
  const limited = (level: 'warn' | 'error', nickname: string, message: string): void => {
    const now = clock.now()
    if (now - last[level] < intervalMs) {
      suppressed[level]++
      return
    }
    const more = suppressed[level]
    suppressed[level] = 0
    last[level] = now
    base[level](`${nickname}: ${message}${more > 0 ? ` (and ${more} more like it from the simulation since the last)` : ''}`)
  }
  return nickname => ({
    debug: message => { base.debug(`${nickname}: ${message}`) },
    info: message => { base.info(`${nickname}: ${message}`) },
    warn: message => { limited('warn', nickname, message) },
    error: message => { limited('error', nickname, message) }
  })
}
