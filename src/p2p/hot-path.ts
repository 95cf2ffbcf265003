// Changes to js-libp2p where it spent the relay's CPU at 1,000 senders and more. Two are per
// frame and made once per process, for every node built here (the relay, the simulator, the
// sender and the page): devnetYamux() installs them, since every node of ours builds its muxer
// there. The third is a service only the relay adds. Each reaches into a dependency, so each
// is pinned by tests (hot-path.test.ts) that fail if the dependency changes under it.
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { InvalidParametersError } from '@libp2p/interface'
import { InvalidMessageLengthError, LengthPrefixedDecoder } from '@libp2p/utils'
import type { Connection, PeerId } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/** credit a yamux receiver owes before it sends it back: ~50 heartbeat lines, or any one feed batch */
export const WINDOW_UPDATE_AFTER_BYTES = 16 * 1024

let installed = false

export function installHotPathFixes (): void {
  if (installed) return
  installed = true
  holdWindowUpdates()
  decodeWithoutThrowingOnEmpty()
}

/** What the rule below reads of a yamux stream: private in its types, plain fields at run time. */
interface StreamWindow {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

/**
 * js yamux (8.0.1) answers every data frame it receives with a window update. A heartbeat is
 * one small frame, so a relay taking 20,000 beats a second also encrypted and wrote 20,000
 * window updates a second, and every sender decrypted one per beat. The yamux spec leaves it
 * to the receiver when to give credit back; go-yamux and rust-yamux wait until half the window
 * is consumed. Here a receiver waits until it owes 16 KiB (or half its window, if smaller):
 * heartbeat streams send one update per ~50 lines, and a stream of large writes, such as a
 * feed, still gets its credit back after every batch, so its sender can keep nearly the whole
 * window in flight as before.
 *
 * Streams that are opening (a SYN or ACK is due), paused or finished go through yamux's own
 * code unchanged. The rule only delays credit: a sender always has at least its window minus
 * 16 KiB to send into, and yamux splits a write to fit what it has.
 */
function holdWindowUpdates (): void {
  const proto = YamuxStream.prototype
  const sendWindowUpdate = proto.sendWindowUpdate
  proto.sendWindowUpdate = function (this: YamuxStream) {
    const window = this as unknown as StreamWindow
    const owed = window.recvWindow - window.recvWindowCapacity
    if (window.state === StreamState.Established && owed < Math.min(WINDOW_UPDATE_AFTER_BYTES, window.recvWindow / 2)) return
    sendWindowUpdate.call(this)
  }
}

/** What decode() uses of a LengthPrefixedDecoder: its own fields, private in its types. */
interface DecoderState {
  buffer: Uint8ArrayList
  maxBufferSize: number
  maxDataLength: number
  lengthDecoder: (data: Uint8ArrayList) => number
  encodingLength: (length: number) => number
}

/**
 * noise reads its 2-byte frame lengths with @libp2p/utils' LengthPrefixedDecoder (7.4.1), which
 * learns that a socket read held no further frame by calling the length decoder on what is
 * left and catching the RangeError it throws. Nearly every read ends with nothing left, so the
 * relay built and threw an Error, stack trace and all, for every heartbeat it took in: ~5 µs,
 * 9% of its CPU at 15,000 beats a second. This decode() is the same contract (append the
 * chunk, refuse a buffer over its bound or a length over its limit, yield each whole frame
 * without its length prefix) and stops when the buffer is empty instead of asking.
 */
function decodeWithoutThrowingOnEmpty (): void {
  LengthPrefixedDecoder.prototype.decode = function * (this: LengthPrefixedDecoder, chunk: Uint8Array | Uint8ArrayList): Generator<Uint8ArrayList> {
    const state = this as unknown as DecoderState
    const buffer = state.buffer
    buffer.append(chunk)
    if (buffer.byteLength > state.maxBufferSize) {
      throw new InvalidParametersError(`Buffer length limit exceeded - ${buffer.byteLength}/${state.maxBufferSize}`)
    }
    while (buffer.byteLength > 0) {
      let length: number
      try {
        length = state.lengthDecoder(buffer)
      } catch (err) {
        // a length prefix that has not all arrived yet
        if (err instanceof RangeError) return
        throw err
      }
      if (length < 0 || length > state.maxDataLength) throw new InvalidMessageLengthError('Invalid message length')
      const prefix = state.encodingLength(length)
      if (buffer.byteLength < prefix + length) return
      const frame = buffer.sublist(prefix, prefix + length)
      buffer.consume(prefix + length)
      if (frame.byteLength > 0) yield frame
    }
  }
}

/** The part of libp2p's connection manager that connectionListInLinearTime replaces. */
interface ConnectionLists {
  getConnections: (peerId?: PeerId) => Connection[]
  getConnectionsMap: () => { values: () => Iterable<Connection[]> }
}

/**
 * A libp2p service for a node that holds thousands of connections: the relay. libp2p (3.1)'s
 * getConnections() with no peer builds its list by concatenating each peer's list onto a new
 * array, so one call copies n²/2 entries, and libp2p calls it twice for every inbound
 * connection (the accept check and the pruner). A relay taking 5,000 reconnecting nodes spent
 * most of its CPU there. This replaces the method on the node's own connection manager with
 * one that builds the same list in one pass; a call with a peer is unchanged.
 */
export function connectionListInLinearTime (components: { connectionManager: ConnectionLists }): Record<string, never> {
  const manager = components.connectionManager
  const forPeer = manager.getConnections.bind(manager)
  manager.getConnections = (peerId?: PeerId): Connection[] => {
    if (peerId != null) return forPeer(peerId)
    const all: Connection[] = []
    for (const list of manager.getConnectionsMap().values()) {
      for (const connection of list) all.push(connection)
    }
    return all
  }
  return {}
}
