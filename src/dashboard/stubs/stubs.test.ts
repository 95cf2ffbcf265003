import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import { AddressManager } from './address-manager.ts'
import { color, rgb } from './d3-color.ts'
import { format, precisionFixed } from './d3-format.ts'
import { dnsaddrResolver } from './dnsaddr-resolver.ts'
import { generateECDSAKeyPair, unmarshalECDSAPublicKey } from './ecdsa-keys.ts'
import { CompoundContentRouting, DefaultPeerRouting, RandomWalk } from './routing.ts'
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

  it('give the page no addresses of its own, and refuse any it is configured with', () => {
    const addresses = new AddressManager({})
    assert.deepEqual([addresses.getListenAddrs(), addresses.getAnnounceAddrs(), addresses.getAppendAnnounceAddrs(), addresses.getObservedAddrs(), addresses.getAddresses(), addresses.getAddressesWithMetadata()], [[], [], [], [], [], []])
    assert.throws(() => { addresses.addObservedAddr() }, /address manager is left out of the dashboard's bundle/)
    assert.throws(() => new AddressManager({}, { listen: ['/ip4/127.0.0.1/tcp/0/ws'] }), /cannot take \/ip4\/127\.0\.0\.1\/tcp\/0\/ws/)
    assert.doesNotThrow(() => new AddressManager({}, { listen: [], announce: [] }))
  })

  it('refuse routers, and fail every lookup as the stock routing with no routers does', async () => {
    assert.throws(() => new DefaultPeerRouting({}, { routers: [{}] }), /bundles no peer or content routing/)
    assert.throws(() => new CompoundContentRouting({}, { routers: [{}] }), /bundles no peer or content routing/)
    const peers = new DefaultPeerRouting({}, { routers: [] })
    const content = new CompoundContentRouting({})
    await assert.rejects(peers.findPeer(), { name: 'NoPeerRoutersError', message: /looks nothing up/ })
    for (const walk of [peers.getClosestPeers(), new RandomWalk().walk()]) {
      await assert.rejects(walk.next(), { name: 'NoPeerRoutersError' })
    }
    await assert.rejects(content.findProviders().next(), { name: 'NoContentRoutersError' })
    for (const lookup of [content.provide(), content.cancelReprovide(), content.put(), content.get()]) {
      await assert.rejects(lookup, { name: 'NoContentRoutersError' })
    }
  })

  it('name the d3 module and feature left out if the chart ever calls one', () => {
    assert.throws(() => color(), /^Error: d3-color is left out of the dashboard's bundle .* colour interpolation/)
    assert.throws(() => rgb(), /d3-color/)
    assert.throws(() => format(), /d3-format is left out .* tickFormat\(\)/)
    assert.throws(() => precisionFixed(), /d3-format/)
  })
})
