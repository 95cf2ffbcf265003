import { HISTORY_CAPACITY } from './constants.ts'

// mergePast's working space, grown to the most points one call has played: a thousand calls in a
// row (the page's first window from the record) made two arrays each
let scratch = new Float64Array(0)

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
  /** how many neighbouring points go down (a reorg, a restarted node): with none, the heights
   *  from any point on run from that point's to the newest, and heightRange() reads two */
  #drops = 0
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
    const heights = this.#height
    for (let k = 1; k < filled; k++) if ((heights[k] as number) < (heights[k - 1] as number)) this.#drops++
  }

  /**
   * Puts `past` (oldest first; the relay's record, thinned) behind this history's points, in
   * place as push() does: the past only where it is older than the first point, so what the
   * feed said wins where both speak. Where they are too many, the oldest go. The points are
   * played as push() would take them one by one, in one loop over a scratch array, then the
   * newest `capacity` written back from index 0. In place: a new history per node was a
   * thousand typed arrays made and filled in one task (16 MB), 100-300 ms in Chromium where
   * the loop alone is ~10 (bench: the render row's first seconds, the page's first window from
   * the record).
   */
  mergePast (past: ReadonlyArray<readonly [at: number, height: number]>): void {
    const firstAt = this.#size === 0 ? Infinity : this.atOf(0)
    let older = 0
    while (older < past.length && (past[older]?.[0] as number) < firstAt) older++
    if (older === 0) return
    // times from index 0, heights from index n, of one scratch array: no views made per call
    const n = older + this.#size
    if (scratch.length < 2 * n) scratch = new Float64Array(2 * n)
    const buffer = scratch
    const spacing = this.spacingMs
    let size = 0
    let pushed = 0
    for (let k = 0, j = this.#start; k < n; k++) {
      let t: number
      let h: number
      if (k < older) {
        const point = past[k] as readonly [number, number]
        t = point[0]
        h = point[1]
      } else {
        t = this.#at[j] as number
        h = this.#height[j] as number
        j = j + 1 === this.capacity ? 0 : j + 1
      }
      // push(): a point older than the newest is ignored; one within a spacing of the point
      // before the newest moves the newest
      if (size > 0 && t < (buffer[size - 1] as number)) continue
      pushed++
      if (spacing > 0 && size >= 2 && (buffer[size - 1] as number) - (buffer[size - 2] as number) < spacing) {
        buffer[size - 1] = t
        buffer[n + size - 1] = h
        continue
      }
      buffer[size] = t
      buffer[n + size] = h
      size++
    }
    // the ring keeps the newest `capacity`; the spacing rule reads only the newest two, which
    // dropping older points never changes
    const kept = Math.min(size, this.capacity)
    const at = this.#at
    const height = this.#height
    let drops = 0
    for (let k = 0, from = size - kept; k < kept; k++, from++) {
      const h = buffer[n + from] as number
      if (k > 0 && h < (height[k - 1] as number)) drops++
      at[k] = buffer[from] as number
      height[k] = h
    }
    this.#start = 0
    this.#size = kept
    this.#drops = drops
    this.version += pushed
  }

  get size (): number {
    return this.#size
  }

  /** Appends a point; the oldest is overwritten once full. Points older than the last are ignored. */
  push (at: number, height: number): void {
    const size = this.#size
    if (size > 0 && at < this.lastAt()) return
    if (this.spacingMs > 0 && size >= 2 && this.lastAt() - this.atOf(size - 2) < this.spacingMs) {
      // the newest point is not yet a spacing past the one before it: it moves to the new
      // height instead of a point being added
      const before = this.heightOf(size - 2)
      if (this.lastHeight() < before) this.#drops--
      if (height < before) this.#drops++
      const last = (this.#start + size - 1) % this.capacity
      this.#at[last] = at
      this.#height[last] = height
      this.version++
      return
    }
    // a ring of one point has no steps
    if (size > 0 && this.capacity > 1 && height < this.lastHeight()) this.#drops++
    // the oldest point goes, and with it the step from it to the next
    if (size === this.capacity && size >= 2 && this.heightOf(1) < this.heightOf(0)) this.#drops--
    const index = (this.#start + size) % this.capacity
    this.#at[index] = at
    this.#height[index] = height
    if (size < this.capacity) this.#size++
    else this.#start = (this.#start + 1) % this.capacity
    this.version++
  }

  /** No height is lower than the one before it: heightRange() reads the ends only. */
  get neverDown (): boolean {
    return this.#drops === 0
  }

  /**
   * The lowest and highest height from point `first` to the newest, into `out` (size > first).
   * Heights that never went down (a chain's, mostly) are read at the two ends, not point by
   * point: the chart's extent asks this of a thousand histories on every redraw.
   */
  heightRange (first: number, out: { min: number, max: number }): void {
    const from = Math.max(0, first)
    if (this.#drops === 0) {
      out.min = this.heightOf(from)
      out.max = this.lastHeight()
      return
    }
    let min = Infinity
    let max = -Infinity
    for (let k = 0, j = (this.#start + from) % this.capacity; k < this.#size - from; k++, j = j + 1 === this.capacity ? 0 : j + 1) {
      const height = this.#height[j] as number
      if (height < min) min = height
      if (height > max) max = height
    }
    out.min = min
    out.max = max
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
