// A TCP proxy for tests that need a peer whose host reads slowly or vanishes: TCP flow control
// and silence as real networks give them, not a stand-in stream.
import { createConnection, createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'

/**
 * A TCP proxy in front of the relay. Upstream bytes pass at full speed until `throttle()`;
 * after that the client gets one byte a second and the proxy holds at most one chunk, so TCP
 * flow control pushes back on the relay exactly as a client that reads one byte a second would.
 */
export interface SlowProxy {
  port: number
  throttle: () => void
  /** bytes the client has been given since the throttle began */
  trickled: () => number
  /** bytes passed from upstream to the client so far, over every connection */
  toClient: () => number
  /** from now on nothing passes either way and nothing is closed: a host that vanished */
  blackhole: () => void
  close: () => Promise<void>
}

export async function slowProxy (upstreamPort: number): Promise<SlowProxy> {
  let slow = false
  let dead = false
  let trickled = 0
  let toClient = 0
  const pairs = new Set<[client: Socket, upstream: Socket]>()
  const sockets = new Set<Socket>()
  const timers = new Set<ReturnType<typeof setInterval>>()
  const server = createServer(client => {
    const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort })
    sockets.add(client)
    sockets.add(upstream)
    client.pipe(upstream)
    let pending: Buffer | undefined
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    upstream.on('data', (chunk: Buffer) => {
      if (dead) return
      if (!slow) { toClient += chunk.length; client.write(chunk); return }
      pending = pending == null ? chunk : Buffer.concat([pending, chunk])
      upstream.pause()
    })
    const timer = setInterval(() => {
      if (!slow || pending == null) return
      client.write(pending.subarray(0, 1))
      trickled++
      toClient++
      pending = pending.length > 1 ? pending.subarray(1) : undefined
      if (pending == null) upstream.resume()
    }, 1_000)
    timers.add(timer)
    const end = (): void => { clearInterval(timer); client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); pairs.delete(pair) }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    throttle: () => { slow = true },
    trickled: () => trickled,
    toClient: () => toClient,
    blackhole: () => {
      dead = true
      for (const [client] of pairs) {
        client.unpipe()
        client.on('data', () => {})
      }
    },
    close: async () => {
      for (const timer of timers) clearInterval(timer)
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}
