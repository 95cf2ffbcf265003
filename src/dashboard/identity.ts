// The page's libp2p identity. Kept in localStorage so one browser keeps one peer ID: a relay
// with a viewer allowlist (--allow-viewer) can then list this dashboard, and the page shows
// the peer ID to list when the relay turns it away.
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

export const IDENTITY_KEY = 'devnet-dashboard:private-key'

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
  const key = await generateKeyPair('Ed25519')
  try {
    storage?.setItem(IDENTITY_KEY, btoa(String.fromCharCode(...privateKeyToProtobuf(key))))
  } catch {
    // storage full or refused (private mode): this page load keeps an ephemeral identity
  }
  return key
}
