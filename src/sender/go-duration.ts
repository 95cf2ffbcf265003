// Go's time.ParseDuration and Duration.String, so a period in a config reads exactly as it
// does in go-filecoin's ("3s", "10s", "1m30s", "250ms"). Durations are int64 nanoseconds in
// Go; here they are bigint nanoseconds, converted to milliseconds where timers need them.

export class InvalidDurationError extends Error {
  static name = 'InvalidDurationError'
  readonly input: string

  constructor (input: string, detail: string) {
    super(`invalid duration ${JSON.stringify(input)}: ${detail}; expected a Go duration such as "3s", "250ms" or "1m30s"`)
    this.name = 'InvalidDurationError'
    this.input = input
  }
}

const NANOSECOND = 1n
const MICROSECOND = 1000n * NANOSECOND
const MILLISECOND = 1000n * MICROSECOND
const SECOND = 1000n * MILLISECOND
const MINUTE = 60n * SECOND
const HOUR = 60n * MINUTE

// Go's unitMap, including both spellings of micro (U+00B5 micro sign, U+03BC mu)
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', NANOSECOND], ['us', MICROSECOND], ['\u00b5s', MICROSECOND], ['\u03bcs', MICROSECOND],
  ['ms', MILLISECOND], ['s', SECOND], ['m', MINUTE], ['h', HOUR]
])

const MAX_INT64 = (1n << 63n) - 1n
const TWO_63 = 1n << 63n

function isDigit (c: string | undefined): boolean {
  return c != null && c >= '0' && c <= '9'
}

/**
 * time.ParseDuration, result in nanoseconds: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, where "0"
 * alone needs no unit, every other number does, and anything outside int64 is refused.
 * Throws InvalidDurationError with Go's reason.
 */
export function parseGoDurationNs (input: string): bigint {
  let s = input
  let neg = false
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0n
  if (s === '') throw new InvalidDurationError(input, 'it is empty')
  let total = 0n
  let i = 0
  while (i < s.length) {
    if (!(s[i] === '.' || isDigit(s[i]))) throw new InvalidDurationError(input, 'a number must come before each unit')
    // [0-9]*, refusing int64 overflow as Go's leadingInt does
    const intStart = i
    let v = 0n
    while (isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48)
      if (v > TWO_63) throw new InvalidDurationError(input, 'it overflows int64 nanoseconds')
      i++
    }
    const pre = i !== intStart
    // (\.[0-9]*)?: digits past int64 precision are consumed and ignored, as leadingFraction does
    let f = 0n
    let scale = 1
    let post = false
    if (s[i] === '.') {
      i++
      const fracStart = i
      let overflow = false
      while (isDigit(s[i])) {
        if (!overflow) {
          const y = f * 10n + BigInt(s.charCodeAt(i) - 48)
          if (f > MAX_INT64 / 10n || y > TWO_63) {
            overflow = true
          } else {
            f = y
            scale *= 10
          }
        }
        i++
      }
      post = i !== fracStart
    }
    if (!pre && !post) throw new InvalidDurationError(input, 'a number has no digits')
    const unitStart = i
    while (i < s.length && s[i] !== '.' && !isDigit(s[i])) i++
    if (i === unitStart) throw new InvalidDurationError(input, 'missing unit (ns, us, ms, s, m or h)')
    const unitText = s.slice(unitStart, i)
    const unit = UNITS.get(unitText)
    if (unit == null) throw new InvalidDurationError(input, `unknown unit ${JSON.stringify(unitText)} (use ns, us, ms, s, m or h)`)
    if (v > TWO_63 / unit) throw new InvalidDurationError(input, 'it overflows int64 nanoseconds')
    v *= unit
    if (f > 0n) {
      // float64 arithmetic, as Go does: nanosecond-exact for fractions of an hour
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)))
      if (v > TWO_63) throw new InvalidDurationError(input, 'it overflows int64 nanoseconds')
    }
    total += v
    if (total > TWO_63) throw new InvalidDurationError(input, 'it overflows int64 nanoseconds')
  }
  if (neg) return -total
  if (total > MAX_INT64) throw new InvalidDurationError(input, 'it overflows int64 nanoseconds')
  return total
}

/** time.ParseDuration in milliseconds (fractional below 1 ms). */
export function parseGoDuration (input: string): number {
  return Number(parseGoDurationNs(input)) / 1e6
}

/**
 * A period for a ticker: a Go duration string or milliseconds, which must be positive
 * (Go's time.NewTicker panics on anything else). Returns milliseconds.
 */
export function parsePeriod (value: string | number, what: string): number {
  const ms = typeof value === 'number' ? value : parseGoDuration(value)
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new InvalidDurationError(String(value), `${what} must be positive`)
  }
  return ms
}

function fraction (value: bigint, digits: number): string {
  // value holds `digits` decimal places; Go drops trailing zeros and the dot with them
  const text = value.toString().padStart(digits + 1, '0')
  const whole = text.slice(0, text.length - digits)
  const frac = text.slice(text.length - digits).replace(/0+$/, '')
  return frac === '' ? whole : `${whole}.${frac}`
}

/** Go's Duration.String for nanoseconds: "0s", "250ms", "1.5µs", "1m30s", "1h0m0s". */
export function formatGoDurationNs (ns: bigint): string {
  if (ns === 0n) return '0s'
  const sign = ns < 0n ? '-' : ''
  const u = ns < 0n ? -ns : ns
  if (u < SECOND) {
    if (u < MICROSECOND) return `${sign}${u}ns`
    if (u < MILLISECOND) return `${sign}${fraction(u, 3)}\u00b5s`
    return `${sign}${fraction(u, 6)}ms`
  }
  const hours = u / HOUR
  const minutes = (u % HOUR) / MINUTE
  const seconds = fraction(u % MINUTE, 9)
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`
  return `${sign}${seconds}s`
}

/** Go's Duration.String for milliseconds (rounded to the nanosecond). */
export function formatGoDuration (ms: number): string {
  return formatGoDurationNs(BigInt(Math.round(ms * 1e6)))
}
