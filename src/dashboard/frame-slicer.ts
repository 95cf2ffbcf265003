// Work too long for one animation frame, done a slice per frame. One job runs at a time and
// runs to its end: a job handed in meanwhile waits for it, and of those waiting only the
// latest is kept. Restarting on every new job instead would starve on a machine where a job
// takes longer than the time between two of them: nothing would ever be finished.

/** A job's unit of work: do some, while hasTime(); true once the job is finished. */
export type SlicedJob = (hasTime: () => boolean) => boolean

interface Queued { job: SlicedJob, budgetMs: number }

export interface FrameSlicerInit {
  /** the most time a frame spends on jobs, ms */
  budgetMs: number
  /** runs a callback in the next frame (requestAnimationFrame); returns a handle for cancel */
  request: (callback: () => void) => number
  cancel: (handle: number) => void
  /** ms, monotonic */
  now?: () => number
}

export class FrameSlicer {
  readonly #budgetMs: number
  readonly #request: (callback: () => void) => number
  readonly #cancel: (handle: number) => void
  readonly #now: () => number
  #running: Queued | null = null
  #waiting: Queued | null = null
  #handle: number | null = null

  constructor (init: FrameSlicerInit) {
    this.#budgetMs = init.budgetMs
    this.#request = init.request
    this.#cancel = init.cancel
    this.#now = init.now ?? (() => performance.now())
  }

  /**
   * Runs the job once the one under way (if any) is finished, starting in the next frame.
   * `budgetMs`: this job's time per frame, when it is not the slicer's.
   */
  submit (job: SlicedJob, budgetMs = this.#budgetMs): void {
    this.#waiting = { job, budgetMs }
    if (this.#running === null) this.#next()
  }

  /** Drops the running and the waiting job. */
  stop (): void {
    if (this.#handle !== null) this.#cancel(this.#handle)
    this.#handle = null
    this.#running = null
    this.#waiting = null
  }

  #next (): void {
    this.#running = this.#waiting
    this.#waiting = null
    this.#handle = this.#running === null ? null : this.#request(this.#frame)
  }

  readonly #frame = (): void => {
    this.#handle = null
    const running = this.#running
    if (running === null) return
    const until = this.#now() + running.budgetMs
    if (running.job(() => this.#now() < until)) this.#next()
    else this.#handle = this.#request(this.#frame)
  }
}
