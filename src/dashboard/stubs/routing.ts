// Bundled in place of libp2p's peer-routing.js, content-routing.js and random-walk.js (see
// vite.config.ts): about 2 KB of gzip with the cuckoo filter peer routing keeps. They only
// pass queries on to routers (a DHT, delegated routing), and the page has none: it dials the
// relay's full address, /p2p/ peer ID included (connection.ts), and looks nothing up. With no
// routers the stock ones fail every query with NoPeerRoutersError or NoContentRoutersError,
// which libp2p's dialler expects and logs quietly; these fail with the same names.

function refuseRouters (init: { routers?: unknown[] } = {}): void {
  if ((init.routers?.length ?? 0) > 0) throw new Error('the dashboard bundles no peer or content routing, so it cannot take routers (see vite.config.ts)')
}

function noRouters (name: 'NoPeerRoutersError' | 'NoContentRoutersError'): Error {
  const err = new Error('the dashboard bundles no peer or content routing (vite.config.ts STUBS), so it looks nothing up')
  err.name = name
  return err
}

// the stock methods' shapes: promises, and async generators for the streaming queries
const findNoPeer = async (): Promise<never> => { throw noRouters('NoPeerRoutersError') }
async function * walkNoPeers (): AsyncGenerator<never> { throw noRouters('NoPeerRoutersError') }
const findNoContent = async (): Promise<never> => { throw noRouters('NoContentRoutersError') }
async function * streamNoContent (): AsyncGenerator<never> { throw noRouters('NoContentRoutersError') }

export class DefaultPeerRouting {
  constructor (_components: unknown, init?: { routers?: unknown[] }) { refuseRouters(init) }
  readonly findPeer = findNoPeer
  readonly getClosestPeers = walkNoPeers
}

export class CompoundContentRouting {
  constructor (_components: unknown, init?: { routers?: unknown[] }) { refuseRouters(init) }
  readonly findProviders = streamNoContent
  readonly provide = findNoContent
  readonly cancelReprovide = findNoContent
  readonly put = findNoContent
  readonly get = findNoContent
}

export class RandomWalk {
  readonly walk = walkNoPeers
}
