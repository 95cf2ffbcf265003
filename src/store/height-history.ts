import { HISTORY_CAPACITY } from './constants.ts'

/**
 * A fixed-size ring buffer of (time, height) points, oldest first. Memory is allocated once,
 * so a tab left open for days holds the same amount. Heights are float64 because a valid
 * height goes up to 2^53 - 1.
 */
export class HeightHistory {
  readonly capacity: number
  /** points closer than this to the one before the newest replace the newest instead of
   *  adding one: a long chart window keeps its whole width in the same memory */
  readonly spacingMs: number
  readonly #at: Float64Array
  readonly #height: Float64Array
  #start = 0
  #size = 0
  /** Counts appends, so a view can tell that the history changed without comparing it. */
  version = 0

  /**
   * `storage`: 2 × capacity float64s this history may use as its own (a moment's thousand
   * histories share one allocation: a typed array's backing store costs far more to make than
   * its view). Without it, one array is allocated for both times and heights. `filled`: its
   * first points are there already (times from index 0, heights from index capacity, oldest
   * first, as push() would have left them): a recorded moment writes a thousand histories in
   * one loop, not a call per point, on a page whose code is not yet optimised (bench: the
   * history window).
   */
  constructor (capacity: number = HISTORY_CAPACITY, spacingMs = 0, storage?: Float64Array, filled = 0) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer')
    if (storage != null && storage.length !== 2 * capacity) throw new RangeError('storage must hold 2 × capacity values')
    if (!Number.isSafeInteger(filled) || filled < 0 || filled > capacity || (filled > 0 && storage == null)) throw new RangeError('filled must be 0 to capacity, with storage')
    this.capacity = capacity
    this.spacingMs = spacingMs
    const both = storage ?? new Float64Array(2 * capacity)
    this.#at = both.subarray(0, capacity)
    this.#height = both.subarray(capacity)
    this.#size = filled
  }

  /**
   * A history of `past` (oldest first; the relay's record, thinned) followed by this one's
   * points: the past only where it is older than this history's first point, so what the feed
   * said wins where both speak. Where they are too many, the oldest go.
   */
  withPast (past: ReadonlyArray<readonly [at: number, height: number]>): HeightHistory {
    const next = new HeightHistory(this.capacity, this.spacingMs)
    const firstAt = this.#size === 0 ? Infinity : this.atOf(0)
    for (const [at, height] of past) {
      if (at >= firstAt) break
      next.push(at, height)
    }
    for (let k = 0; k < this.#size; k++) next.push(this.atOf(k), this.heightOf(k))
    return next
  }

  get size (): number {
    return this.#size
  }

  /** Appends a point; the oldest is overwritten once full. Points older than the last are ignored. */
  push (at: number, height: number): void {
    if (this.#size > 0 && at < this.lastAt()) return
    if (this.spacingMs > 0 && this.#size >= 2 && this.lastAt() - this.atOf(this.#size - 2) < this.spacingMs) {
      // the newest point is not yet a spacing past the one before it: it moves to the new
      // height instead of a point being added
      const last = (this.#start + this.#size - 1) % this.capacity
      this.#at[last] = at
      this.#height[last] = height
      this.version++
      return
    }
    const index = (this.#start + this.#size) % this.capacity
    this.#at[index] = at
    this.#height[index] = height
    if (this.#size < this.capacity) this.#size++
    else this.#start = (this.#start + 1) % this.capacity
    this.version++
  }

  /**
   * Copies points `first` to the newest into `at` and `height` from their index 0 (each at
   * least size - first long); returns how many. Two plain loops (the ring's wrap), so a loop
   * over every point of a thousand histories makes no call per point (the chart's raster), and
   * no typed-array views are made: four subarrays per history per redraw were the chart's
   * largest garbage (bench: the render row's major GCs).
   */
  copyFrom (first: number, at: Float64Array, height: Float64Array): number {
    const from = Math.max(0, first)
    const n = Math.max(0, this.#size - from)
    for (let k = 0, j = (this.#start + from) % this.capacity; k < n; k++, j = j + 1 === this.capacity ? 0 : j + 1) {
      at[k] = this.#at[j] as number
      height[k] = this.#height[j] as number
    }
    return n
  }

  /** Time of the k-th point, oldest first (k < size). */
  atOf (k: number): number {
    return this.#at[(this.#start + k) % this.capacity] ?? 0
  }

  /** Height of the k-th point, oldest first (k < size). */
  heightOf (k: number): number {
    return this.#height[(this.#start + k) % this.capacity] ?? 0
  }

  /** Time of the newest point, or -Infinity when empty. */
  lastAt (): number {
    return this.#size === 0 ? -Infinity : this.atOf(this.#size - 1)
  }

  /** Height of the newest point, or -1 when empty. */
  lastHeight (): number {
    return this.#size === 0 ? -1 : this.heightOf(this.#size - 1)
  }

  /** Index of the first point at or after `at` (binary search; size when none). */
  firstIndexFrom (at: number): number {
    let lo = 0
    let hi = this.#size
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.atOf(mid) < at) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
