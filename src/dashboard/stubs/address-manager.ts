// Bundled in place of libp2p's address-manager/index.js (see vite.config.ts), which with its
// IP and DNS mappings, observed-address tracking, a cuckoo filter and the netmask parsers is
// about 4 KB of gzip. A page listens on nothing (a browser accepts no connections) and runs
// no service that learns or announces its own addresses (identify, autonat, UPnP), so it has
// none, always. libp2p asks for them when it starts listening and when asked getMultiaddrs().
import type { Multiaddr } from '@multiformats/multiaddr'
import { notBundled } from './not-bundled.ts'

interface AddressesInit { listen?: string[], announce?: string[], appendAnnounce?: string[] }

const learning = notBundled('libp2p\'s address manager', 'learning or mapping the page\'s own addresses')

export class AddressManager {
  constructor (_components: unknown, init: AddressesInit = {}) {
    const given = [...init.listen ?? [], ...init.announce ?? [], ...init.appendAnnounce ?? []]
    if (given.length > 0) throw new Error(`the dashboard's libp2p node has no addresses of its own, so it cannot take ${given.join(', ')} (see vite.config.ts)`)
  }

  getListenAddrs (): Multiaddr[] { return [] }
  getAnnounceAddrs (): Multiaddr[] { return [] }
  getAppendAnnounceAddrs (): Multiaddr[] { return [] }
  getObservedAddrs (): Multiaddr[] { return [] }
  getAddresses (): Multiaddr[] { return [] }
  getAddressesWithMetadata (): [] { return [] }
  readonly addObservedAddr = learning
  readonly confirmObservedAddr = learning
  readonly removeObservedAddr = learning
  readonly addDNSMapping = learning
  readonly removeDNSMapping = learning
  readonly addPublicAddressMapping = learning
  readonly removePublicAddressMapping = learning
}
