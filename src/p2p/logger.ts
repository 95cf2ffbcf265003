import { defaultLogger, enabled } from '@libp2p/logger'
import type { ComponentLogger, Logger } from '@libp2p/interface'

/** One logger that writes nothing, shared by every component whose namespaces are all off. */
function silentLogger (): Logger {
  const silent = Object.assign((): void => {}, {
    enabled: false,
    error: (): void => {},
    trace: (): void => {},
    newScope: (): Logger => silent
  })
  return silent
}

const SILENT = silentLogger()

/**
 * libp2p's logger, minus its cost when logging is off. libp2p asks for a logger per connection,
 * stream, muxer and encrypter; the default builds two or three `debug` instances each time, with
 * their closures and property tables, which measured ~6 KiB per connected node in a relay heap
 * snapshot at 1,000 nodes, all of it for output nobody enabled. A component whose namespace
 * (or its :error or :trace) is enabled by DEBUG, or by `enable()` before the node is created,
 * still gets the real logger.
 */
export function lightLogger (): ComponentLogger {
  const real = defaultLogger()
  return {
    forComponent (name: string): Logger {
      return enabled(name) || enabled(`${name}:error`) || enabled(`${name}:trace`) ? real.forComponent(name) : SILENT
    }
  }
}
