// A moment as people and URLs write it, for ?at= on the page and from=/to=/at= in the
// relay's API: an ISO 8601 time, a time relative to now (-2h, -90s, -1h30m, now), or ms
// since the epoch. One parser, so the page and the API read the same words the same way.

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

// An ISO time needs a date; a time of day alone would be ambiguous across midnight
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/

/** A duration such as 90s, 10m, 1h30m, 2d, 1w; null when it is not one. */
export function parseDurationText (raw: string): number | null {
  const text = raw.trim().toLowerCase()
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(text)) return null
  let total = 0
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(value) * (UNITS[unit ?? ''] ?? 0)
  return total
}

/**
 * The moment `raw` names, in ms since the epoch, or null when it names none. Relative times
 * count back from `now`: "-2h" and "now-2h" are two hours before it, "now" is it. An ISO time
 * without a zone is UTC (a wall in another zone would otherwise read another moment).
 */
export function parseMoment (raw: string, now: number): number | null {
  const text = raw.trim()
  if (text === '') return null
  if (/^now$/i.test(text)) return now
  const relative = /^(?:now)?\s*-\s*(.+)$/i.exec(text)
  if (relative != null) {
    const ms = parseDurationText(relative[1] ?? '')
    return ms == null ? null : now - ms
  }
  if (/^\d{10,16}$/.test(text)) return Number(text)
  if (!ISO.test(text)) return null
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text) && text.length > 10
  const t = Date.parse(hasZone || text.length === 10 ? text : `${text.replace(' ', 'T')}Z`)
  return Number.isFinite(t) ? t : null
}
