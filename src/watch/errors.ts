// Named errors of the watcher. A node's failure is one of these, so the log says why in words
// and tests match on `.name`. None of them carries a token: URLs are shown without query,
// credentials or fragment (see redactUrl).

/** The node file (or one of its entries) is not what the watcher can run. */
export class NodeFileError extends Error {
  static name = 'NodeFileError'
  readonly entry: string | undefined
  readonly field: string | undefined

  constructor (message: string, entry?: string, field?: string) {
    super(message)
    this.name = 'NodeFileError'
    this.entry = entry
    this.field = field
  }
}

/** No answer in time: the node is hung, overloaded or far away. */
export class NodeTimeoutError extends Error {
  static name = 'NodeTimeoutError'

  constructor (what: string, ms: number) {
    super(`${what}: no answer within ${ms} ms`)
    this.name = 'NodeTimeoutError'
  }
}

/** The node could not be reached at all (refused, reset, DNS). */
export class NodeUnreachableError extends Error {
  static name = 'NodeUnreachableError'

  constructor (what: string, cause: string) {
    super(`${what}: unreachable (${cause})`)
    this.name = 'NodeUnreachableError'
  }
}

/** 401 or 403: the node wants a token, or refused the one it was given. */
export class TokenRefusedError extends Error {
  static name = 'TokenRefusedError'

  constructor (what: string, status: number, hadToken: boolean) {
    super(`${what}: HTTP ${status}, ${hadToken ? 'the token was refused' : 'the node wants a token (set tokenEnv in the node file)'}`)
    this.name = 'TokenRefusedError'
  }
}

/** Any other HTTP status that is not success. */
export class HttpStatusError extends Error {
  static name = 'HttpStatusError'
  readonly status: number

  constructor (what: string, status: number) {
    super(`${what}: HTTP ${status}`)
    this.name = 'HttpStatusError'
    this.status = status
  }
}

/** A response, message or line over its bound; it is cut off, not read. */
export class ResponseTooLargeError extends Error {
  static name = 'ResponseTooLargeError'

  constructor (what: string, limit: number) {
    super(`${what}: more than ${limit} bytes`)
    this.name = 'ResponseTooLargeError'
  }
}

/** An answer that is not what the API documents (not JSON, wrong shape, out of range). */
export class BadResponseError extends Error {
  static name = 'BadResponseError'

  constructor (what: string, detail: string) {
    super(`${what}: ${detail}`)
    this.name = 'BadResponseError'
  }
}

/** A JSON-RPC error object in answer to a call. */
export class RpcError extends Error {
  static name = 'RpcError'
  readonly code: number

  constructor (method: string, code: number, message: string) {
    super(`${method}: JSON-RPC error ${code}: ${message.slice(0, 200)}`)
    this.name = 'RpcError'
    this.code = code
  }
}

/** The node offers no subscription here (an HTTP-only endpoint, a method it lacks): poll. */
export class SubscriptionUnsupportedError extends Error {
  static name = 'SubscriptionUnsupportedError'

  constructor (what: string, detail: string) {
    super(`${what}: no subscription (${detail})`)
    this.name = 'SubscriptionUnsupportedError'
  }
}

/** The node's connection or subscription ended while the watcher was using it. */
export class SubscriptionEndedError extends Error {
  static name = 'SubscriptionEndedError'

  constructor (what: string, detail: string) {
    super(`${what}: ${detail}`)
    this.name = 'SubscriptionEndedError'
  }
}
