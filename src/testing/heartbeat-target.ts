// A heartbeat aggregator for the sender's tests: a real libp2p node on loopback that records
// every line it is sent and can go away and come back on the same address.
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { forEachLine } from '../p2p/lines.ts'
import { devnetYamux } from '../p2p/muxer.ts'
import { HEARTBEAT_PROTOCOL, MAX_HEARTBEAT_LINE_BYTES } from '../protocol/index.ts'
import type { Libp2p, PrivateKey, Stream } from '@libp2p/interface'

/**
 * A real heartbeat aggregator on loopback that records every line, and can be stopped and
 * started again on the same port with the same peer ID (a relay that goes away and returns).
 */
export class TestTarget {
  readonly lines: string[] = []
  /** set to reset every heartbeat stream after its first line */
  resetAfterFirstLine = false
  /** set to take new heartbeat streams without reading them (a stuck aggregator): yamux grants
   *  no more window, so the sender's send() comes to return false; resumeReading() reads */
  readPaused = false
  streamsOpened = 0
  readonly #streams = new Set<Stream>()
  #key: PrivateKey | undefined
  #port = 0
  #node: Libp2p | undefined

  get address (): string {
    if (this.#node == null || this.#key == null) throw new Error('the test target has not started')
    return `/ip4/127.0.0.1/tcp/${this.#port}/p2p/${this.#node.peerId.toString()}`
  }

  get running (): boolean {
    return this.#node != null
  }

  async start (): Promise<void> {
    this.#key ??= await generateKeyPair('Ed25519')
    const node = await createLibp2p({
      privateKey: this.#key,
      addresses: { listen: [`/ip4/127.0.0.1/tcp/${this.#port}`] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [devnetYamux()]
    })
    await node.handle(HEARTBEAT_PROTOCOL, (stream) => {
      this.streamsOpened++
      this.#streams.add(stream)
      stream.addEventListener('close', () => { this.#streams.delete(stream) })
      if (this.readPaused) stream.pause()
      const decoder = new TextDecoder()
      let first = true
      forEachLine(stream, MAX_HEARTBEAT_LINE_BYTES, line => {
        this.lines.push(decoder.decode(line) + '\n')
        if (first && this.resetAfterFirstLine) stream.abort(new Error('test target resets the stream'))
        first = false
      }).catch(() => {})
    })
    const addr = node.getMultiaddrs()[0]
    if (addr == null) throw new Error('the test target did not listen')
    this.#port = Number(addr.getComponents().find(c => c.name === 'tcp')?.value)
    this.#node = node
  }

  /** Reads every paused heartbeat stream again, and new ones from now on. */
  resumeReading (): void {
    this.readPaused = false
    for (const stream of this.#streams) stream.resume()
  }

  /** Resets every open heartbeat stream, as an aggregator that drops a sender does. */
  resetStreams (): void {
    for (const stream of this.#streams) stream.abort(new Error('test target resets the stream'))
  }

  async stop (): Promise<void> {
    const node = this.#node
    this.#node = undefined
    await node?.stop()
  }
}
