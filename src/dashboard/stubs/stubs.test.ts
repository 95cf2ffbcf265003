import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import { dnsaddrResolver } from './dnsaddr-resolver.ts'
import { generateECDSAKeyPair, unmarshalECDSAPublicKey } from './ecdsa-keys.ts'
import { pkixToRSAPublicKey } from './rsa-keys.ts'
import { generateSecp256k1KeyPair, unmarshalSecp256k1PublicKey } from './secp256k1-keys.ts'

describe('bundle stubs', () => {
  it('read a secp256k1 public key as the real code does, so its peer ID parses, but cannot verify with it', async () => {
    const real = (await generateKeyPair('secp256k1')).publicKey
    const stub = unmarshalSecp256k1PublicKey(real.raw)
    assert.equal(stub.toString(), real.toString())
    assert.ok(stub.toCID().equals(real.toCID()))
    assert.ok(stub.equals(real))
    assert.ok(!stub.equals((await generateKeyPair('secp256k1')).publicKey))
    assert.throws(() => stub.verify(Uint8Array.of(1), Uint8Array.of(2)), { name: 'UnsupportedKeyError', message: /secp256k1 keys are not supported by the dashboard/ })
  })

  it('name the key type that is not supported', async () => {
    await assert.rejects(async () => { await generateSecp256k1KeyPair() }, { name: 'UnsupportedKeyError', message: /^secp256k1 / })
    assert.throws(() => pkixToRSAPublicKey(), { name: 'UnsupportedKeyError', message: /^RSA / })
    assert.throws(() => unmarshalECDSAPublicKey(), { name: 'UnsupportedKeyError', message: /^ECDSA / })
    assert.throws(() => generateECDSAKeyPair(), { name: 'UnsupportedKeyError' })
  })

  it('say that a /dnsaddr address is not resolved, and leave others alone', async () => {
    const addr = multiaddr('/dnsaddr/relay.example.org/p2p/12D3KooWGUBfv4N33hBRDpCrA1sFSguukDs3yAm1fgDXC6WRdY2y')
    assert.ok(dnsaddrResolver.canResolve(addr))
    assert.ok(!dnsaddrResolver.canResolve(multiaddr('/dns4/relay.example.org/tcp/443/wss')))
    await assert.rejects(dnsaddrResolver.resolve(addr, { log: defaultLogger().forComponent('test') }), { name: 'UnsupportedAddressError', message: /\/dnsaddr address, which the dashboard does not resolve/ })
  })
})
