import { LineTooLongError } from './errors.ts'

const NEWLINE = 0x0a

/**
 * Splits a byte stream into lines at `\n`, with a cap on line length. Works on bytes, so a
 * UTF-8 character split across chunks is whole again before anyone decodes it. Memory is
 * bounded by the cap: an unterminated line that passes it throws LineTooLongError at once.
 */
export class LineSplitter {
  readonly maxLineBytes: number
  #parts: Uint8Array[] = []
  #pendingBytes = 0

  constructor (maxLineBytes: number) {
    this.maxLineBytes = maxLineBytes
  }

  /** Bytes held for a line whose newline has not arrived yet. */
  get pendingBytes (): number {
    return this.#pendingBytes
  }

  /** Feeds one chunk; calls onLine for every complete line, without its newline. */
  push (chunk: Uint8Array, onLine: (line: Uint8Array) => void): void {
    let start = 0
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, nl)
      start = nl + 1
      if (this.#pendingBytes + piece.length > this.maxLineBytes) {
        this.#reset()
        throw new LineTooLongError(this.maxLineBytes)
      }
      if (this.#parts.length === 0) {
        onLine(piece)
      } else {
        this.#parts.push(piece)
        const line = concatBytes(this.#parts, this.#pendingBytes + piece.length)
        this.#reset()
        onLine(line)
      }
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start)
      if (this.#pendingBytes + rest.length > this.maxLineBytes) {
        this.#reset()
        throw new LineTooLongError(this.maxLineBytes)
      }
      // copied: the transport may reuse the chunk's memory once we return
      this.#parts.push(rest.slice())
      this.#pendingBytes += rest.length
    }
  }

  #reset (): void {
    this.#parts = []
    this.#pendingBytes = 0
  }
}

/** Joins byte arrays whose total length is known. */
export function concatBytes (parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes UTF-8, throwing TypeError on invalid bytes instead of inventing U+FFFD. */
export function decodeUtf8 (bytes: Uint8Array): string {
  return strictUtf8.decode(bytes)
}
