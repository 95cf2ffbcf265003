// Asking whether a peer's host is still there, without a protocol of our own: open a stream
// for the libp2p ping protocol and close it at once. Any answer, "not supported" included,
// means the host is there; a stream that is not even refused within the timeout means it is
// not. Without this, a host that vanished without closing (power cut, cable pulled, a laptop
// shut) keeps its connection until TCP gives up on it, about 15 minutes on Linux defaults.
import { QUIET_PROBE_PROTOCOL } from './constants.ts'
import type { Connection } from '@libp2p/interface'

export class UnresponsiveError extends Error {
  static name = 'UnresponsiveError'
  constructor (silentMs: number, timeoutMs: number) {
    super(`silent for ${Math.round(silentMs / 1000)} s and did not answer a probe within ${timeoutMs / 1000} s`)
    this.name = 'UnresponsiveError'
  }
}

/** 'closed': the connection ended while the probe was out, which answers the question too. */
export type ProbeOutcome = 'answered' | 'unanswered' | 'closed'

export async function probeHost (connection: Connection, timeoutMs: number): Promise<ProbeOutcome> {
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    const probe = await connection.newStream(QUIET_PROBE_PROTOCOL, { signal })
    probe.abort(new Error('probe answered'))
    return 'answered'
  } catch {
    if (connection.status !== 'open') return 'closed'
    // anything but the timeout is a reply from a host that is there: a refusal, a reset, a
    // full stream table
    return signal.aborted ? 'unanswered' : 'answered'
  }
}
