// HTTP to a node's API with every answer bounded in size and time: the body is read chunk by
// chunk and the request aborted past the limit, so a node that answers 50 MB (or never stops)
// costs at most the limit; a node that answers late is cut off at the timeout.
import { MAX_RESPONSE_BYTES } from './constants.ts'
import {
  BadResponseError, HttpStatusError, NodeTimeoutError, NodeUnreachableError, ResponseTooLargeError, RpcError, TokenRefusedError
} from './errors.ts'
import { redactUrl } from './node-file.ts'

export interface RequestOptions {
  method?: 'GET' | 'POST'
  body?: string
  /** `Authorization: Bearer <token>` when set */
  token?: string
  headers?: Record<string, string>
  timeoutMs: number
  /** default MAX_RESPONSE_BYTES */
  maxBytes?: number
  /** the session's signal: aborting it ends the request */
  signal: AbortSignal
  /** what the request is, for errors (no token, no query string) */
  what: string
}

/** Headers for a request to a node, with its token if it has one. */
export function authHeaders (token: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return token != null && token !== '' ? { ...extra, authorization: `Bearer ${token}` } : extra
}

/** The error a failed fetch stands for, named. */
export function fetchFailure (err: unknown, what: string, timeout: AbortSignal, timeoutMs: number): Error {
  if (timeout.aborted) return new NodeTimeoutError(what, timeoutMs)
  const cause = (err as { cause?: { code?: string, message?: string } }).cause
  return new NodeUnreachableError(what, cause?.code ?? cause?.message ?? (err as Error).message)
}

/**
 * Fetches a URL and returns its body as text, at most maxBytes, within timeoutMs (headers and
 * body together). 401/403 is TokenRefusedError, any other non-2xx HttpStatusError.
 */
export async function fetchText (url: string, options: RequestOptions): Promise<string> {
  const maxBytes = options.maxBytes ?? MAX_RESPONSE_BYTES
  const timeout = AbortSignal.timeout(options.timeoutMs)
  const signal = AbortSignal.any([options.signal, timeout])
  let response: Response
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: authHeaders(options.token, options.headers),
      ...(options.body != null ? { body: options.body } : {}),
      signal,
      redirect: 'error'
    })
  } catch (err) {
    if (options.signal.aborted) throw options.signal.reason
    throw fetchFailure(err, options.what, timeout, options.timeoutMs)
  }
  try {
    if (response.status === 401 || response.status === 403) throw new TokenRefusedError(options.what, response.status, options.token != null && options.token !== '')
    if (response.status < 200 || response.status > 299) throw new HttpStatusError(options.what, response.status)
    const declared = Number(response.headers.get('content-length'))
    if (declared > maxBytes) throw new ResponseTooLargeError(options.what, maxBytes)
    return await readBounded(response, maxBytes, options.what)
  } catch (err) {
    if (options.signal.aborted) throw options.signal.reason
    if (timeout.aborted) throw new NodeTimeoutError(options.what, options.timeoutMs)
    throw err
  } finally {
    // whatever is left unread is dropped, and the connection with it
    await response.body?.cancel().catch(() => {})
  }
}

async function readBounded (response: Response, maxBytes: number, what: string): Promise<string> {
  const body = response.body
  if (body == null) return ''
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  while (true) {
    const { done, value } = await reader.read()
    if (done) break
    length += value.byteLength
    if (length > maxBytes) {
      await reader.cancel().catch(() => {})
      throw new ResponseTooLargeError(what, maxBytes)
    }
    chunks.push(value)
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks, length))
}

/** fetchText, then JSON.parse; not JSON is BadResponseError. */
export async function fetchJson (url: string, options: RequestOptions): Promise<unknown> {
  const text = await fetchText(url, { ...options, headers: { accept: 'application/json', ...options.headers } })
  try {
    return JSON.parse(text)
  } catch {
    throw new BadResponseError(options.what, 'the answer is not JSON')
  }
}

let nextId = 1

/** One JSON-RPC 2.0 call over HTTP POST; returns the result, or throws RpcError & co. */
export async function rpcOverHttp (url: string, method: string, params: unknown[], options: Omit<RequestOptions, 'method' | 'body' | 'what'>): Promise<unknown> {
  const id = nextId++
  const what = `${method} at ${redactUrl(url)}`
  const answer = await fetchJson(url, {
    ...options,
    what,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params })
  })
  return rpcResult(answer, method)
}

/** The result of a JSON-RPC answer, or its error as RpcError; anything else BadResponseError. */
export function rpcResult (answer: unknown, method: string): unknown {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) throw new BadResponseError(method, 'the answer is not a JSON-RPC object')
  const record = answer as Record<string, unknown>
  if (record.error != null) {
    const error = record.error as { code?: unknown, message?: unknown }
    throw new RpcError(method, typeof error.code === 'number' ? error.code : 0,
      typeof error.message === 'string' ? error.message : JSON.stringify(error))
  }
  if (!('result' in record)) throw new BadResponseError(method, 'the answer has neither result nor error')
  return record.result
}
