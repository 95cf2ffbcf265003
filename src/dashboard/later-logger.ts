// @libp2p/logger, with the multiformats bases its formatters use, is ~5 kB gzip and ~15 ms of a
// cold page's main thread to set up: more than the first paint's code and the record's (time
// travel, the history reader, the event list) need, since they log only when something went
// wrong. This one loads the logger on its first call and logs in call order once it is in
// (bench: the bundle row and the history window).
import type { Logger } from '@libp2p/logger'

export interface LaterLogger {
  (formatter: string, ...args: unknown[]): void
  error: (formatter: string, ...args: unknown[]) => void
}

export function laterLogger (name: string): LaterLogger {
  let loaded: Promise<Logger> | undefined
  // a logger that cannot be loaded (a new build on the relay) logs nothing: never a rejection
  const later = (write: (log: Logger) => void): void => {
    loaded ??= import('@libp2p/logger').then(({ logger }) => logger(name))
    loaded.then(write, () => {})
  }
  const log = (formatter: string, ...args: unknown[]): void => { later(l => { l(formatter, ...args) }) }
  log.error = (formatter: string, ...args: unknown[]): void => { later(l => { l.error(formatter, ...args) }) }
  return log
}
