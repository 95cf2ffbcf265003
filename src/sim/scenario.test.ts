import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { NICKNAME_PATTERN, nicknameFor } from './nicknames.ts'
import { createRandom } from './random.ts'
import { getScenario, SCENARIOS, stepCount } from './scenario.ts'

describe('scenarios', () => {
  it('has the named ones, each step ending within its cycle', () => {
    for (const name of ['demo', 'steady', 'fork', 'lag', 'stall', 'restart', 'leave', 'halt', 'partial', 'genesis']) {
      assert.equal(getScenario(name).name, name)
    }
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      assert.equal(scenario.name, name)
      for (const step of scenario.steps) {
        assert.ok(step.at >= 0 && step.at < scenario.cycleRounds, `${name}: ${step.kind} starts within the cycle`)
        assert.ok(step.at + step.rounds <= scenario.cycleRounds, `${name}: ${step.kind} ends within the cycle`)
      }
    }
  })

  it('the demo shows a little of each kind of trouble', () => {
    const kinds = new Set(getScenario('demo').steps.map(step => step.kind))
    assert.deepEqual([...kinds].sort(), ['fork', 'genesis', 'halt', 'lag', 'leave', 'partial', 'restart', 'stall'])
    const restart = getScenario('restart').steps
    assert.ok(restart.some(step => step.keepPeerId === true) && restart.some(step => step.keepPeerId === false))
  })

  it('refuses an unknown name, listing the known ones', () => {
    assert.throws(() => getScenario('chaos'), { name: 'UnknownScenarioError', message: /expected one of demo, steady, fork/ })
    assert.throws(() => getScenario('toString'), { name: 'UnknownScenarioError' })
  })

  it('scales the nodes a step hits with the devnet, at least one', () => {
    const fork = { kind: 'fork' as const, at: 0, rounds: 1, share: 0.3 }
    assert.equal(stepCount(fork, 2), 1)
    assert.equal(stepCount(fork, 1000), 300)
    const lag = { kind: 'lag' as const, at: 0, rounds: 1, count: 1, share: 0.02 }
    assert.equal(stepCount(lag, 10), 1)
    assert.equal(stepCount(lag, 1000), 20)
    assert.equal(stepCount({ kind: 'halt', at: 0, rounds: 1 }, 1000), 0)
  })
})

describe('nicknames', () => {
  it('are letters only, distinct for the first 1024 nodes, and the same for the same seed', () => {
    const random = createRandom(5)
    const names = Array.from({ length: 1024 }, (_, i) => nicknameFor(random, i))
    for (const name of names) assert.match(name, NICKNAME_PATTERN)
    assert.equal(new Set(names).size, 1024)
    assert.equal(nicknameFor(createRandom(5), 17), names[17])
  })
})
