// A small declarative option parser for the CLI: every option has a flag, an environment
// variable, a default and a checker; a bad value is refused with a message naming the option.

export class OptionError extends Error {
  static name = 'OptionError'

  constructor (message: string) {
    super(message)
    this.name = 'OptionError'
  }
}

export interface OptionSpec<T> {
  /** long flag without dashes, e.g. 'http-port' */
  flag: string
  /** environment variable that sets it when the flag is absent */
  env?: string
  /** what it is, for --help */
  help: string
  /** the value when neither flag nor environment sets it */
  default: T
  /** shown in --help for the value, e.g. '<port>' */
  valueName?: string
  /** a flag that takes no value (--help, --json); its default must be false */
  boolean?: boolean
  /** may be given more than once; values accumulate (env: comma separated) */
  repeatable?: boolean
  /** turns one raw string into the value, or throws Error with a reason */
  parse: (raw: string) => unknown
}

export type OptionSpecs = Record<string, OptionSpec<unknown>>
export type OptionValues<S extends OptionSpecs> = { [K in keyof S]: S[K]['default'] }

export function parsePort (raw: string): number {
  const port = Number(raw)
  if (!/^\d+$/.test(raw) || port > 65535) throw new Error('must be a port number from 0 to 65535')
  return port
}

export function parseCount (raw: string): number {
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new Error('must be a whole number')
  return n
}

export function parseText (raw: string): string {
  if (raw.length === 0) throw new Error('must not be empty')
  return raw
}

/**
 * Parses argv against specs, falling back to the environment, then to defaults. Accepts
 * `--flag value` and `--flag=value`. Unknown flags and stray arguments are errors.
 */
export function parseOptions<S extends OptionSpecs> (specs: S, argv: readonly string[], env: Record<string, string | undefined>): OptionValues<S> {
  const byFlag = new Map(Object.entries(specs).map(([key, spec]) => [spec.flag, { key, spec }]))
  const fromArgs = new Map<string, unknown[]>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (!arg.startsWith('--')) throw new OptionError(`unexpected argument ${JSON.stringify(arg)}; see --help`)
    const eq = arg.indexOf('=')
    const flag = arg.slice(2, eq === -1 ? undefined : eq)
    const entry = byFlag.get(flag)
    if (entry == null) throw new OptionError(`unknown option --${flag}; see --help`)
    let raw: string
    if (entry.spec.boolean === true) {
      if (eq !== -1) throw new OptionError(`--${flag} takes no value`)
      raw = 'true'
    } else if (eq !== -1) {
      raw = arg.slice(eq + 1)
    } else {
      const next = argv[i + 1]
      if (next == null) throw new OptionError(`--${flag} needs a value ${entry.spec.valueName ?? ''}`.trimEnd())
      raw = next
      i++
    }
    const value = entry.spec.boolean === true ? true : check(entry.spec, raw, `--${flag}`)
    const values = fromArgs.get(entry.key) ?? []
    values.push(value)
    fromArgs.set(entry.key, values)
  }
  const out: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(specs)) {
    const given = fromArgs.get(key)
    const envRaw = spec.env != null ? env[spec.env] : undefined
    if (given != null) {
      out[key] = spec.repeatable === true ? given : given[given.length - 1]
    } else if (envRaw != null && envRaw !== '') {
      const source = `${spec.env ?? ''} (--${spec.flag})`
      out[key] = spec.repeatable === true
        ? envRaw.split(',').map(part => part.trim()).filter(part => part !== '').map(part => check(spec, part, source))
        : spec.boolean === true ? envRaw !== '0' && envRaw !== 'false' : check(spec, envRaw, source)
    } else {
      out[key] = spec.default
    }
  }
  return out as OptionValues<S>
}

function check (spec: OptionSpec<unknown>, raw: string, source: string): unknown {
  try {
    return spec.parse(raw)
  } catch (err) {
    throw new OptionError(`invalid value ${JSON.stringify(raw)} for ${source}: ${(err as Error).message}`)
  }
}

/** The option list for --help, one line per option, with its environment variable and default. */
export function formatOptions (specs: OptionSpecs): string {
  const rows = Object.values(specs).map(spec => {
    const left = `  --${spec.flag}${spec.boolean === true ? '' : ` ${spec.valueName ?? '<value>'}`}`
    const extras = [
      spec.env != null ? `env ${spec.env}` : '',
      spec.boolean === true || spec.default == null || spec.default === '' || (Array.isArray(spec.default) && spec.default.length === 0) ? '' : `default ${String(spec.default)}`,
      spec.repeatable === true ? 'repeatable' : ''
    ].filter(part => part !== '').join('; ')
    return [left, `${spec.help}${extras !== '' ? ` (${extras})` : ''}`] as const
  })
  const width = Math.max(...rows.map(([left]) => left.length)) + 2
  return rows.map(([left, right]) => left.padEnd(width) + right).join('\n')
}
