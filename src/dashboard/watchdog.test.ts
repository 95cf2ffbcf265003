import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createWatchdog } from './watchdog.ts'

/** Timers that fire when the test moves the clock, and can be held (a hidden or frozen tab). */
function fakeTimers () {
  const clock = { now: 0 }
  let timers: Array<{ at: number, callback: () => void }> = []
  return {
    clock,
    setTimer: (callback: () => void, ms: number) => { const timer = { at: clock.now + ms, callback }; timers.push(timer); return timer },
    clearTimer: (timer: unknown) => { timers = timers.filter(t => t !== timer) },
    /** moves the clock; timers due fire at their time, or all at the end when `held` */
    advance (ms: number, held = false): void {
      const end = clock.now + ms
      for (;;) {
        const next = timers.filter(t => t.at <= end).sort((a, b) => a.at - b.at)[0]
        if (next === undefined) break
        timers = timers.filter(t => t !== next)
        clock.now = held ? end : next.at
        next.callback()
      }
      clock.now = end
    }
  }
}

describe('feed watchdog', () => {
  const setup = () => {
    const t = fakeTimers()
    let silent = 0
    const watchdog = createWatchdog({ silenceMs: 15_000, lateMs: 3_000, graceMs: 2_000, onSilent: () => { silent++ }, now: () => t.clock.now, setTimer: t.setTimer, clearTimer: t.clearTimer })
    return { t, watchdog, silent: () => silent }
  }

  it('calls a feed silent for its time dead, and a line starts the silence over', () => {
    const { t, watchdog, silent } = setup()
    watchdog.arm()
    t.advance(14_000)
    watchdog.arm()
    t.advance(14_000)
    assert.equal(silent(), 0)
    t.advance(1_000)
    assert.equal(silent(), 1)
  })

  it('held a minute (a hidden or frozen tab), it waits a grace for the lines that came meanwhile', () => {
    const { t, watchdog, silent } = setup()
    watchdog.arm()
    t.advance(60_000, true)
    assert.equal(silent(), 0, 'not at once')
    // the lines queued while held are read: the feed was alive
    watchdog.arm()
    t.advance(14_000)
    assert.equal(silent(), 0)
  })

  it('held, and nothing comes in the grace: dead', () => {
    const { t, watchdog, silent } = setup()
    watchdog.arm()
    t.advance(60_000, true)
    t.advance(1_999)
    assert.equal(silent(), 0)
    t.advance(1)
    assert.equal(silent(), 1)
  })

  it('a timer a second late (a hidden tab\'s) is on time', () => {
    const { t, watchdog, silent } = setup()
    watchdog.arm()
    t.advance(16_000, true)
    assert.equal(silent(), 1)
  })

  it('stop() leaves nothing to fire', () => {
    const { t, watchdog, silent } = setup()
    watchdog.arm()
    watchdog.stop()
    t.advance(60_000)
    assert.equal(silent(), 0)
  })
})
