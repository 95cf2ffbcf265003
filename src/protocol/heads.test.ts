import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compareHeads, groupRounds, headBlocks, sameRound } from './heads.ts'

const A = 'bafyreia'
const B = 'bafyreib'
const C = 'bafyreic'
const D = 'bafyreid'

describe('head analysis', () => {
  it('reads the blocks of a tipset key in either spelling, and a hash as one block', () => {
    assert.deepEqual(headBlocks(`{ ${A} ${B} }`), [A, B])
    assert.deepEqual(headBlocks(`{${A},${B}}`), [A, B], 'Lotus prints keys this way')
    assert.deepEqual(headBlocks('{ }'), [])
    assert.deepEqual(headBlocks(''), [])
    assert.deepEqual(headBlocks('0xabc'), ['0xabc'])
    assert.deepEqual(headBlocks(`{ ${A} ${A} }`), [A])
  })

  it('tells a round seen in part from two rounds', () => {
    assert.equal(compareHeads(`{ ${A} ${B} ${C} }`, `{ ${A} ${B} ${C} }`), 'same')
    assert.equal(compareHeads(`{ ${A} ${B} }`, `{${A},${B}}`), 'same', 'spelling does not matter')
    assert.equal(compareHeads(`{ ${A} ${B} ${C} }`, `{ ${A} ${B} }`), 'partial', '2 of the round\'s 3 blocks')
    assert.equal(compareHeads(`{ ${A} ${B} }`, `{ ${B} ${C} }`), 'partial', 'each saw a different part')
    assert.equal(compareHeads(`{ ${A} ${B} }`, `{ ${C} ${D} }`), 'disjoint')
    assert.equal(compareHeads('0x01', '0x02'), 'disjoint', 'two Ethereum blocks at one height')
    assert.equal(compareHeads('{ }', `{ ${A} }`), 'unknown')
    assert.equal(compareHeads('{ }', '{ }'), 'unknown')
    assert.equal(sameRound(`{ ${A} ${B} ${C} }`, `{ ${B} }`), true)
    assert.equal(sameRound(`{ ${A} }`, `{ ${B} }`), false)
    assert.equal(sameRound('{ }', '{ }'), false)
  })

  it('groups the heads at one height into rounds, joined through shared blocks', () => {
    assert.deepEqual(groupRounds([`{ ${A} ${B} ${C} }`, `{ ${A} ${B} }`, `{ ${D} }`, `{ ${C} }`]), [
      [`{ ${A} ${B} ${C} }`, `{ ${A} ${B} }`, `{ ${C} }`],
      [`{ ${D} }`]
    ])
    // {a} and {c} are apart until {a b c} joins them
    assert.deepEqual(groupRounds([`{ ${A} }`, `{ ${C} }`, `{ ${D} }`, `{ ${A} ${B} ${C} }`]), [
      [`{ ${A} }`, `{ ${C} }`, `{ ${A} ${B} ${C} }`],
      [`{ ${D} }`]
    ])
    assert.deepEqual(groupRounds(['0x1', '0x2', '0x1']), [['0x1'], ['0x2']])
    assert.deepEqual(groupRounds(['{ }', '{ }']), [['{ }']])
    assert.deepEqual(groupRounds([]), [])
  })
})
