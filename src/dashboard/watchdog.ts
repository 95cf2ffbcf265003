// The feed's silence watchdog: armed on every line, it calls the feed dead after `silenceMs`
// without one. A timer that fires long past its time ran in a tab whose timers were held
// (hidden, frozen, a machine that slept): the lines that came meanwhile may still be waiting to
// be read, so it looks again after a grace instead of calling a working feed dead.

export interface WatchdogInit {
  silenceMs: number
  /** fired this much past its time, the timer was held */
  lateMs: number
  /** how long a held timer waits for lines before it calls the feed dead */
  graceMs: number
  onSilent: () => void
  now?: () => number
  setTimer?: (callback: () => void, ms: number) => unknown
  clearTimer?: (timer: unknown) => void
}

export interface Watchdog {
  /** A line came: the silence starts over. */
  arm: () => void
  stop: () => void
}

export function createWatchdog (init: WatchdogInit): Watchdog {
  const now = init.now ?? Date.now
  const setTimer = init.setTimer ?? ((callback, ms) => setTimeout(callback, ms))
  const clearTimer = init.clearTimer ?? (timer => { clearTimeout(timer as ReturnType<typeof setTimeout>) })
  let timer: unknown
  // when it should fire
  let due = 0
  const bark = (): void => {
    if (now() - due > init.lateMs) {
      due = now() + init.graceMs
      timer = setTimer(bark, init.graceMs)
      return
    }
    init.onSilent()
  }
  return {
    arm () {
      clearTimer(timer)
      due = now() + init.silenceMs
      timer = setTimer(bark, init.silenceMs)
    },
    stop () {
      clearTimer(timer)
    }
  }
}
