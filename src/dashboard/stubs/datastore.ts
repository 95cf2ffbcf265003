// Bundled in place of datastore-core's MemoryDatastore (see vite.config.ts), which libp2p
// makes for components.datastore. Only services and the stock peer store use a datastore;
// the page runs no services and has its own peer store (memory-peer-store.ts). A future
// service that needs one fails at its first use with this error rather than quietly.
function unavailable (): never {
  throw new Error('the dashboard bundles no datastore; a libp2p service that needs one must be given one (see vite.config.ts)')
}

export class MemoryDatastore {
  readonly put = unavailable
  readonly get = unavailable
  readonly has = unavailable
  readonly delete = unavailable
  readonly batch = unavailable
  readonly putMany = unavailable
  readonly getMany = unavailable
  readonly deleteMany = unavailable
  readonly query = unavailable
  readonly queryKeys = unavailable
}
