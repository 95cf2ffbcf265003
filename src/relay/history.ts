/** A fixed-size ring of (time, height) points: the oldest is overwritten when full. */
export class HistoryRing {
  readonly capacity: number
  readonly #at: Float64Array
  readonly #height: Float64Array
  #start = 0
  #size = 0

  constructor (capacity: number) {
    this.capacity = capacity
    this.#at = new Float64Array(capacity)
    this.#height = new Float64Array(capacity)
  }

  get size (): number {
    return this.#size
  }

  push (at: number, height: number): void {
    const slot = (this.#start + this.#size) % this.capacity
    this.#at[slot] = at
    this.#height[slot] = height
    if (this.#size < this.capacity) {
      this.#size++
    } else {
      this.#start = (this.#start + 1) % this.capacity
    }
  }

  /** Oldest first, as [at, height] pairs for the feed. */
  points (): Array<[number, number]> {
    const out: Array<[number, number]> = []
    for (let k = 0; k < this.#size; k++) {
      const slot = (this.#start + k) % this.capacity
      out.push([this.#at[slot] ?? 0, this.#height[slot] ?? 0])
    }
    return out
  }
}
