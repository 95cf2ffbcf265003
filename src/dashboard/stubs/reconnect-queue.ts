// Bundled in place of libp2p's connection-manager/reconnect-queue.js (see vite.config.ts),
// which with p-retry is about 2 KB of gzip. It redials peers tagged keep-alive; the page
// tags none, and redials the relay itself (connection.ts: backoff with jitter, then a fresh
// subscription), so the queue would never act. The connection manager only starts and stops it.
export class ReconnectQueue {
  start (): void {}
  stop (): void {}
}
