import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export class InvalidTargetError extends Error {
  static name = 'InvalidTargetError'

  constructor (target: string, detail: string) {
    super(`invalid target ${JSON.stringify(target)}: ${detail}; expected a multiaddr ending in /p2p/<peer id>, e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…`)
    this.name = 'InvalidTargetError'
  }
}

/**
 * Splits a dial target such as a BeatTarget (`/ip4/…/tcp/4001/p2p/12D3KooW…`) into the peer
 * it names and the full multiaddr to dial. Anything without a valid trailing /p2p/ part is an
 * InvalidTargetError that says what was expected.
 */
export function parseTarget (target: string): { peerId: PeerId, multiaddr: Multiaddr } {
  let addr: Multiaddr
  try {
    addr = multiaddr(target)
  } catch (err) {
    throw new InvalidTargetError(target, `not a multiaddr (${(err as Error).message})`)
  }
  const components = addr.getComponents()
  const last = components[components.length - 1]
  if (last?.name !== 'p2p' || last.value == null) {
    throw new InvalidTargetError(target, 'it does not end in /p2p/<peer id>')
  }
  let peerId: PeerId
  try {
    peerId = peerIdFromString(last.value)
  } catch {
    throw new InvalidTargetError(target, `${last.value} is not a peer id`)
  }
  return { peerId, multiaddr: addr }
}
