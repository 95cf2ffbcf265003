// Short forms for a wall: what fits a table cell and reads from across a room.
import { tipsetCids } from '../protocol/heartbeat.ts'

// the tail of a CID or peer ID is where they differ (their heads are shared prefixes)
const TAIL = 6

export function shortPeerId (peerId: string): string {
  return peerId.length <= TAIL + 1 ? peerId : `…${peerId.slice(-TAIL)}`
}

/** A node's name on the wall: its nickname, or the tail of its peer ID. */
export function nodeName (node: { readonly nickname: string, readonly peerId: string }): string {
  return node.nickname === '' ? shortPeerId(node.peerId) : node.nickname
}

/** `{ bafy…abc bafy…def bafy…ghi }` → `abc def +1`; a node that could not read its head → `none`. */
export function shortHead (head: string, shown = 2): string {
  const cids = tipsetCids(head)
  if (cids.length === 0) return 'none'
  const tails = cids.slice(0, shown).map(cid => cid.length <= TAIL ? cid : cid.slice(-TAIL))
  return cids.length > shown ? `${tails.join(' ')} +${cids.length - shown}` : tails.join(' ')
}

/** 1234567 → "1,234,567"; written out by hand: toLocaleString's first call loads ICU number
 *  data, ~28 ms on the page's first render. */
export function formatHeight (height: number): string {
  if (height < 0) return '–'
  const digits = String(Math.trunc(height))
  let out = ''
  for (let end = digits.length; end > 0; end -= 3) {
    const group = digits.slice(Math.max(0, end - 3), end)
    out = out === '' ? group : `${group},${out}`
  }
  return out
}

// Larger units first; a count is written in the largest one it reaches
const UNITS: ReadonlyArray<[size: number, suffix: string]> = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']]

/**
 * A count in at most four characters (below 10^15), for a cell that must never cut a number: exact below
 * 1,000, then 7.0k, 12k, 345k, 1.2M, 12M, … (one decimal below 10 of a unit, rounded to the
 * nearest; 999,600 is 1.0M, never 1000k).
 */
export function abbreviateCount (n: number): string {
  const value = Math.max(0, Math.round(n))
  if (value < 1000) return String(value)
  for (let u = UNITS.length - 1; u >= 0; u--) {
    const [size, suffix] = UNITS[u] ?? [1, '']
    const scaled = value / size
    const text = scaled < 9.95 ? scaled.toFixed(1) : String(Math.round(scaled))
    if (Number(text) < 1000 || u === 0) return text + suffix
  }
  return String(value)
}

/** How far a node is behind, for the Lag column: "0", "−42", "−7.0k", "−13M". */
export function formatLag (lag: number): string {
  return lag <= 0 ? '0' : `−${abbreviateCount(lag)}`
}

// "99,999,999": the Height column fits this many characters; long-lived chains are at 5-13
// million (Filecoin mainnet epochs, Ethereum slots), so real heights are always exact
const HEIGHT_CELL_CHARS = 10

/** A height for the table: exact with separators when it fits the column, else abbreviated. */
export function formatHeightCell (height: number): string {
  const exact = formatHeight(height)
  return exact.length <= HEIGHT_CELL_CHARS ? exact : abbreviateCount(height)
}

/** 0.4 s → "now", 42 s → "42 s", 125 s → "2 m 05 s", 2 h → "2 h 00 m", 3 days → "3 d 0 h". */
export function formatDuration (ms: number): string {
  if (ms < 1000) return 'now'
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, '0')} m`
  return `${Math.floor(h / 24)} d ${h % 24} h`
}

/** A moment (ms since epoch, the page's clock) as the wall's time of day: "14:02:11". Written
 *  out by hand for the same reason as formatHeight. */
export function formatClock (localMs: number): string {
  const date = new Date(localMs)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
}

export function formatBlockTime (ms: number | null): string {
  if (ms === null) return 'measuring'
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`
}

/** A short time for propagation: 42 ms → "0.04 s", 420 ms → "0.42 s", 3,100 ms → "3.1 s", 12 s → "12 s". */
export function formatSeconds (ms: number): string {
  const s = ms / 1000
  if (s < 1) return `${s.toFixed(2)} s`
  if (s < 10) return `${s.toFixed(1)} s`
  return `${Math.round(s)} s`
}

/** "Lodestar v1.5.1" from a watched node's client and version, the version cut at its first
 *  `+` or `-` (build and commit suffixes: "1.28.0+mainnet+git.b9d8a5d" → "1.28.0"); `–` when
 *  the node says nothing of its client (go-filecoin). */
export function shortClient (client: string | null, version: string | null): string {
  if (client === null) return '–'
  const short = version?.split(/[+-]/)[0] ?? ''
  return short === '' ? client : `${client} ${short}`
}

/** A node's client and version as the wall groups them ("Lodestar v1.5.1"); null when it says
 *  nothing of its client (go-filecoin senders, the simulator). */
export function clientOf (node: { client: string | null, clientVersion: string | null }): string | null {
  return node.client === null ? null : shortClient(node.client, node.clientVersion)
}

/** The largest groups of client and version among some nodes, "Lodestar v1.5.1 ×2, Teku 24.1
 *  ×1, +2 more" (nodes that say nothing count as "unknown client", listed last); '' when none
 *  says its client, so a devnet of go-filecoin senders shows no line of unknowns. */
export function clientGroups (clients: ReadonlyArray<string | null>, shown = 2): string {
  const counts = new Map<string, number>()
  for (const client of clients) {
    const key = client ?? 'unknown client'
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  if (counts.size === 0 || (counts.size === 1 && counts.has('unknown client'))) return ''
  // the clients that name themselves first, however many say nothing
  const rank = (client: string): number => client === 'unknown client' ? 1 : 0
  const ranked = [...counts].sort(([a, x], [b, y]) => rank(a) - rank(b) || y - x || (a < b ? -1 : 1))
  // a no-break space: a count never wraps away from its client in a narrow lane label
  const parts = ranked.slice(0, shown).map(([client, count]) => `${client}\u00a0×${count}`)
  return ranked.length > shown ? `${parts.join(', ')}, +${ranked.length - shown} more` : parts.join(', ')
}
