// Bundled in place of libp2p's peer-routing.js, content-routing.js and random-walk.js (see
// vite.config.ts): about 2 KB of gzip with the cuckoo filter peer routing keeps. They only
// pass queries on to routers (a DHT, delegated routing), and the page has none: it dials the
// relay's full address, /p2p/ peer ID included (connection.ts), and looks nothing up.
import { notBundled } from './not-bundled.ts'

function refuseRouters (init: { routers?: unknown[] } = {}): void {
  if ((init.routers?.length ?? 0) > 0) throw new Error('the dashboard bundles no peer or content routing, so it cannot take routers (see vite.config.ts)')
}

const lookup = notBundled('libp2p\'s routing', 'looking up peers or content')

export class DefaultPeerRouting {
  constructor (_components: unknown, init?: { routers?: unknown[] }) { refuseRouters(init) }
  readonly findPeer = lookup
  readonly getClosestPeers = lookup
}

export class CompoundContentRouting {
  constructor (_components: unknown, init?: { routers?: unknown[] }) { refuseRouters(init) }
  readonly findProviders = lookup
  readonly provide = lookup
  readonly cancelReprovide = lookup
  readonly put = lookup
  readonly get = lookup
}

export class RandomWalk {
  readonly walk = lookup
}
