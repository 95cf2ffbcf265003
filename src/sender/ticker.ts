// Go's time.Ticker, which go-filecoin's heartbeat loops run on, over a Clock (so tests can
// drive it by hand and a thousand simulated senders can share one real timer).
import type { Clock, ClockTimer } from './clock.ts'

/**
 * Go's time.Ticker on a Clock: fires every period on a fixed phase from creation; a receiver
 * that is busy misses ticks, except one that waits for it (the channel holds one tick).
 */
export class Ticker {
  readonly #clock: Clock
  readonly #period: number
  #next: number
  #timer: ClockTimer | undefined
  #pending = false
  #wake: (() => void) | undefined

  constructor (clock: Clock, period: number) {
    this.#clock = clock
    this.#period = period
    this.#next = clock.now() + period
    this.#timer = clock.setTimeout(this.#fire, period)
  }

  #fire = (): void => {
    const now = this.#clock.now()
    // missed ticks are dropped, the phase kept (Go's runtime does the same)
    this.#next += this.#period * Math.max(1, Math.floor((now - this.#next) / this.#period) + 1)
    this.#pending = true
    this.#timer = this.#clock.setTimeout(this.#fire, this.#next - now)
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  /** A tick now, phase unchanged: the next regular tick still comes on time (the sender's
   *  beatNow, not in go-filecoin). */
  trigger (): void {
    this.#pending = true
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  /** true on a tick, false once signal is aborted */
  async wait (signal: AbortSignal): Promise<boolean> {
    if (!this.#pending && !signal.aborted) {
      await new Promise<void>(resolve => {
        const onAbort = (): void => { this.#wake = undefined; resolve() }
        signal.addEventListener('abort', onAbort, { once: true })
        this.#wake = () => { signal.removeEventListener('abort', onAbort); resolve() }
      })
    }
    if (signal.aborted) return false
    this.#pending = false
    return true
  }

  stop (): void {
    if (this.#timer != null) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#wake = undefined
  }
}
