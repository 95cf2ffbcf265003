import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { InvalidMessageLengthError, LengthPrefixedDecoder } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { slowProxy } from '../testing/slow-proxy.ts'
import { createListener, createPeer } from '../testing/peers.ts'
import { waitFor } from '../testing/wait-for.ts'
import { connectionListInLinearTime, installHotPathFixes, WINDOW_UPDATE_AFTER_BYTES } from './hot-path.ts'
import type { SlowProxy } from '../testing/slow-proxy.ts'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

// Two real nodes on loopback, the dialler reaching the listener through a TCP proxy that counts
// what the listener sends back. The listener's sink protocol reads everything, and once it has
// the number of bytes named in the stream's first 4 bytes, answers "ok".
const SINK = '/devnet-test/sink/1.0.0'

let listener: Libp2p
let proxy: SlowProxy
/** bytes the sink has read on its current stream, and who waits for a count */
let sunk = 0
let waiting: { bytes: number, resolve: () => void } | undefined

function sunkAtLeast (bytes: number): Promise<void> {
  if (sunk >= bytes) return Promise.resolve()
  return new Promise(resolve => { waiting = { bytes, resolve } })
}

before(async () => {
  listener = await createListener()
  await listener.handle(SINK, async (stream: Stream) => {
    sunk = 0
    let expected = Infinity
    for await (const chunk of stream) {
      if (sunk === 0) {
        const head = chunk.subarray(0, 4)
        expected = new DataView(head.buffer, head.byteOffset, 4).getUint32(0)
      }
      sunk += chunk.byteLength
      if (waiting != null && sunk >= waiting.bytes) { waiting.resolve(); waiting = undefined }
      if (sunk >= expected) { stream.send(new TextEncoder().encode('ok')); await stream.close() }
    }
  })
  const port = Number(listener.getMultiaddrs()[0]?.getComponents().find(c => c.name === 'tcp')?.value)
  proxy = await slowProxy(port)
})

after(async () => {
  await proxy.close()
  await listener.stop()
})

async function openSink (dialler: Libp2p, totalBytes: number): Promise<{ stream: Stream, answer: Promise<string> }> {
  const stream = await dialler.dialProtocol(multiaddr(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${listener.peerId}`), SINK)
  const header = new Uint8Array(4)
  new DataView(header.buffer).setUint32(0, totalBytes)
  stream.send(header)
  await sunkAtLeast(4)
  const answer = (async () => {
    let text = ''
    for await (const chunk of stream) text += new TextDecoder().decode(chunk.subarray())
    return text
  })()
  return { stream, answer }
}

test('a receiver gives credit back once it owes 16 KiB, not once per frame, and the sender never runs dry', async () => {
  const dialler = await createPeer()
  try {
    // 6,000 frames of 64 bytes: 384 KB, half again the 256 KB window a stream starts with, so
    // the sender stalls unless credit comes back; one frame at a time, as heartbeats arrive
    const frames = 6_000
    const frame = new Uint8Array(64).fill(7)
    const { stream, answer } = await openSink(dialler, 4 + frames * frame.byteLength)
    const backBefore = proxy.toClient()
    for (let k = 1; k <= frames; k++) {
      if (!stream.send(frame)) await stream.onDrain()
      await sunkAtLeast(4 + k * frame.byteLength)
    }
    assert.equal(await answer, 'ok')
    // everything the listener wrote before "ok" has passed the proxy: its window updates,
    // then the answer and its close. An update is 30 bytes on the wire (noise length, yamux
    // header, tag): per frame that would be 180,000 bytes; per 16 KiB it is 24 updates
    const back = proxy.toClient() - backBefore
    const updates = Math.ceil(frames * frame.byteLength / WINDOW_UPDATE_AFTER_BYTES)
    assert.ok(back <= updates * 30 + 100, `the listener sent ${back} bytes back for ${frames} frames`)
  } finally {
    await dialler.stop()
  }
})

test('a stream carries far more than its window in large writes', async () => {
  const dialler = await createPeer()
  try {
    const chunk = new Uint8Array(64 * 1024).fill(9)
    const chunks = 128
    const { stream, answer } = await openSink(dialler, 4 + chunks * chunk.byteLength)
    for (let k = 0; k < chunks; k++) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    assert.equal(await answer, 'ok')
    assert.equal(sunk, 4 + chunks * chunk.byteLength)
  } finally {
    await dialler.stop()
  }
})

/** a decoder as noise builds one: 2-byte big-endian lengths; counts the RangeErrors it throws */
function noiseLikeDecoder (limits: { maxBufferSize?: number, maxDataLength?: number } = {}): { decoder: LengthPrefixedDecoder, throws: () => number } {
  let throws = 0
  const decoder = new LengthPrefixedDecoder({
    ...limits,
    lengthDecoder: (data: Uint8ArrayList) => {
      if (data.length < 2) { throws++; throw new RangeError('Could not decode int16BE') }
      return data.getUint16(0)
    },
    encodingLength: () => 2
  })
  return { decoder, throws: () => throws }
}

function framed (payloads: number[][]): Uint8Array {
  return Uint8Array.from(payloads.flatMap(p => [p.length >> 8, p.length & 0xff, ...p]))
}

test('the frame decoder yields whole frames however the bytes are split, and throws nothing when a read ends on a frame boundary', () => {
  installHotPathFixes()
  const payloads = Array.from({ length: 40 }, (_, k) => Array.from({ length: 1 + (k * 37) % 300 }, (_, j) => (k + j) & 0xff))
  const bytes = framed(payloads)
  for (const step of [1, 2, 3, 7, 300, bytes.length]) {
    const { decoder, throws } = noiseLikeDecoder()
    const out: number[][] = []
    for (let at = 0; at < bytes.length; at += step) {
      for (const frame of decoder.decode(bytes.subarray(at, at + step))) out.push([...frame.subarray()])
    }
    assert.deepEqual(out, payloads, `split every ${step} bytes`)
    // a length prefix split across reads is the only time the length decoder may be asked too early
    if (step === bytes.length) assert.equal(throws(), 0)
  }
  // one frame per read, as heartbeats arrive: the stock decoder threw once per read
  const { decoder, throws } = noiseLikeDecoder()
  for (const payload of payloads) assert.equal([...decoder.decode(framed([payload]))].length, 1)
  assert.equal(throws(), 0)
})

test('the frame decoder still refuses a length over its limit and a buffer over its bound', () => {
  installHotPathFixes()
  assert.throws(() => [...noiseLikeDecoder({ maxDataLength: 100 }).decoder.decode(framed([new Array(101).fill(1)]))], InvalidMessageLengthError)
  assert.throws(() => [...noiseLikeDecoder({ maxBufferSize: 50 }).decoder.decode(new Uint8Array(51))], /Buffer length limit exceeded/)
})

test('with connectionListInLinearTime, a node still lists every connection, and each peer\'s', async () => {
  const hub = await createListener({ connectionList: connectionListInLinearTime })
  const peers = await Promise.all([1, 2, 3].map(async () => await createPeer()))
  try {
    for (const peer of peers) await peer.dial(hub.getMultiaddrs()[0] ?? assert.fail('no address'))
    await waitFor('3 connections at the hub', () => hub.getConnections().length === 3)
    assert.deepEqual(hub.getConnections().map(c => c.remotePeer.toString()).sort(), peers.map(p => p.peerId.toString()).sort())
    for (const peer of peers) assert.deepEqual(hub.getConnections(peer.peerId).map(c => c.remotePeer.toString()), [peer.peerId.toString()])
    await peers[0]?.stop()
    await waitFor('2 connections at the hub', () => hub.getConnections().length === 2)
  } finally {
    await Promise.all(peers.map(async p => { await p.stop() }))
    await hub.stop()
  }
})
