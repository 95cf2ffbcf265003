import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '../sender/index.ts'
import { createSimulationLog } from './sim-log.ts'
import { recordingLog } from '../testing/recording-log.ts'

describe('the simulation log', () => {
  it('writes the first warning of a burst, then one line a second with a count of the rest', () => {
    const base = recordingLog()
    const clock = new ManualClock(0)
    const logFor = createSimulationLog(base, clock, 1000)
    for (let i = 0; i < 1000; i++) logFor(`Node${String.fromCharCode(65 + (i % 26))}`).warn('failed to connect')
    assert.equal(base.count('warn'), 1)
    assert.match(base.lines[0]?.message ?? '', /^NodeA: failed to connect$/)
    clock.advance(1000)
    logFor('Late').warn('failed to connect')
    assert.equal(base.count('warn'), 2)
    assert.match(base.lines[1]?.message ?? '', /^Late: failed to connect \(and 999 more/)
    logFor('Other').error('boom')
    assert.equal(base.count('error'), 1, 'errors have their own budget')
    logFor('Chatty').debug('attempting to connect')
    logFor('Chatty').debug('attempting to connect')
    assert.equal(base.count('debug', /^Chatty: /), 2, 'debug lines pass through')
  })
})
