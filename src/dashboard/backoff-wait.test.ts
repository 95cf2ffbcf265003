import assert from 'node:assert/strict'
import { setImmediate as turn } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS, waitOutBackoff } from './backoff-wait.ts'
import type { BackoffWaitInit, WaitOutcome } from './backoff-wait.ts'

const URL = 'http://127.0.0.1:8080/relay.json'

/** Timers that fire when the test moves the clock. */
function fakeTimers () {
  const clock = { now: 0 }
  let timers: Array<{ at: number, callback: () => void }> = []
  return {
    clock,
    pending: () => timers.length,
    setTimer: (callback: () => void, ms: number) => { const timer = { at: clock.now + ms, callback }; timers.push(timer); return timer },
    clearTimer: (timer: unknown) => { timers = timers.filter(t => t !== timer) },
    /** moves the clock; each timer fires at its time, and what it started (a fetch) settles */
    async advance (ms: number): Promise<void> {
      const end = clock.now + ms
      for (;;) {
        const next = timers.filter(t => t.at <= end).sort((a, b) => a.at - b.at)[0]
        if (next === undefined) break
        timers = timers.filter(t => t !== next)
        clock.now = next.at
        next.callback()
        await turn()
        await turn()
      }
      clock.now = end
    }
  }
}

/** A relay's origin as a probe sees it: refusing (TypeError, as fetch rejects) or answering. */
function origin (t: ReturnType<typeof fakeTimers>) {
  const calls: Array<{ at: number, signal: AbortSignal }> = []
  let answer: 'refuse' | 'ok' | 'bad-gateway' | 'hang' = 'refuse'
  const fetch = async (_url: string, init: RequestInit): Promise<Response> => {
    const signal = init.signal ?? new AbortController().signal
    calls.push({ at: t.clock.now, signal })
    if (answer === 'refuse') throw new TypeError('Failed to fetch')
    if (answer === 'hang') {
      return await new Promise<Response>((_resolve, reject) => {
        signal.addEventListener('abort', () => { reject(new DOMException('aborted', 'AbortError')) })
      })
    }
    return new Response('{"multiaddrs":[]}', { status: answer === 'ok' ? 200 : 502 })
  }
  return { calls, fetch, set: (next: typeof answer) => { answer = next } }
}

function start (t: ReturnType<typeof fakeTimers>, init: Partial<BackoffWaitInit> & { delayMs: number }) {
  let outcome: WaitOutcome | undefined
  let endedAt = -1
  const controller = new AbortController()
  void waitOutBackoff({ signal: controller.signal, now: () => t.clock.now, setTimer: t.setTimer, clearTimer: t.clearTimer, ...init })
    .then(result => { outcome = result; endedAt = t.clock.now })
  return { controller, outcome: () => outcome, endedAt: () => endedAt }
}

describe('waiting out a backoff', () => {
  it('ends the wait at the first probe the relay answers, not when the backoff runs out', async () => {
    const t = fakeTimers()
    const relay = origin(t)
    // random 0.5: a probe every PROBE_INTERVAL_MS exactly
    const wait = start(t, { delayMs: 16_000, probeUrl: URL, fetch: relay.fetch, random: () => 0.5 })
    await t.advance(3_500)
    assert.deepEqual(relay.calls.map(c => c.at), [1_000, 2_000, 3_000], 'a probe a second while the relay is away')
    assert.equal(wait.outcome(), undefined)
    relay.set('ok')
    await t.advance(1_000)
    assert.equal(wait.outcome(), 'answered')
    assert.equal(wait.endedAt(), 4_000)
    assert.equal(t.pending(), 0, 'nothing left behind')
    await t.advance(20_000)
    assert.equal(relay.calls.length, 4, 'no probe after the wait')
  })

  it('without a probe URL (a relay that answered and refused the feed, or ?relay=) waits it out in full and asks nothing', async () => {
    const t = fakeTimers()
    const relay = origin(t)
    relay.set('ok')
    const wait = start(t, { delayMs: 8_000, probeUrl: null, fetch: relay.fetch, random: () => 0.5 })
    await t.advance(7_990)
    assert.equal(wait.outcome(), undefined)
    await t.advance(10)
    assert.equal(wait.outcome(), 'elapsed')
    assert.equal(relay.calls.length, 0)
  })

  it('an origin that answers with an error (a proxy in front of a down relay) is not the relay back', async () => {
    const t = fakeTimers()
    const relay = origin(t)
    relay.set('bad-gateway')
    const wait = start(t, { delayMs: 4_000, probeUrl: URL, fetch: relay.fetch, random: () => 0.5 })
    await t.advance(4_000)
    assert.equal(wait.outcome(), 'elapsed')
    assert.equal(wait.endedAt(), 4_000)
    assert.deepEqual(relay.calls.map(c => c.at), [1_000, 2_000, 3_000])
  })

  it('spaces probes at random, 0.5 to 1.5 intervals, and makes none that would come after the redial', async () => {
    for (const [random, gap] of [[0, PROBE_INTERVAL_MS / 2], [0.999, 1_499]] as const) {
      const t = fakeTimers()
      const relay = origin(t)
      const wait = start(t, { delayMs: 4_000, probeUrl: URL, fetch: relay.fetch, random: () => random })
      await t.advance(4_000)
      assert.equal(wait.outcome(), 'elapsed')
      const expected = Array.from({ length: Math.ceil(4_000 / gap) - 1 }, (_, k) => Math.round(gap) * (k + 1))
      assert.deepEqual(relay.calls.map(c => c.at), expected, `random ${random}`)
    }
  })

  it('has one probe at a time: one that hangs is given up at its timeout, the next follows', async () => {
    const t = fakeTimers()
    const relay = origin(t)
    relay.set('hang')
    const wait = start(t, { delayMs: 16_000, probeUrl: URL, fetch: relay.fetch, random: () => 0.5 })
    await t.advance(1_000 + PROBE_TIMEOUT_MS - 10)
    assert.equal(relay.calls.length, 1, 'no second probe while the first is out')
    assert.equal(relay.calls[0]?.signal.aborted, false)
    await t.advance(10)
    assert.equal(relay.calls[0]?.signal.aborted, true, 'given up at its timeout')
    relay.set('ok')
    await t.advance(1_000)
    assert.equal(relay.calls.length, 2)
    assert.equal(wait.outcome(), 'answered')
    assert.equal(wait.endedAt(), 1_000 + PROBE_TIMEOUT_MS + 1_000)
  })

  it('a probe still out when the backoff runs out is aborted; stop() ends the wait at once', async () => {
    const t = fakeTimers()
    const relay = origin(t)
    relay.set('hang')
    const wait = start(t, { delayMs: 2_000, probeUrl: URL, fetch: relay.fetch, random: () => 0.5 })
    await t.advance(2_000)
    assert.equal(wait.outcome(), 'elapsed')
    assert.equal(relay.calls[0]?.signal.aborted, true)
    assert.equal(t.pending(), 0)

    const stopped = start(t, { delayMs: 30_000, probeUrl: URL, fetch: relay.fetch, random: () => 0.5 })
    await t.advance(1_000)
    stopped.controller.abort()
    await turn()
    assert.equal(stopped.outcome(), 'aborted')
    assert.equal(relay.calls[1]?.signal.aborted, true)
    assert.equal(t.pending(), 0)
  })
})
