import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FrameSlicer } from './frame-slicer.ts'
import type { SlicedJob } from './frame-slicer.ts'

/** Frames that run when the test says so, and a clock that moves 1 ms per unit of work. */
function harness (budgetMs: number): { slicer: FrameSlicer, frame: () => void, pendingFrames: () => number, job: (name: string, units: number) => SlicedJob, log: string[] } {
  let clock = 0
  let handles = 0
  const frames = new Map<number, () => void>()
  const log: string[] = []
  const slicer = new FrameSlicer({
    budgetMs,
    request: callback => { frames.set(++handles, callback); return handles },
    cancel: handle => { frames.delete(handle) },
    now: () => clock
  })
  const frame = (): void => {
    const due = [...frames.values()]
    frames.clear()
    log.push('frame')
    for (const callback of due) callback()
  }
  const job = (name: string, units: number): SlicedJob => {
    let done = 0
    return hasTime => {
      while (done < units) {
        done++
        clock++
        log.push(name)
        if (!hasTime()) break
      }
      return done === units
    }
  }
  return { slicer, frame, pendingFrames: () => frames.size, job, log }
}

describe('FrameSlicer', () => {
  it('spreads a job over frames, at most the budget in each', () => {
    const h = harness(3)
    h.slicer.submit(h.job('a', 7))
    assert.deepEqual(h.log, [], 'nothing runs before the next frame')
    h.frame()
    h.frame()
    h.frame()
    assert.deepEqual(h.log, ['frame', 'a', 'a', 'a', 'frame', 'a', 'a', 'a', 'frame', 'a'])
    assert.equal(h.pendingFrames(), 0, 'no frame asked for once it is done')
  })

  it('gives a job its own budget when it comes with one, and the next job the slicer\'s', () => {
    const h = harness(2)
    h.slicer.submit(h.job('a', 5), 4)
    h.frame()
    h.slicer.submit(h.job('b', 3))
    h.frame()
    h.frame()
    h.frame()
    assert.deepEqual(h.log, ['frame', 'a', 'a', 'a', 'a', 'frame', 'a', 'frame', 'b', 'b', 'frame', 'b'])
  })

  it('finishes the job under way however often new ones come, then runs the latest of them', () => {
    const h = harness(2)
    h.slicer.submit(h.job('a', 6))
    for (let k = 0; k < 3; k++) {
      h.frame()
      // a new job every frame, as when updates come faster than a job takes
      h.slicer.submit(h.job(`b${k}`, 1))
    }
    h.frame()
    h.frame()
    assert.deepEqual(h.log, ['frame', 'a', 'a', 'frame', 'a', 'a', 'frame', 'a', 'a', 'frame', 'b1', 'frame', 'b2'],
      'a ran to its end; b0 was overtaken by b1 while it waited')
    assert.equal(h.pendingFrames(), 0)
  })

  it('runs nothing after stop, and takes jobs again', () => {
    const h = harness(1)
    h.slicer.submit(h.job('a', 3))
    h.frame()
    h.slicer.submit(h.job('b', 1))
    h.slicer.stop()
    assert.equal(h.pendingFrames(), 0)
    h.frame()
    assert.deepEqual(h.log, ['frame', 'a', 'frame'])
    h.slicer.submit(h.job('c', 1))
    h.frame()
    assert.deepEqual(h.log.slice(3), ['frame', 'c'])
  })
})
