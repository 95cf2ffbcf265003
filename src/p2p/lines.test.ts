// forEachLine on real libp2p streams between two nodes on loopback: the listener reads each
// inbound stream with it, the dialler writes.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { LineTooLongError } from '../protocol/index.ts'
import { createListener, createPeer } from '../testing/peers.ts'
import { waitFor } from '../testing/wait-for.ts'
import { forEachLine } from './lines.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

const PROTOCOL = '/devnet-test/lines/1.0.0'
const MAX_LINE = 64

interface Reading { lines: string[], done: Promise<Error | undefined> }

let listener: Libp2p
let dialler: Libp2p
/** what the listener's handler does with each line; a test may make it throw */
let onLine: (line: string) => void = () => {}
let readings: Reading[] = []

before(async () => {
  listener = await createListener()
  await listener.handle(PROTOCOL, (stream: Stream) => {
    const lines: string[] = []
    const done = forEachLine(stream, MAX_LINE, bytes => {
      const line = new TextDecoder().decode(bytes)
      lines.push(line)
      onLine(line)
    }).then(() => undefined, (err: Error) => err)
    readings.push({ lines, done })
  })
  dialler = await createPeer()
})

after(async () => {
  await dialler.stop()
  await listener.stop()
})

async function open (): Promise<{ stream: Stream, reading: Reading }> {
  readings = []
  onLine = () => {}
  const stream = await dialler.dialProtocol(listener.getMultiaddrs()[0] ?? assert.fail('no address'), PROTOCOL)
  stream.send(new TextEncoder().encode('hello\n'))
  const reading = await waitFor('the listener to read the first line', () => readings[0]?.lines.length === 1 && readings[0])
  return { stream, reading }
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

test('lines split across writes arrive whole and in order, and the read ends when the remote closes', async () => {
  const { stream, reading } = await open()
  stream.send(text('one\ntw'))
  stream.send(text('o\nthr'))
  stream.send(text('ee\n'))
  await stream.close()
  assert.equal(await reading.done, undefined)
  assert.deepEqual(reading.lines, ['hello', 'one', 'two', 'three'])
})

test('what onLine throws ends the read with that error, and no later line is delivered', async () => {
  const { stream, reading } = await open()
  const boom = new Error('consumer refused')
  onLine = line => { if (line === 'bad') throw boom }
  stream.send(text('bad\nafter\n'))
  assert.equal(await reading.done, boom)
  stream.send(text('later\n'))
  // a round trip on a second stream: the "later" line has reached the listener by then
  await open()
  assert.deepEqual(reading.lines, ['hello', 'bad'])
})

test('a line over the limit ends the read with LineTooLongError', async () => {
  const { stream, reading } = await open()
  stream.send(text('x'.repeat(MAX_LINE + 1)))
  assert.ok(await reading.done instanceof LineTooLongError)
})

test('a stream the remote resets ends the read with an error', async () => {
  const { stream, reading } = await open()
  stream.abort(new Error('gone'))
  assert.ok(await reading.done instanceof Error)
  assert.deepEqual(reading.lines, ['hello'])
})
