// A process of many heartbeat senders for the memory benchmark: dials the relay in groups,
// then beats every --period ms until killed. Prints "ready <n>" once every node is beating.
import { encodeHeartbeatLine } from '../src/protocol/index.ts'
import { createPeer, openHeartbeatStream } from '../src/testing/peers.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

const [target = '', countText = '100', periodText = '3000', prefix = 'swarm'] = process.argv.slice(2)
const count = Number(countText)
const period = Number(periodText)
const enc = new TextEncoder()
const nodes: Array<{ peer: Libp2p, stream: Stream }> = []
let height = 1
const beat = (stream: Stream, k: number): void => {
  try {
    stream.send(enc.encode(encodeHeartbeatLine({ head: `{ bafy2bzaceswarm${height} }`, height, nickname: `${prefix}${k}`, minerAddress: null, genesisCid: null })))
  } catch {}
}
/** Dials as a real node's HeartbeatService would: a failed dial (the relay busy with a few
 *  thousand handshakes resets some) is tried again a little later, a few times. */
async function dial (peer: Libp2p): Promise<Stream> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openHeartbeatStream(peer, target)
    } catch (err) {
      if (attempt >= 5) throw err
      await new Promise(resolve => setTimeout(resolve, 500 * attempt)) // the node's reconnect period
    }
  }
}
for (let k = 0; k < count; k += 25) {
  const group = await Promise.all(Array.from({ length: Math.min(25, count - k) }, async () => {
    const peer = await createPeer()
    return { peer, stream: await dial(peer) }
  }))
  group.forEach(({ stream }, j) => { beat(stream, k + j) })
  nodes.push(...group)
}
console.log(`ready ${nodes.length}`)
// one timer for the swarm; each node's beat spread over the period as real nodes' would be
let next = 0
setInterval(() => {
  const per = Math.ceil(nodes.length / (period / 100))
  for (let n = 0; n < per; n++) {
    const node = nodes[next]
    if (node != null) beat(node.stream, next)
    next = (next + 1) % nodes.length
    if (next === 0) height++
  }
}, 100)
process.on('SIGTERM', () => { void Promise.all(nodes.map(async n => { await n.peer.stop() })).finally(() => process.exit(0)) })
