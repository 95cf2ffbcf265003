// libp2p nodes for tests, built as the real parts build theirs (TCP or WebSockets, noise, our
// yamux settings): a devnet node that dials the relay, a bare sender, a plain listener.
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { devnetYamux } from '../p2p/muxer.ts'
import { HEARTBEAT_PROTOCOL } from '../protocol/index.ts'
import type { Libp2p, PrivateKey, Stream } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'

/** A libp2p node that can dial the relay over TCP and WebSockets, as a devnet node would. */
export async function createPeer (privateKey?: PrivateKey): Promise<Libp2p> {
  return createLibp2p({
    ...(privateKey != null ? { privateKey } : {}),
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [devnetYamux()],
    connectionMonitor: { enabled: false },
    // on loopback a slow dial means a loaded machine (hundreds of handshakes at once in one
    // test process), not an unreachable relay: give it time rather than fail the test
    connectionManager: { dialTimeout: 30_000, addressDialTimeout: 30_000 }
  })
}

/** A libp2p node that dials only, over TCP: what every heartbeat sender is. */
export async function createSenderNode (privateKey?: PrivateKey): Promise<Libp2p> {
  return await createLibp2p({
    ...(privateKey != null ? { privateKey } : {}),
    addresses: { listen: [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [devnetYamux()]
  })
}

/** A libp2p node listening on a free loopback TCP port, for tests of our libp2p pieces. */
export async function createListener (services: Libp2pOptions['services'] = {}): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [devnetYamux()],
    connectionMonitor: { enabled: false },
    services
  })
}

export async function openHeartbeatStream (peer: Libp2p, target: string): Promise<Stream> {
  return peer.dialProtocol(multiaddr(target), HEARTBEAT_PROTOCOL)
}
