// The page's connection gater. Browser libp2p refuses ws:// and private addresses by default
// (sensible on the open web); a devnet relay is usually both, on loopback or a LAN. Instead of
// lifting those rules, this gater allows exactly one thing: the relay address the page was
// given (from ?relay= or /relay.json) and its peer. Everything else stays refused.
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface RelayTarget {
  peerId: PeerId
  multiaddr: Multiaddr
}

/** A gater that reads the current target on every check (null: nothing may be dialled). */
export function relayOnlyGater (target: () => RelayTarget | null): ConnectionGater {
  return {
    denyDialMultiaddr: addr => {
      const allowed = target()
      return allowed === null || !addr.equals(allowed.multiaddr)
    },
    denyDialPeer: peer => {
      const allowed = target()
      return allowed === null || !peer.equals(allowed.peerId)
    },
    // a page is never dialled
    denyInboundConnection: () => true
  }
}
