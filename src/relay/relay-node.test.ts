// The relay's libp2p node listens only when told to: its services register their protocols
// first, so a node that dials the moment the ports open is never refused its protocol.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { PenaltyBox } from './access.ts'
import { RelayMetrics } from './metrics.ts'
import { createRelayNode, listen } from './relay-node.ts'
import { createSenderNode, openHeartbeatStream } from '../testing/peers.ts'
import { HEARTBEAT_PROTOCOL } from '../protocol/index.ts'
import { systemClock } from '../p2p/clock.ts'

describe('the relay\'s libp2p node', () => {
  it('takes its protocol handlers before it listens, and a node that dials as it starts finds them', async () => {
    const libp2p = await createRelayNode({ privateKey: await generateKeyPair('Ed25519'), host: '127.0.0.1', tcpPort: 0, wsPort: 0 }, { penaltyBox: new PenaltyBox(), metrics: new RelayMetrics(), clock: systemClock })
    const sender = await createSenderNode()
    try {
      assert.equal(libp2p.status, 'stopped')
      assert.deepEqual(libp2p.getMultiaddrs(), [], 'not listening until listen()')
      await libp2p.handle(HEARTBEAT_PROTOCOL, (stream) => { void stream.close() })
      await listen(libp2p, { tcpPort: 0, wsPort: 0 })
      const target = libp2p.getMultiaddrs().find(addr => !addr.toString().includes('/ws'))
      assert.ok(target !== undefined)
      // the first stream on the first connection: negotiated, not refused
      const stream = await openHeartbeatStream(sender, target.toString())
      assert.equal(stream.protocol, HEARTBEAT_PROTOCOL)
      await stream.close()
    } finally {
      await sender.stop()
      await libp2p.stop()
    }
  })
})
