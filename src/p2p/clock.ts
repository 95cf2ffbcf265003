// Time behind an interface: what time it is, and one-shot timers. The relay's services and the
// heartbeat sender take one, so a test moves time on with a manual clock (src/sender/clock.ts)
// instead of waiting for it, and the simulator runs a thousand nodes' timers on one.

export interface ClockTimer {
  /** opaque; only for clearTimeout */
  readonly id: number
}

export interface Clock {
  /** ms since epoch */
  now: () => number
  setTimeout: (callback: () => void, ms: number) => ClockTimer
  clearTimeout: (timer: ClockTimer) => void
}

/** The real clock: Date.now and one timer of the runtime's per setTimeout. */
export const systemClock: Clock = {
  now: () => Date.now(),
  // Node's timer object converts to its id, which clearTimeout takes; a browser's is the id
  setTimeout: (callback, ms) => ({ id: Number(setTimeout(callback, ms)) }),
  clearTimeout: timer => { clearTimeout(timer.id) }
}

/** Calls `callback` every `ms` on the clock, first `ms` from now, until the returned stop(). */
export function repeat (clock: Clock, ms: number, callback: () => void): () => void {
  const fire = (): void => {
    // armed before the callback runs, so a callback that throws does not end the repetition
    timer = clock.setTimeout(fire, ms)
    callback()
  }
  let timer = clock.setTimeout(fire, ms)
  return () => { clock.clearTimeout(timer) }
}

/** An AbortSignal that aborts `ms` from now on the clock (AbortSignal.timeout knows only real
 *  time), and clear() for when it is no longer needed. */
export function clockTimeout (clock: Clock, ms: number): { signal: AbortSignal, clear: () => void } {
  const controller = new AbortController()
  const timer = clock.setTimeout(() => { controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')) }, ms)
  return { signal: controller.signal, clear: () => { clock.clearTimeout(timer) } }
}
