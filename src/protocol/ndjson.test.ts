import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LineTooLongError } from './errors.ts'
import { decodeUtf8, LineSplitter } from './ndjson.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

function split (chunks: Uint8Array[], max = 1024): string[] {
  const splitter = new LineSplitter(max)
  const lines: string[] = []
  for (const chunk of chunks) splitter.push(chunk, line => { lines.push(decodeUtf8(line)) })
  return lines
}

describe('LineSplitter', () => {
  it('splits several lines in one chunk and keeps the unterminated rest', () => {
    const splitter = new LineSplitter(1024)
    const lines: string[] = []
    splitter.push(bytes('{"a":1}\n{"b":2}\n{"c"'), line => { lines.push(decodeUtf8(line)) })
    assert.deepEqual(lines, ['{"a":1}', '{"b":2}'])
    assert.equal(splitter.pendingBytes, 4)
    splitter.push(bytes(':3}\n'), line => { lines.push(decodeUtf8(line)) })
    assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}'])
    assert.equal(splitter.pendingBytes, 0)
  })

  it('joins a line split at every possible byte', () => {
    const whole = bytes('{"Nickname":"zoë 🚀"}\n')
    for (let cut = 1; cut < whole.length; cut++) {
      assert.deepEqual(split([whole.subarray(0, cut), whole.subarray(cut)]), ['{"Nickname":"zoë 🚀"}'], `cut at ${cut}`)
    }
  })

  it('reassembles a UTF-8 character split across three chunks', () => {
    const rocket = bytes('🚀') // 4 bytes
    const chunks = [bytes('"'), rocket.subarray(0, 1), rocket.subarray(1, 3), new Uint8Array([...rocket.subarray(3), ...bytes('"\n')])]
    assert.deepEqual(split(chunks), ['"🚀"'])
  })

  it('delivers one byte at a time', () => {
    const whole = bytes('a\nbc\n\nd\n')
    assert.deepEqual(split(Array.from(whole, b => new Uint8Array([b]))), ['a', 'bc', '', 'd'])
  })

  it('does not keep a reference to the caller\'s chunk', () => {
    const splitter = new LineSplitter(64)
    const chunk = bytes('abc')
    splitter.push(chunk, () => {})
    chunk.fill(0x78)
    const lines: string[] = []
    splitter.push(bytes('d\n'), line => { lines.push(decodeUtf8(line)) })
    assert.deepEqual(lines, ['abcd'])
  })

  it('accepts a line of exactly the cap and refuses one byte more', () => {
    assert.deepEqual(split([bytes('x'.repeat(16) + '\n')], 16), ['x'.repeat(16)])
    assert.throws(() => split([bytes('x'.repeat(17) + '\n')], 16), { name: 'LineTooLongError' })
  })

  it('throws as soon as an unterminated line passes the cap, holding no more than the cap', () => {
    const splitter = new LineSplitter(1024)
    splitter.push(new Uint8Array(1000).fill(0x61), () => {})
    assert.equal(splitter.pendingBytes, 1000)
    assert.throws(() => { splitter.push(new Uint8Array(100).fill(0x61), () => {}) }, (err: unknown) => err instanceof LineTooLongError && err.limit === 1024)
    assert.equal(splitter.pendingBytes, 0)
  })
})

describe('decodeUtf8', () => {
  it('refuses invalid UTF-8 instead of inventing replacement characters', () => {
    assert.throws(() => decodeUtf8(new Uint8Array([0x7b, 0xff, 0x7d])), TypeError)
    assert.equal(decodeUtf8(bytes('ok ✓')), 'ok ✓')
  })
})
