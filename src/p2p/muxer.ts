import { yamux } from '@chainsafe/libp2p-yamux'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

// libp2p buffers at most 4 MiB per stream for a reader that is paused; yamux's default 16 MiB
// window would let a peer overrun that and reset the stream, so the window stays below it
export const MAX_STREAM_WINDOW_BYTES = 2 * 1024 * 1024

export interface DevnetYamuxInit {
  /** streams a remote may open on one connection; ours open one or two */
  maxInboundStreams?: number
}

/** yamux as every node of ours configures it. */
export function devnetYamux (init: DevnetYamuxInit = {}): ReturnType<typeof yamux> {
  holdWindowUpdatesToHalfWindow()
  return yamux({
    ...(init.maxInboundStreams != null ? { maxInboundStreams: init.maxInboundStreams } : {}),
    streamOptions: { maxStreamWindowSize: MAX_STREAM_WINDOW_BYTES }
  })
}

/** What the rule below reads of a yamux stream: private in its types, plain fields at run time. */
interface StreamWindow {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

/** credit a receiver owes before it sends it back: ~50 heartbeat lines, or any one feed batch */
export const WINDOW_UPDATE_AFTER_BYTES = 16 * 1024

let windowRuleInstalled = false

/**
 * js yamux (8.0.1) answers every data frame it receives with a window update. A heartbeat is
 * one small frame, so a relay taking 20,000 beats a second also encrypted and wrote 20,000
 * window updates a second, and every sender decrypted one per beat. The yamux spec leaves it
 * to the receiver when to give credit back; go-yamux and rust-yamux wait until half the window
 * is consumed. Here a receiver waits until it owes 16 KiB (or half its window, if smaller):
 * heartbeat streams send one update per ~50 lines, and a stream of large writes, such as a
 * feed, still gets its credit back after every batch, so its sender can keep nearly the whole
 * window in flight as before. This applies to every stream of every node built here: the
 * relay, the simulator, the sender and the page.
 *
 * Streams that are opening (a SYN or ACK is due), paused or finished go through yamux's own
 * code unchanged. The rule only delays credit: a sender always has at least its window minus
 * 16 KiB to send into, and yamux splits a write to fit what it has.
 */
function holdWindowUpdatesToHalfWindow (): void {
  if (windowRuleInstalled) return
  windowRuleInstalled = true
  const proto = YamuxStream.prototype
  const sendWindowUpdate = proto.sendWindowUpdate
  proto.sendWindowUpdate = function (this: YamuxStream) {
    const window = this as unknown as StreamWindow
    const owed = window.recvWindow - window.recvWindowCapacity
    if (window.state === StreamState.Established && owed < Math.min(WINDOW_UPDATE_AFTER_BYTES, window.recvWindow / 2)) return
    sendWindowUpdate.call(this)
  }
}
