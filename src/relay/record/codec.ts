// Varint byte packing for the record's blobs: a node's changes within one segment, and the
// journal of what a flush wrote. Unsigned LEB128 varints, zigzag for signed deltas; numbers
// stay below 2^53 (heights, ms times, ids), so arithmetic replaces 32-bit shifts.

const INITIAL_BYTES = 64

/** A signed whole number as an unsigned one, small magnitudes small: 0, -1, 1, -2… → 0, 1, 2, 3… */
export function zigzag (value: number): number {
  return value < 0 ? -2 * value - 1 : 2 * value
}

export function unzigzag (z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2
}

/** A growable byte buffer written with varints. */
export class ByteWriter {
  #bytes: Uint8Array
  #length = 0

  constructor (initial = INITIAL_BYTES) {
    this.#bytes = new Uint8Array(initial)
  }

  get length (): number {
    return this.#length
  }

  #room (n: number): void {
    if (this.#length + n <= this.#bytes.length) return
    let size = this.#bytes.length * 2
    while (size < this.#length + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.#bytes.subarray(0, this.#length))
    this.#bytes = next
  }

  /** A whole number from 0 to 2^53 - 1. */
  uint (value: number): void {
    this.#room(8)
    let v = value
    while (v >= 0x80) {
      this.#bytes[this.#length++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    this.#bytes[this.#length++] = v
  }

  /** A whole number from -(2^52) to 2^52 (zigzag: small magnitudes take few bytes). */
  int (value: number): void {
    this.uint(zigzag(value))
  }

  byte (value: number): void {
    this.#room(1)
    this.#bytes[this.#length++] = value
  }

  /** A copy of what was written. */
  toBytes (): Uint8Array {
    return this.#bytes.slice(0, this.#length)
  }

  clear (): void {
    this.#length = 0
  }
}

export class TruncatedBlobError extends Error {
  static name = 'TruncatedBlobError'
  constructor () {
    super('a record blob ends inside a value')
    this.name = 'TruncatedBlobError'
  }
}

/** Reads what a ByteWriter wrote; throws TruncatedBlobError past the end. */
export class ByteReader {
  readonly #bytes: Uint8Array
  #offset = 0

  constructor (bytes: Uint8Array) {
    this.#bytes = bytes
  }

  get done (): boolean {
    return this.#offset >= this.#bytes.length
  }

  uint (): number {
    let value = 0
    let scale = 1
    while (true) {
      const b = this.#bytes[this.#offset++]
      if (b === undefined) throw new TruncatedBlobError()
      value += (b & 0x7f) * scale
      if (b < 0x80) return value
      scale *= 0x80
      // 8 bytes carry 56 bits: anything longer was not written by ByteWriter
      if (scale > 2 ** 56) throw new TruncatedBlobError()
    }
  }

  int (): number {
    return unzigzag(this.uint())
  }

  byte (): number {
    const b = this.#bytes[this.#offset++]
    if (b === undefined) throw new TruncatedBlobError()
    return b
  }
}
