// The page's libp2p identity. Kept in localStorage so one browser keeps one peer ID: a relay
// with a viewer allowlist (--allow-viewer) can then list this dashboard, and the page shows
// the peer ID to list when the relay turns it away.
import { generateKeyPair, privateKeyFromProtobuf, privateKeyFromRaw, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { IDENTITY_KEY } from './feed-port.ts'

// where the key is kept: feed-port.ts, which the page's first paint imports without this file
export { IDENTITY_KEY }

/** The stored key, or a new one stored for next time; a new one each load without storage. */
export async function loadOrCreateIdentity (storage: Pick<Storage, 'getItem' | 'setItem'> | null): Promise<PrivateKey> {
  const saved = storage?.getItem(IDENTITY_KEY)
  if (saved != null) {
    try {
      return privateKeyFromProtobuf(Uint8Array.from(atob(saved), c => c.charCodeAt(0)))
    } catch {
      // a damaged entry is replaced below
    }
  }
  const key = await newKey()
  try {
    storage?.setItem(IDENTITY_KEY, btoa(String.fromCharCode(...privateKeyToProtobuf(key))))
  } catch {
    // storage full or refused (private mode): this page load keeps an ephemeral identity
  }
  return key
}

// WebCrypto's key type, named the same way in the DOM's and Node's typings
type WebCryptoKey = Parameters<typeof crypto.subtle.sign>[1]

/**
 * A new Ed25519 key, made by the browser's WebCrypto where it can: @libp2p/crypto derives the
 * public half in JS, whose first use builds curve tables on the main thread while a first visit
 * waits to dial. The signing that follows goes through WebCrypto either way.
 */
export async function newKey (): Promise<PrivateKey> {
  try {
    const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']) as { privateKey?: WebCryptoKey, publicKey?: WebCryptoKey }
    if (pair.privateKey != null && pair.publicKey != null) {
      // an Ed25519 PKCS #8 document ends with the 32-byte private key
      const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey))
      const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
      const raw = new Uint8Array(64)
      raw.set(pkcs8.subarray(pkcs8.length - 32))
      raw.set(publicKey, 32)
      return privateKeyFromRaw(raw)
    }
  } catch {
    // a browser without Ed25519 in WebCrypto
  }
  return await generateKeyPair('Ed25519')
}
