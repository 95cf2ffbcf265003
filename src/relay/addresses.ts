// Which of the relay's addresses go to whom: devnet nodes may dial any (BeatTarget), browsers
// only WebSocket ones; announced addresses (NAT, DNS names) come first everywhere.
import type { Multiaddr } from '@multiformats/multiaddr'

export interface RelayAddresses {
  /** for devnet nodes (BeatTarget): announced, then TCP, then WebSockets */
  readonly nodeAddrs: string[]
  /** for dashboards: announced WebSocket ones, then WebSockets */
  readonly browserAddrs: string[]
  /** /relay.json's list: announced, then WebSockets (for browsers), then TCP (for nodes) */
  readonly published: string[]
}

function isWebSocket (addr: Multiaddr): boolean {
  return addr.getComponents().some(c => c.name === 'ws' || c.name === 'wss' || c.name === 'tls')
}

function withPeer (addr: string, peerId: string): string {
  return addr.includes('/p2p/') ? addr : `${addr}/p2p/${peerId}`
}

export function relayAddresses (listening: readonly Multiaddr[], announce: readonly string[], peerId: string): RelayAddresses {
  const announced = announce.map(addr => withPeer(addr, peerId))
  const tcpAddrs = listening.filter(addr => !isWebSocket(addr)).map(String)
  const wsAddrs = listening.filter(isWebSocket).map(String)
  const announcedWs = announced.filter(addr => /\/(ws|wss|tls)(\/|$)/.test(addr))
  return {
    nodeAddrs: [...announced, ...tcpAddrs, ...wsAddrs],
    browserAddrs: [...announcedWs, ...wsAddrs],
    published: [...announced, ...wsAddrs, ...tcpAddrs]
  }
}
