// Waiting out a reconnect backoff (backoff.ts). The delay doubles with every failed redial,
// so a page whose relay was down for ten seconds may be in the middle of an 8-16 s sleep when
// it is back. A page that could not reach the relay at all (the host that served it did not
// answer /relay.json) asks that host again, cheaply and often, while it waits, and redials as
// soon as it answers. What backoff is for is kept: a relay that answers but turns the feed
// away is not probed (its backoff runs in full), probes are spaced at random so the pages of a
// LAN spread their redials, and one probe at a time, each bounded, none after the wait.

// about once a second: a relay that is back is redialled a second or so later, and a page
// costs a down relay's host one refused connection a second
export const PROBE_INTERVAL_MS = 1_000
// a relay answers /relay.json in milliseconds, one starting on a busy host in a second or two;
// past this the probe counts as no answer and the next one tries again
export const PROBE_TIMEOUT_MS = 3_000

/** The page's own fetch: what the feed client and the wait ask with unless told otherwise. */
export const pageFetch = async (url: string, init: RequestInit): Promise<Response> => await fetch(url, init)

/** How a wait ended: its time ran out, a probe found the relay answering, or the page stopped. */
export type WaitOutcome = 'elapsed' | 'answered' | 'aborted'

export interface BackoffWaitInit {
  delayMs: number
  signal: AbortSignal
  /** what to ask while waiting (the page's own /relay.json); null or absent: just wait */
  probeUrl?: string | null
  /** in [0, 1), spaces the probes (PROBE_INTERVAL_MS × 0.5-1.5) */
  random?: () => number
  fetch?: (url: string, init: RequestInit) => Promise<Response>
  now?: () => number
  setTimer?: (callback: () => void, ms: number) => unknown
  clearTimer?: (timer: unknown) => void
}

/** Resolves after `delayMs`, or sooner: when a probe of `probeUrl` answers OK, or on abort. */
export async function waitOutBackoff (init: BackoffWaitInit): Promise<WaitOutcome> {
  const { signal, probeUrl = null } = init
  const random = init.random ?? Math.random
  const fetchUrl = init.fetch ?? pageFetch
  const now = init.now ?? Date.now
  const setTimer = init.setTimer ?? ((callback, ms) => setTimeout(callback, ms))
  const clearTimer = init.clearTimer ?? (timer => { clearTimeout(timer as ReturnType<typeof setTimeout>) })
  if (signal.aborted) return 'aborted'

  return await new Promise<WaitOutcome>(resolve => {
    const endsAt = now() + init.delayMs
    let done = false
    let probeTimer: unknown
    let timeoutTimer: unknown
    // the probe in flight, aborted when the wait ends
    let inFlight: AbortController | undefined
    const finish = (outcome: WaitOutcome): void => {
      if (done) return
      done = true
      clearTimer(waitTimer)
      clearTimer(probeTimer)
      clearTimer(timeoutTimer)
      inFlight?.abort()
      signal.removeEventListener('abort', onAbort)
      resolve(outcome)
    }
    const onAbort = (): void => { finish('aborted') }
    const waitTimer = setTimer(() => { finish('elapsed') }, init.delayMs)
    signal.addEventListener('abort', onAbort)

    const scheduleProbe = (): void => {
      if (probeUrl === null || done) return
      const gap = Math.round(PROBE_INTERVAL_MS * (0.5 + random()))
      // a probe due after the redial itself would tell nothing
      if (now() + gap >= endsAt) return
      probeTimer = setTimer(() => { void probe(probeUrl) }, gap)
    }
    const probe = async (url: string): Promise<void> => {
      const attempt = new AbortController()
      inFlight = attempt
      timeoutTimer = setTimer(() => { attempt.abort() }, PROBE_TIMEOUT_MS)
      let answered = false
      try {
        const response = await fetchUrl(url, { cache: 'no-store', signal: attempt.signal })
        answered = response.ok
        // only the status matters: the body is not read
        await response.body?.cancel().catch(() => {})
      } catch {
        // refused, reset or timed out: the relay is still away
      } finally {
        clearTimer(timeoutTimer)
        inFlight = undefined
      }
      if (answered) finish('answered')
      else scheduleProbe()
    }
    scheduleProbe()
  })
}
