// Bundled in place of @libp2p/crypto's keys/ecdsa/utils.js and keys/ecdsa/ecdsa.js (see
// vite.config.ts): the page never holds or meets an ECDSA key (js-libp2p cannot even make a
// peer ID from one). An ECDSA relay key fails the noise handshake with UnsupportedKeyError.
import { unsupported } from './unsupported-key.ts'

const ecdsa = unsupported('ECDSA')
export const generateECDSAKeyPair = ecdsa
export const pkiMessageToECDSAPrivateKey = ecdsa
export const pkiMessageToECDSAPublicKey = ecdsa
export const unmarshalECDSAPrivateKey = ecdsa
export const unmarshalECDSAPublicKey = ecdsa

// keys/index.js only tests `instanceof` with it; no instance can exist here
export class ECDSAPrivateKey {
  constructor () { ecdsa() }
}
