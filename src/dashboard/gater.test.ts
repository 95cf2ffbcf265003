import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { parseTarget } from '../p2p/addresses.ts'
import { relayOnlyGater } from './gater.ts'
import type { RelayTarget } from './gater.ts'

const RELAY = '/ip4/192.168.1.20/tcp/4002/ws/p2p/12D3KooWGUBfv4N33hBRDpCrA1sFSguukDs3yAm1fgDXC6WRdY2y'
const OTHER_PEER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'

describe('relayOnlyGater', () => {
  it('allows the relay address it was given, on a private network over ws://', async () => {
    const target = parseTarget(RELAY)
    const gater = relayOnlyGater(() => target)
    assert.equal(await gater.denyDialMultiaddr?.(multiaddr(RELAY)), false)
    assert.equal(await gater.denyDialPeer?.(target.peerId), false)
  })

  it('refuses every other address and peer', async () => {
    const target = parseTarget(RELAY)
    const gater = relayOnlyGater(() => target)
    for (const other of [
      '/ip4/192.168.1.20/tcp/4003/ws/p2p/12D3KooWGUBfv4N33hBRDpCrA1sFSguukDs3yAm1fgDXC6WRdY2y',
      '/ip4/192.168.1.21/tcp/4002/ws/p2p/12D3KooWGUBfv4N33hBRDpCrA1sFSguukDs3yAm1fgDXC6WRdY2y',
      `/ip4/192.168.1.20/tcp/4002/ws/p2p/${OTHER_PEER}`,
      '/ip4/10.0.0.1/tcp/80/ws'
    ]) {
      assert.equal(await gater.denyDialMultiaddr?.(multiaddr(other)), true, other)
    }
    assert.equal(await gater.denyDialPeer?.(parseTarget(`/ip4/1.2.3.4/tcp/1/ws/p2p/${OTHER_PEER}`).peerId), true)
    assert.equal(await gater.denyInboundConnection?.({} as never), true)
  })

  it('refuses everything before it has a target, and follows a new one', async () => {
    let target: RelayTarget | null = null
    const gater = relayOnlyGater(() => target)
    assert.equal(await gater.denyDialMultiaddr?.(multiaddr(RELAY)), true)
    target = parseTarget(RELAY)
    assert.equal(await gater.denyDialMultiaddr?.(multiaddr(RELAY)), false)
  })
})
