// Public face of the relay: startRelay() and what it returns. The parts it assembles are in relay.ts.
import type { Clock } from '../p2p/clock.ts'

export interface RelayInit {
  /** interface for every listener; default 127.0.0.1 */
  host?: string
  /** HTTP (dashboard, /relay.json, /api/nodes, /metrics, /healthz); 0 picks a free port */
  httpPort?: number
  /** libp2p TCP listener for devnet nodes; 0 picks a free port */
  tcpPort?: number
  /** libp2p WebSockets listener for browsers (and nodes); 0 picks a free port */
  wsPort?: number
  /** holds the relay's key and its known nodes */
  dataDir: string
  /** public multiaddrs (NAT, DNS names), listed first */
  announce?: string[]
  /** the built dashboard to serve at /; default <project>/dist */
  staticDir?: string
  /** how long a feed subscriber may push back before it is closed; default FEED_DRAIN_TIMEOUT_MS */
  feedDrainTimeoutMs?: number
  /** peer IDs allowed to send heartbeats, on top of <dataDir>/allowed-nodes.txt if present;
   *  with neither, every peer may */
  allowNodes?: string[]
  /** peer IDs allowed to subscribe to the feed, on top of <dataDir>/allowed-viewers.txt */
  allowViewers?: string[]
  /** feed subscribers at once; default MAX_FEED_SUBSCRIBERS */
  maxViewers?: number
  /** heartbeats a second per peer before lines are dropped; default MAX_BEATS_PER_SECOND */
  maxBeatsPerSecond?: number
  /** how long a peer that sent too many bad lines is refused; default COOL_OFF_MS */
  coolOffMs?: number
  /** silence on a heartbeat stream before its host is probed (and the time between probes of
   *  a dashboard's host), and how long it has to answer; default QUIET_PROBE_AFTER_MS and
   *  QUIET_PROBE_TIMEOUT_MS */
  quietProbe?: { afterMs: number, timeoutMs: number }
  /** the history record (<dataDir>/history.sqlite) keeps this many days; default 7 */
  historyDays?: number
  /** and stays under this many MB, oldest first; default 1024 */
  historyMaxMb?: number
  /** what time it is and every timer of the relay's services (batches, pings, drain and probe
   *  timeouts, rate limits, cool-offs, writes of the known nodes); default the real clock. A
   *  test passes a manual one and moves time on instead of waiting for it. */
  clock?: Clock
  /** a roster file ({ "nodes": [ { "name", "peerId" } ] }) of nodes to show from the start,
   *  "missing" until first heard; followed while the relay runs */
  roster?: string
}

export interface Relay {
  readonly peerId: string
  /** e.g. http://127.0.0.1:8080 */
  readonly httpUrl: string
  /** multiaddrs ending in /p2p/<peer id> for devnet nodes (BeatTarget): announced, then TCP, then WS */
  readonly nodeAddrs: string[]
  /** WebSocket multiaddrs ending in /p2p/<peer id> for dashboards, announced ones first */
  readonly browserAddrs: string[]
  /** how many peers each allowlist holds; undefined where there is none */
  readonly allowlists: { nodes?: number, viewers?: number }
  /** the history record's bounds */
  readonly history: { days: number, maxMb: number }
  /** the nodes one source (such as a watcher in this process) says to expect; replaces what
   *  that source said before (see NodeRegistry.expect) */
  expect: (source: string, roster: ReadonlyArray<{ name: string, peerId: string }>) => void
  stop: () => Promise<void>
}

export { startRelay } from './relay.ts'
export { InvalidRosterError } from './roster.ts'
export type { RosterEntry } from './roster.ts'
