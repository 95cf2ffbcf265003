// Named errors for input that crossed a process boundary. Tests and counters match `.name`
// (or `.reason`), never the message text.

/** Why a heartbeat line was refused; also the `reason` label of the rejection counter. */
export type RejectReason =
  | 'not_json'
  | 'not_object'
  | 'invalid_utf8'
  | 'invalid_head'
  | 'invalid_height'
  | 'invalid_nickname'
  | 'invalid_miner_address'
  | 'invalid_genesis_cid'
  | 'invalid_client'
  | 'invalid_client_version'
  | 'invalid_node_peer_id'
  | 'invalid_syncing'
  | 'invalid_finalized_height'
  | 'invalid_parent_head'
  | 'line_too_long'
  | 'duplicate_stream'
  | 'rate_limited'
  | 'not_allowed'
  | 'cooling_off'

export class InvalidHeartbeatError extends Error {
  static name = 'InvalidHeartbeatError'
  readonly reason: RejectReason

  constructor (reason: RejectReason, detail: string) {
    super(`invalid heartbeat (${reason}): ${detail}`)
    this.name = 'InvalidHeartbeatError'
    this.reason = reason
  }
}

export class LineTooLongError extends Error {
  static name = 'LineTooLongError'
  readonly limit: number

  constructor (limit: number) {
    super(`line longer than ${limit} bytes without a newline`)
    this.name = 'LineTooLongError'
    this.limit = limit
  }
}

export class InvalidFeedMessageError extends Error {
  static name = 'InvalidFeedMessageError'

  constructor (detail: string) {
    super(`invalid feed message: ${detail}`)
    this.name = 'InvalidFeedMessageError'
  }
}

/** The other end of the feed speaks another version of it (see checkFeedVersion). */
export class FeedVersionMismatchError extends Error {
  static name = 'FeedVersionMismatchError'
  readonly relayVersion: number
  readonly pageVersion: number

  constructor (relayVersion: number, pageVersion: number) {
    super(`the relay speaks feed version ${relayVersion}, this page ${pageVersion}`)
    this.name = 'FeedVersionMismatchError'
    this.relayVersion = relayVersion
    this.pageVersion = pageVersion
  }
}
