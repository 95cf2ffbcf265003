import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { IDENTITY_KEY, loadOrCreateIdentity, newKey } from './identity.ts'

function memoryStorage (): { getItem: (k: string) => string | null, setItem: (k: string, v: string) => void, map: Map<string, string> } {
  const map = new Map<string, string>()
  return { map, getItem: k => map.get(k) ?? null, setItem: (k, v) => { map.set(k, v) } }
}

describe('dashboard identity', () => {
  it('keeps one peer ID per browser', async () => {
    const storage = memoryStorage()
    const first = peerIdFromPrivateKey(await loadOrCreateIdentity(storage)).toString()
    const again = peerIdFromPrivateKey(await loadOrCreateIdentity(storage)).toString()
    assert.equal(again, first)
  })

  it('replaces a damaged entry, and works without storage', async () => {
    const storage = memoryStorage()
    storage.setItem(IDENTITY_KEY, 'not a key')
    const key = await loadOrCreateIdentity(storage)
    assert.notEqual(storage.map.get(IDENTITY_KEY), 'not a key')
    assert.equal(peerIdFromPrivateKey(await loadOrCreateIdentity(storage)).toString(), peerIdFromPrivateKey(key).toString())
    assert.ok(await loadOrCreateIdentity(null))
  })

  it('makes an Ed25519 key whose public half matches its private half', async () => {
    const key = await newKey()
    assert.equal(key.type, 'Ed25519')
    const message = new TextEncoder().encode('devnet')
    assert.ok(await key.publicKey.verify(message, await key.sign(message)))
    assert.notEqual(peerIdFromPrivateKey(await newKey()).toString(), peerIdFromPrivateKey(key).toString())
  })
})
