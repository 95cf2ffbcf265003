// Server-sent events (the beacon API's /eth/v1/events) read from a fetch body with a parser of
// our own whose every buffer is bounded: a line longer than the limit (an event stream that
// never ends a line) is an error, not a growing string; so is an event whose data lines add up
// past it. Lines end in LF, CRLF or CR, and a chunk may end anywhere, inside a UTF-8 character
// included (bytes are kept until the line ends, then decoded).
import { MAX_SSE_LINE_BYTES } from './constants.ts'
import { ResponseTooLargeError } from './errors.ts'

export interface ServerSentEvent {
  /** the `event:` field; "message" when absent */
  event: string
  /** the `data:` lines joined with \n */
  data: string
}

const LF = 0x0a
const CR = 0x0d
const decoder = new TextDecoder()

export class SseParser {
  readonly #maxLineBytes: number
  readonly #onEvent: (event: ServerSentEvent) => void
  readonly #what: string
  /** the current line's bytes so far (never more than the limit) */
  #line: Uint8Array
  #lineLength = 0
  /** a CR ended the last chunk: an LF at the start of the next belongs to it */
  #afterCr = false
  #event = ''
  #data: string[] = []
  #dataLength = 0

  constructor (onEvent: (event: ServerSentEvent) => void, what: string, maxLineBytes = MAX_SSE_LINE_BYTES) {
    this.#onEvent = onEvent
    this.#what = what
    this.#maxLineBytes = maxLineBytes
    this.#line = new Uint8Array(Math.min(1024, maxLineBytes))
  }

  /** Feeds a chunk; throws ResponseTooLargeError past the line or event bound. */
  push (chunk: Uint8Array): void {
    let start = 0
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]
      if (byte !== LF && byte !== CR) continue
      if (byte === LF && this.#afterCr && i === start && this.#lineLength === 0) {
        // the LF of a CRLF split across chunks, or right after the CR
        this.#afterCr = false
        start = i + 1
        continue
      }
      this.#append(chunk.subarray(start, i))
      this.#endLine()
      this.#afterCr = byte === CR
      start = i + 1
    }
    if (start < chunk.length) {
      this.#append(chunk.subarray(start))
      this.#afterCr = false
    }
  }

  #append (bytes: Uint8Array): void {
    if (bytes.length === 0) return
    const needed = this.#lineLength + bytes.length
    if (needed > this.#maxLineBytes) {
      throw new ResponseTooLargeError(`${this.#what}: an event-stream line`, this.#maxLineBytes)
    }
    if (needed > this.#line.length) {
      const grown = new Uint8Array(Math.min(this.#maxLineBytes, Math.max(needed, this.#line.length * 2)))
      grown.set(this.#line.subarray(0, this.#lineLength))
      this.#line = grown
    }
    this.#line.set(bytes, this.#lineLength)
    this.#lineLength = needed
  }

  #endLine (): void {
    const line = decoder.decode(this.#line.subarray(0, this.#lineLength))
    this.#lineLength = 0
    if (line === '') {
      this.#dispatch()
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') {
      this.#event = value
    } else if (field === 'data') {
      this.#dataLength += value.length + 1
      if (this.#dataLength > this.#maxLineBytes) {
        throw new ResponseTooLargeError(`${this.#what}: an event's data`, this.#maxLineBytes)
      }
      this.#data.push(value)
    }
    // id and retry are not used: a reconnect starts from the node's current head
  }

  #dispatch (): void {
    if (this.#data.length > 0) {
      const event = { event: this.#event === '' ? 'message' : this.#event, data: this.#data.join('\n') }
      this.#event = ''
      this.#data = []
      this.#dataLength = 0
      this.#onEvent(event)
      return
    }
    this.#event = ''
  }
}
