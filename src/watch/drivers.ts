// The driver for each kind of node API.
import { BeaconDriver } from './beacon.ts'
import { ExecutionDriver } from './execution.ts'
import { FilecoinDriver } from './filecoin.ts'
import type { KindDriver } from './node-watch.ts'
import type { WatchedNodeSpec } from './node-file.ts'

export function createDriver (spec: WatchedNodeSpec): KindDriver {
  switch (spec.kind) {
    case 'filecoin': return new FilecoinDriver()
    case 'beacon': return new BeaconDriver()
    case 'execution': return new ExecutionDriver()
  }
}
