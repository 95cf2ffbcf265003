// Bundled in place of libp2p's connection-manager/resolvers/dnsaddr.js (see vite.config.ts),
// which brings a DNS-over-HTTPS client (@multiformats/dns, p-queue): about 5 KB of gzip. The
// page dials only the exact address it was given (gater.ts refuses any other), so what a
// /dnsaddr name resolves to could never be dialled anyway; this says so plainly instead.
import type { MultiaddrResolver } from '@libp2p/interface'

export class UnsupportedAddressError extends Error {
  static name = 'UnsupportedAddressError'
  constructor (address: string) {
    super(`${address} is a /dnsaddr address, which the dashboard does not resolve; give it the relay's WebSocket address (/ip4, /ip6 or /dns4 … /ws/p2p/…)`)
    this.name = 'UnsupportedAddressError'
  }
}

export const dnsaddrResolver: MultiaddrResolver = {
  canResolve: address => address.getComponents().some(component => component.name === 'dnsaddr'),
  resolve: async address => { throw new UnsupportedAddressError(address.toString()) }
}
