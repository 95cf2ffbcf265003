// Everything a wall monitor sets once lives in the URL, so a bookmark is the configuration.
// Bad values fall back to the default and are reported, never thrown: a monitor must render.
import { parseMoment } from '../protocol/moment.ts'
import { DEFAULT_OFFLINE_KEEP_MS } from '../store/constants.ts'

export interface DashboardParams {
  /** the relay's WebSocket multiaddr; null: ask /relay.json on the host that served the page */
  relay: string | null
  windowMs: number
  theme: 'dark' | 'light'
  filter: string
  pins: string[]
  offlineKeepMs: number
  /** ?genesis=: the network to show (a genesis CID, or its unique ending); null: the largest */
  genesis: string | null
  /** ?at=: the moment to show, frozen, from the relay's record (ms since epoch, page clock);
   *  null: live */
  at: number | null
  /** the event list is shown (?events=0 hides it) */
  events: boolean
  /** one line per ignored parameter, shown on screen */
  problems: string[]
}

export const DEFAULT_WINDOW_MS = 10 * 60_000
export { DEFAULT_OFFLINE_KEEP_MS }
// the relay's record keeps a week by default; past that there is nothing to draw
export const MAX_WINDOW_MS = 7 * 24 * 60 * 60_000
// a week: past that, "offline" means "gone" and the relay's forget takes over
const MAX_OFFLINE_KEEP_MS = 7 * 24 * 60 * 60_000

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** "90s", "10m", "1h30m", "2d", or a bare number of minutes; null when not a duration. */
export function parseDuration (raw: string): number | null {
  const text = raw.trim().toLowerCase()
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 60_000
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return null
  let total = 0
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(value) * (UNITS[unit ?? ''] ?? 0)
  }
  return total
}

function duration (search: URLSearchParams, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = search.get(name)
  if (raw === null || raw === '') return fallback
  const ms = parseDuration(raw)
  if (ms === null || ms < min || ms > max) {
    problems.push(`?${name}=${raw} ignored: use a duration such as 10m, 90s or 1h`)
    return fallback
  }
  return ms
}

// a CID is under 100 characters (MAX_CID_LENGTH bounds it on the wire); its ending is enough
const MAX_GENESIS_PARAM = 256

function genesisParam (raw: string | null, problems: string[]): string | null {
  const value = raw?.trim() ?? ''
  if (value === '') return null
  if (value.length > MAX_GENESIS_PARAM || !/^[A-Za-z0-9]+$/.test(value)) {
    problems.push('?genesis= ignored: use a genesis CID or its last characters')
    return null
  }
  return value
}

function moment (search: URLSearchParams, name: string, now: number, problems: string[]): number | null {
  const raw = search.get(name)
  if (raw === null || raw.trim() === '') return null
  const at = parseMoment(raw, now)
  if (at === null || at > now) {
    problems.push(`?${name}=${raw} ignored: use a past time, such as -2h, -30m or 2026-01-05T14:02:00Z`)
    return null
  }
  return at
}

export function parseParams (query: string, now: number = Date.now()): DashboardParams {
  const search = new URLSearchParams(query)
  const problems: string[] = []
  const theme = search.get('theme')
  if (theme !== null && theme !== 'light' && theme !== 'dark') problems.push(`?theme=${theme} ignored: use light or dark`)
  const relay = search.get('relay')
  return {
    relay: relay === null || relay.trim() === '' ? null : relay.trim(),
    windowMs: duration(search, 'window', DEFAULT_WINDOW_MS, 10_000, MAX_WINDOW_MS, problems),
    theme: theme === 'light' ? 'light' : 'dark',
    filter: (search.get('filter') ?? '').trim(),
    // ?pin=a,b and ?pin=a&pin=b both work
    pins: search.getAll('pin').flatMap(value => value.split(',')).map(value => value.trim()).filter(value => value !== ''),
    offlineKeepMs: duration(search, 'offline', DEFAULT_OFFLINE_KEEP_MS, 0, MAX_OFFLINE_KEEP_MS, problems),
    genesis: genesisParam(search.get('genesis'), problems),
    at: moment(search, 'at', now, problems),
    events: search.get('events') !== '0',
    problems
  }
}
