// JSON-RPC to a node, over the WebSocket when the node offers one (subscriptions need it),
// otherwise over HTTP POST at the same host and path (Lotus, Forest, Venus and Hardhat serve
// both on one port; an http:// URL in the node file goes straight to HTTP).
import { SubscriptionUnsupportedError } from './errors.ts'
import { rpcOverHttp } from './http.ts'
import { redactUrl } from './node-file.ts'
import { RpcSocket } from './rpc-socket.ts'
import type { DriverContext } from './node-watch.ts'

export interface RpcTransport {
  call: (method: string, params: unknown[]) => Promise<unknown>
  /** the socket, when the node took a WebSocket */
  socket: RpcSocket | undefined
  close: () => void
}

export function toWebSocketUrl (url: string): string {
  return url.replace(/^http(s?):/i, 'ws$1:')
}

export function toHttpUrl (url: string): string {
  return url.replace(/^ws(s?):/i, 'http$1:')
}

/**
 * Opens the transport for a session. A WebSocket that breaks later ends the session
 * (ctx.fail). A node that answers the upgrade with an HTTP status other than 401/403 has no
 * WebSocket there: HTTP it is, and the caller polls.
 */
export async function openRpcTransport (ctx: DriverContext, onNotification: (method: string, params: unknown) => void): Promise<RpcTransport> {
  const what = redactUrl(ctx.spec.url)
  const httpTransport = (): RpcTransport => {
    const url = toHttpUrl(ctx.spec.url)
    return {
      socket: undefined,
      call: async (method, params) => await rpcOverHttp(url, method, params, { token: ctx.token, timeoutMs: ctx.timeoutMs, signal: ctx.signal }),
      close: () => {}
    }
  }
  if (/^https?:/i.test(ctx.spec.url)) return httpTransport()
  let socket: RpcSocket
  try {
    socket = await RpcSocket.open({
      url: toWebSocketUrl(ctx.spec.url),
      ...(ctx.token != null ? { token: ctx.token } : {}),
      what,
      connectTimeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      onNotification
    })
  } catch (err) {
    if (err instanceof SubscriptionUnsupportedError) return httpTransport()
    throw err
  }
  void socket.closed.then(reason => { ctx.fail(reason) })
  return {
    socket,
    call: async (method, params) => await socket.call(method, params, ctx.timeoutMs),
    close: () => { socket.close() }
  }
}
