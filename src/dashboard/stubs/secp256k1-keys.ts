// Bundled in place of @libp2p/crypto's keys/secp256k1/utils.js (see vite.config.ts): the
// secp256k1 curve maths (@noble/curves' weierstrass) is the largest piece of key support the
// page never uses. A secp256k1 public key can still be read, because a relay's peer ID
// (16Uiu2…) embeds one and peer-id parses it; it only cannot verify, so such a relay fails
// the noise handshake with UnsupportedKeyError instead of showing as "not a peer id".
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import type { Secp256k1PublicKey } from '@libp2p/interface'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import type { MultihashDigest } from 'multiformats'
import { unsupported } from './unsupported-key.ts'

// the multicodec of a libp2p public key in a CID
const LIBP2P_KEY_CODE = 0x72

const secp256k1 = unsupported('secp256k1')
export const generateSecp256k1KeyPair = secp256k1
export const unmarshalSecp256k1PrivateKey = secp256k1

/** The key bytes as given: without the curve they are not checked to be a point. */
class UnverifiableSecp256k1PublicKey implements Secp256k1PublicKey {
  readonly type = 'secp256k1'
  readonly raw: Uint8Array

  constructor (raw: Uint8Array) {
    this.raw = raw
  }

  toMultihash (): MultihashDigest<0x0> {
    return identity.digest(publicKeyToProtobuf(this))
  }

  toCID (): CID<unknown, 0x72, 0x0, 1> {
    return CID.createV1(LIBP2P_KEY_CODE, this.toMultihash())
  }

  toString (): string {
    return base58btc.encode(this.toMultihash().bytes).substring(1)
  }

  equals (key?: unknown): boolean {
    if (typeof key !== 'object' || key === null || !('raw' in key) || !(key.raw instanceof Uint8Array)) return false
    const other = key.raw
    return other.length === this.raw.length && other.every((byte, i) => byte === this.raw[i])
  }

  verify (): never {
    return secp256k1()
  }
}

export function unmarshalSecp256k1PublicKey (bytes: Uint8Array): Secp256k1PublicKey {
  return new UnverifiableSecp256k1PublicKey(bytes)
}
