// Bundled in place of libp2p's connection-monitor.js (see vite.config.ts). connection.ts turns
// the monitor off (the feed's pings and watchdog tell whether the relay is alive), so libp2p
// never builds it; should that option go, this fails the page's start instead of pinging.
export class ConnectionMonitor {
  constructor () {
    throw new Error('the dashboard bundles no connection monitor: keep connectionMonitor: { enabled: false } in connection.ts')
  }
}
