import { LineSplitter } from '../protocol/ndjson.ts'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * Reads a libp2p stream (or any source of chunks) as lines of at most maxLineBytes, calling
 * onLine synchronously for each, so nothing queues between the transport and the consumer.
 * Resolves when the source ends; rejects with LineTooLongError, or with the stream's error.
 */
export async function forEachLine (
  source: AsyncIterable<Uint8Array | Uint8ArrayList>,
  maxLineBytes: number,
  onLine: (line: Uint8Array) => void
): Promise<void> {
  const splitter = new LineSplitter(maxLineBytes)
  for await (const chunk of source) {
    splitter.push(chunk.subarray(), onLine)
  }
}
