// The patched behaviour of the stock modules (patches/README.md says why each patch exists).
// Each test here fails when its patch is not applied: patch-package applies them on install.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { InvalidMessageLengthError, LengthPrefixedDecoder, multiaddrConnectionPair } from '@libp2p/utils'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { Libp2p, MultiaddrConnection, Stream, StreamMuxer } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { waitFor } from '../src/testing/wait-for.ts'
import { patchFiles, unappliedHunks } from './applied.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

describe('every patch file is applied to the installed package', () => {
  for (const file of patchFiles()) {
    test(file, () => { assert.deepEqual(unappliedHunks(file, ROOT), [], `${file} is not applied`) })
  }
})

// yamux frame header (yamux spec): version, type, flags (2 bytes), stream id (4), length (4)
const HEADER_BYTES = 12
const TYPE_DATA = 0
const TYPE_WINDOW_UPDATE = 1

/** Counts the frames one side of a connection receives, by type, from its byte stream. */
function frameCounter (connection: MultiaddrConnection): { windowUpdates: () => number, frames: () => number } {
  let pending = new Uint8Array(0)
  let windowUpdates = 0
  let frames = 0
  connection.addEventListener('message', evt => {
    const chunk = evt.data.subarray()
    const joined = new Uint8Array(pending.byteLength + chunk.byteLength)
    joined.set(pending)
    joined.set(chunk, pending.byteLength)
    let at = 0
    while (joined.byteLength - at >= HEADER_BYTES) {
      const view = new DataView(joined.buffer, joined.byteOffset + at, HEADER_BYTES)
      const type = view.getUint8(1)
      const body = type === TYPE_DATA ? view.getUint32(8) : 0
      if (joined.byteLength - at < HEADER_BYTES + body) break
      frames++
      if (type === TYPE_WINDOW_UPDATE) windowUpdates++
      at += HEADER_BYTES + body
    }
    pending = joined.slice(at)
  })
  return { windowUpdates: () => windowUpdates, frames: () => frames }
}

describe('yamux: a receiver gives credit back once it owes 16 KiB, not after every data frame', () => {
  // two stock yamux muxers over @libp2p/utils' in-memory connection pair; no keep-alive pings,
  // so every frame the receiving side sends back is a window update
  let client: StreamMuxer
  let server: StreamMuxer
  let backToClient: ReturnType<typeof frameCounter>
  let sending: Stream
  let receiving: Stream
  let received = 0

  before(async () => {
    const [outbound, inbound] = multiaddrConnectionPair()
    backToClient = frameCounter(outbound)
    const muxer = yamux({ enableKeepAlive: false })()
    client = muxer.createStreamMuxer(outbound)
    server = muxer.createStreamMuxer(inbound)
    const accepted = new Promise<Stream>(resolve => { server.addEventListener('stream', evt => { resolve(evt.detail) }, { once: true }) })
    sending = await client.createStream()
    sending.send(new Uint8Array([1]))
    receiving = await accepted
    receiving.addEventListener('message', evt => { received += evt.data.byteLength })
    await waitFor('the first byte', () => received === 1)
  })

  after(async () => {
    await client.close()
    await server.close()
  })

  test('6,000 data frames of 64 bytes, as heartbeats are: one update per 16 KiB, and the sender never runs dry', async () => {
    // 384 KB: half again the 256 KiB window a stream starts with, so the sender stalls unless
    // credit comes back. Each send() is a data frame of its own; the receiver handles each
    // frame on its own however they arrive, and stock yamux answered each with an update
    const frames = 6_000
    const frame = new Uint8Array(64).fill(7)
    const updatesBefore = backToClient.windowUpdates()
    for (let k = 1; k <= frames; k++) {
      if (!sending.send(frame)) await new Promise(resolve => { sending.addEventListener('drain', resolve, { once: true }) })
    }
    await waitFor('6,000 frames across', () => received === 1 + frames * frame.byteLength)
    const updates = backToClient.windowUpdates() - updatesBefore
    // stock yamux 8.0.1 sent one per frame: 6,000
    assert.ok(updates <= Math.ceil(frames * frame.byteLength / (16 * 1024)) + 1, `${updates} window updates for ${frames} frames`)
    assert.ok(updates >= 1, 'no credit came back: the sender could not have passed its window')
    assert.equal(backToClient.frames(), backToClient.windowUpdates(), 'the receiver sent only window updates')
  })

  test('a stream carries far more than its window in large writes', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(9)
    const chunks = 128
    const start = received
    for (let k = 0; k < chunks; k++) {
      if (!sending.send(chunk)) await new Promise(resolve => { sending.addEventListener('drain', resolve, { once: true }) })
    }
    await waitFor('8 MiB across', () => received === start + chunks * chunk.byteLength, 60_000)
  })
})

/** A decoder as noise builds one: 2-byte big-endian lengths; counts the RangeErrors it throws. */
function noiseLikeDecoder (limits: { maxBufferSize?: number, maxDataLength?: number } = {}): { decoder: LengthPrefixedDecoder, throws: () => number } {
  let throws = 0
  const decoder = new LengthPrefixedDecoder({
    ...limits,
    lengthDecoder: (data: Uint8ArrayList | Uint8Array) => {
      if (data.byteLength < 2) { throws++; throw new RangeError('Could not decode int16BE') }
      return 'getUint16' in data ? data.getUint16(0) : new DataView(data.buffer, data.byteOffset, 2).getUint16(0)
    },
    encodingLength: () => 2
  })
  return { decoder, throws: () => throws }
}

function framed (payloads: number[][]): Uint8Array {
  return Uint8Array.from(payloads.flatMap(p => [p.length >> 8, p.length & 0xff, ...p]))
}

describe('@libp2p/utils LengthPrefixedDecoder: no RangeError to learn that a read ended on a frame boundary', () => {
  const payloads = Array.from({ length: 40 }, (_, k) => Array.from({ length: 1 + (k * 37) % 300 }, (_, j) => (k + j) & 0xff))
  const bytes = framed(payloads)

  test('yields whole frames however the bytes are split', () => {
    for (const step of [1, 2, 3, 7, 300, bytes.length]) {
      const { decoder, throws } = noiseLikeDecoder()
      const out: number[][] = []
      for (let at = 0; at < bytes.length; at += step) {
        for (const frame of decoder.decode(bytes.subarray(at, at + step))) out.push([...frame.subarray()])
      }
      assert.deepEqual(out, payloads, `split every ${step} bytes`)
      // a length prefix split across reads is the only time the length decoder is asked too early
      if (step === bytes.length) assert.equal(throws(), 0)
    }
  })

  test('one frame per read, as heartbeats arrive: nothing thrown (stock 7.4.1 threw once per read)', () => {
    const { decoder, throws } = noiseLikeDecoder()
    for (const payload of payloads) assert.equal([...decoder.decode(framed([payload]))].length, 1)
    assert.equal(throws(), 0)
  })

  test('still refuses a length over its limit and a buffer over its bound', () => {
    assert.throws(() => [...noiseLikeDecoder({ maxDataLength: 100 }).decoder.decode(framed([new Array(101).fill(1)]))], InvalidMessageLengthError)
    assert.throws(() => [...noiseLikeDecoder({ maxBufferSize: 50 }).decoder.decode(new Uint8Array(51))], /Buffer length limit exceeded/)
  })
})

describe('libp2p connection manager: getConnections() in one pass', () => {
  let hub: Libp2p
  let peers: Libp2p[] = []

  const node = async (listen: string[] = []): Promise<Libp2p> => await createLibp2p({
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false }
  })

  before(async () => {
    hub = await node(['/ip4/127.0.0.1/tcp/0'])
    peers = await Promise.all([1, 2, 3].map(async () => await node()))
  })

  after(async () => {
    await Promise.all([hub, ...peers].map(async n => { await n.stop() }))
  })

  test('lists every connection, and each peer\'s, as connections come and go', async () => {
    const address = hub.getMultiaddrs()[0] ?? assert.fail('the hub listens nowhere')
    for (const peer of peers) await peer.dial(address)
    // a second connection from one peer: the list holds both
    await peers[0]?.dial(address, { force: true })
    await waitFor('4 connections at the hub', () => hub.getConnections().length === 4)
    const ids = (list: Array<{ remotePeer: { toString: () => string } }>): string[] => list.map(c => c.remotePeer.toString()).sort()
    assert.deepEqual(ids(hub.getConnections()), ids([...peers, peers[0]].map(p => ({ remotePeer: p?.peerId ?? assert.fail() }))))
    for (const [k, peer] of peers.entries()) assert.equal(hub.getConnections(peer.peerId).length, k === 0 ? 2 : 1)
    await peers[1]?.stop()
    await waitFor('3 connections at the hub', () => hub.getConnections().length === 3)
    assert.ok(!ids(hub.getConnections()).includes(peers[1]?.peerId.toString() ?? ''))
  })
})
