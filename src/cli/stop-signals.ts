// How a command that runs until stopped hears that it should stop: the first SIGINT or SIGTERM
// starts a clean stop; a second one while that is under way exits at once.

export interface StopSignals {
  /** the first SIGINT or SIGTERM */
  readonly received: Promise<NodeJS.Signals>
  /** stops listening (once the clean stop is done) */
  release: () => void
}

export function stopSignals (): StopSignals {
  let first: NodeJS.Signals | undefined
  let resolve!: (signal: NodeJS.Signals) => void
  const received = new Promise<NodeJS.Signals>(done => { resolve = done })
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first != null) {
      console.log(`${signal} again: exiting without a clean stop`)
      process.exit(1)
    }
    first = signal
    resolve(signal)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    received,
    release: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
