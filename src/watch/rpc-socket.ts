// JSON-RPC 2.0 over a WebSocket, for Filecoin's and Ethereum execution nodes' subscriptions.
// Built on `ws` rather than Node's global WebSocket: `ws` refuses a message larger than
// maxPayload from its frame header, before buffering it, where the global one buffers a
// whole message of any size first (a 50 MB message cost ~160 MB of RSS in a trial, a 300 MB
// one more). Compression is off, so a small frame cannot inflate into a large message.
import WebSocket from 'ws'
import { MAX_MESSAGE_BYTES, MAX_MESSAGES_PER_SECOND } from './constants.ts'
import {
  BadResponseError, NodeTimeoutError, NodeUnreachableError, ResponseTooLargeError, SubscriptionEndedError,
  SubscriptionUnsupportedError, TokenRefusedError
} from './errors.ts'
import { authHeaders, rpcResult } from './http.ts'
import type { IncomingMessage } from 'node:http'

export interface RpcSocketInit {
  url: string
  token?: string
  /** what the socket is, for errors (no token) */
  what: string
  connectTimeoutMs: number
  maxMessageBytes?: number
  maxMessagesPerSecond?: number
  /** a message without an id: a subscription's value */
  onNotification: (method: string, params: unknown) => void
  signal: AbortSignal
}

interface PendingCall {
  method: string
  resolve: (result: unknown) => void
  reject: (err: Error) => void
  timer: ReturnType<typeof setTimeout>
}

export class RpcSocket {
  readonly what: string
  readonly #socket: WebSocket
  readonly #pending = new Map<number, PendingCall>()
  readonly #onNotification: (method: string, params: unknown) => void
  readonly #maxPerSecond: number
  #nextId = 1
  #windowStart = 0
  #windowCount = 0
  #closedWith: Error | undefined
  readonly #closed = Promise.withResolvers<Error>()

  private constructor (socket: WebSocket, init: RpcSocketInit) {
    this.#socket = socket
    this.what = init.what
    this.#onNotification = init.onNotification
    this.#maxPerSecond = init.maxMessagesPerSecond ?? MAX_MESSAGES_PER_SECOND
  }

  /**
   * Opens the socket. Rejects with TokenRefusedError (401/403 on the upgrade),
   * SubscriptionUnsupportedError (any other HTTP answer: no WebSocket here),
   * NodeUnreachableError or NodeTimeoutError.
   */
  static async open (init: RpcSocketInit): Promise<RpcSocket> {
    const maxPayload = init.maxMessageBytes ?? MAX_MESSAGE_BYTES
    const socket = new WebSocket(init.url, {
      headers: authHeaders(init.token),
      handshakeTimeout: init.connectTimeoutMs,
      maxPayload,
      perMessageDeflate: false,
      followRedirects: false
    })
    const rpc = new RpcSocket(socket, init)
    const onAbort = (): void => { socket.terminate() }
    init.signal.addEventListener('abort', onAbort, { once: true })
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', resolve)
        socket.once('unexpected-response', (request, response: IncomingMessage) => {
          const status = response.statusCode ?? 0
          response.resume()
          request.destroy()
          reject(status === 401 || status === 403
            ? new TokenRefusedError(init.what, status, init.token != null && init.token !== '')
            : new SubscriptionUnsupportedError(init.what, `HTTP ${status} to the WebSocket upgrade`))
        })
        socket.once('error', err => {
          if (init.signal.aborted) reject(init.signal.reason)
          else if (/timed out/i.test(err.message)) reject(new NodeTimeoutError(init.what, init.connectTimeoutMs))
          else reject(new NodeUnreachableError(init.what, (err as NodeJS.ErrnoException).code ?? err.message))
        })
        socket.once('close', () => { reject(new NodeUnreachableError(init.what, 'closed before it opened')) })
      })
    } catch (err) {
      init.signal.removeEventListener('abort', onAbort)
      socket.terminate()
      throw err
    }
    socket.removeAllListeners()
    socket.on('message', (data, isBinary) => { rpc.#onMessage(data, isBinary) })
    socket.on('error', err => {
      rpc.#fail(/max payload/i.test(err.message) ? new ResponseTooLargeError(`${init.what}: a message`, maxPayload) : new SubscriptionEndedError(init.what, err.message))
    })
    socket.on('close', (code) => { rpc.#fail(new SubscriptionEndedError(init.what, `the node closed the socket (${code})`)) })
    void rpc.#closed.promise.then(() => { init.signal.removeEventListener('abort', onAbort) })
    return rpc
  }

  /** Resolves with the reason once the socket is closed (by either side). */
  get closed (): Promise<Error> {
    return this.#closed.promise
  }

  /** One call; rejects with RpcError, BadResponseError, NodeTimeoutError or the socket's end. */
  async call (method: string, params: unknown[], timeoutMs: number): Promise<unknown> {
    if (this.#closedWith != null) throw this.#closedWith
    const id = this.#nextId++
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new NodeTimeoutError(`${method} at ${this.what}`, timeoutMs))
      }, timeoutMs)
      this.#pending.set(id, { method, resolve, reject, timer })
      this.#socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
    })
  }

  /** A message that wants no answer (go-jsonrpc's xrpc.cancel). */
  notify (method: string, params: unknown[]): void {
    if (this.#closedWith == null) this.#socket.send(JSON.stringify({ jsonrpc: '2.0', method, params }))
  }

  close (): void {
    this.#fail(new SubscriptionEndedError(this.what, 'closed by the watcher'))
  }

  #onMessage (data: WebSocket.RawData, isBinary: boolean): void {
    if (this.#closedWith != null) return
    const now = Date.now()
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now
      this.#windowCount = 0
    }
    if (++this.#windowCount > this.#maxPerSecond) {
      this.#fail(new BadResponseError(this.what, `more than ${this.#maxPerSecond} messages a second`))
      return
    }
    let message: unknown
    try {
      const text = isBinary || !Buffer.isBuffer(data) ? Buffer.from(data as Buffer).toString('utf8') : data.toString('utf8')
      message = JSON.parse(text)
    } catch {
      this.#fail(new BadResponseError(this.what, 'a message that is not JSON'))
      return
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.#fail(new BadResponseError(this.what, 'a message that is not a JSON-RPC object'))
      return
    }
    const record = message as Record<string, unknown>
    if (typeof record.method === 'string') {
      // a notification (or a call from the node, which the watcher never answers)
      try {
        this.#onNotification(record.method, record.params)
      } catch (err) {
        this.#fail(err as Error)
      }
      return
    }
    const id = record.id
    const call = typeof id === 'number' ? this.#pending.get(id) : undefined
    // an answer to nothing we asked (or asked and gave up on): ignored
    if (call == null || typeof id !== 'number') return
    this.#pending.delete(id)
    clearTimeout(call.timer)
    try {
      call.resolve(rpcResult(record, call.method))
    } catch (err) {
      call.reject(err as Error)
    }
  }

  #fail (reason: Error): void {
    if (this.#closedWith != null) return
    this.#closedWith = reason
    for (const call of this.#pending.values()) {
      clearTimeout(call.timer)
      call.reject(reason)
    }
    this.#pending.clear()
    this.#socket.terminate()
    this.#closed.resolve(reason)
  }
}
