import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SseParser } from './sse.ts'
import type { ServerSentEvent } from './sse.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

function parse (chunks: Array<string | Uint8Array>, max?: number): ServerSentEvent[] {
  const events: ServerSentEvent[] = []
  const parser = new SseParser(event => events.push(event), 'test', max)
  for (const chunk of chunks) parser.push(typeof chunk === 'string' ? bytes(chunk) : chunk)
  return events
}

describe('the server-sent events parser', () => {
  it('reads events as a beacon node sends them, whatever the chunking and line endings', () => {
    const stream = 'event: head\ndata: {"slot":"6","block":"0xab"}\n\n: comment\r\nevent: chain_reorg\r\ndata: {"slot":"5"}\r\n\r\ndata: a\rdata: b\r\r'
    const expected = [
      { event: 'head', data: '{"slot":"6","block":"0xab"}' },
      { event: 'chain_reorg', data: '{"slot":"5"}' },
      { event: 'message', data: 'a\nb' }
    ]
    assert.deepEqual(parse([stream]), expected)
    // one byte at a time: CRLF split across chunks, nothing lost or doubled
    assert.deepEqual(parse([...bytes(stream)].map(byte => new Uint8Array([byte]))), expected)
  })

  it('keeps a UTF-8 character split across chunks whole', () => {
    const all = bytes('data: né\n\n')
    assert.deepEqual(parse([all.subarray(0, 8), all.subarray(8)]), [{ event: 'message', data: 'né' }])
  })

  it('refuses a line that never ends, at the bound, without holding more than it', () => {
    const parser = new SseParser(() => {}, 'test', 1024)
    parser.push(bytes('data: '))
    assert.throws(() => { for (let i = 0; i < 100; i++) parser.push(new Uint8Array(100).fill(0x61)) }, { name: 'ResponseTooLargeError', message: /an event-stream line: more than 1024 bytes/ })
    assert.throws(() => parse(Array.from({ length: 20 }, () => 'data: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n'), 1024), { name: 'ResponseTooLargeError', message: /event's data/ })
  })
})
