// The error every stubbed key type throws (see vite.config.ts). libp2p passes on only the
// message of an error in the noise handshake, so the message is what the page shows.
export class UnsupportedKeyError extends Error {
  static name = 'UnsupportedKeyError'
  constructor (keyType: string) {
    super(`${keyType} keys are not supported by the dashboard, which carries Ed25519 only; give the relay an Ed25519 identity`)
    this.name = 'UnsupportedKeyError'
  }
}

/** For the stubs' functions that must never run: the key type is all they need to say. */
export function unsupported (keyType: string): () => never {
  return () => { throw new UnsupportedKeyError(keyType) }
}
