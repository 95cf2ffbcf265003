// The half of the page that main.tsx loads after its first paint, as one chunk: the libp2p
// node with noise and yamux (feed-client.ts) and the page's key (identity.ts).
export { startFeedClient } from './feed-client.ts'
export { loadOrCreateIdentity } from './identity.ts'
