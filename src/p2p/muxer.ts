import { yamux } from '@chainsafe/libp2p-yamux'

// libp2p buffers at most 4 MiB per stream for a reader that is paused; yamux's default 16 MiB
// window would let a peer overrun that and reset the stream, so the window stays below it
export const MAX_STREAM_WINDOW_BYTES = 2 * 1024 * 1024

export interface DevnetYamuxInit {
  /** streams a remote may open on one connection; ours open one or two */
  maxInboundStreams?: number
}

/** yamux as every node of ours configures it (its window-update patch: patches/README.md). */
export function devnetYamux (init: DevnetYamuxInit = {}): ReturnType<typeof yamux> {
  return yamux({
    ...(init.maxInboundStreams != null ? { maxInboundStreams: init.maxInboundStreams } : {}),
    streamOptions: { maxStreamWindowSize: MAX_STREAM_WINDOW_BYTES }
  })
}
