// Bundled in place of @libp2p/crypto's keys/rsa/utils.js (see vite.config.ts). The page's
// own key is Ed25519 and the relay's should be too; RSA parsing pulls in DER and JWK code
// the page never needs. An RSA relay key fails the noise handshake with UnsupportedKeyError.
import { unsupported } from './unsupported-key.ts'

const rsa = unsupported('RSA')
export const pkcs1ToRSAPrivateKey = rsa
export const pkixToRSAPublicKey = rsa
export const generateRSAKeyPair = rsa
export const pkcs1MessageToRSAPrivateKey = rsa
export const pkixMessageToRSAPublicKey = rsa
export const jwkToRSAPrivateKey = rsa
