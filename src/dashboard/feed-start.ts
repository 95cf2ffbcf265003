// The half of the page that main.tsx loads after its first paint, as one chunk: the libp2p
// node with noise and yamux (connection.ts) and the page's key (identity.ts).
export { startFeedConnection } from './connection.ts'
export { loadOrCreateIdentity } from './identity.ts'
