import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeFeedLine } from './feed.ts'
import { encodeForksLine, encodePropagationLine } from './forks.ts'
import type { ForksMessage, NetworkPanel, PanelRound } from './forks.ts'

function round (id: number, nodes: number[]): PanelRound {
  return { id, head: `{ head${id} }`, blocks: 1, views: 1, nodes, partial: 0, seen: nodes.length, parent: null, branch: 0, at: 1_000 }
}

function panel (rounds: PanelRound[]): NetworkPanel {
  return {
    genesis: null,
    main: true,
    nodes: rounds.reduce((sum, r) => sum + r.nodes.length, 0),
    tracked: true,
    blockTimeMs: 4_000,
    columns: rounds.map((r, k) => ({ height: k + 1, rounds: [r], more: 0 })),
    branches: [{ tip: rounds.at(-1)?.id ?? 0, height: rounds.length, nodes: 1_000, largest: true, splitHeight: null, since: null, forked: false }],
    fork: null,
    divergingSince: null,
    propagation: { blocks: 0, counts: [0, 0, 0, 0, 0, 0, 0, 0, 0] }
  }
}

/** The line as the relay sends it, and as the page reads it back. */
function roundTrip (networks: NetworkPanel[]): { wire: { networks: Array<{ columns: Array<{ rounds: Array<{ nodes: unknown }> }> }> }, read: ForksMessage, chars: number } {
  const { line } = encodeForksLine(5_000, networks)
  assert.ok(line.endsWith('\n'))
  const read = decodeFeedLine(line.slice(0, -1))
  assert.equal(read.t, 'forks')
  return { wire: JSON.parse(line), read: read as ForksMessage, chars: line.length }
}

function roundOf (message: ForksMessage, k: number): PanelRound | undefined {
  return message.networks[0]?.columns[k]?.rounds[0]
}

describe('the forks message on the feed', () => {
  it('carries a round of many nodes as a set of bits, read back as the same ids in order', () => {
    // 1,000 nodes split unevenly over two rounds, as while a new head spreads
    const behind: number[] = []
    const ahead: number[] = []
    for (let i = 0; i < 1_000; i++) (i % 7 === 3 ? behind : ahead).push(i)
    const { wire, read, chars } = roundTrip([panel([round(1, behind), round(2, ahead)])])
    assert.equal(typeof wire.networks[0]?.columns[1]?.rounds[0]?.nodes, 'string')
    assert.deepEqual(roundOf(read, 0)?.nodes, behind)
    assert.deepEqual(roundOf(read, 1)?.nodes, ahead)
    // 1,000 ids as lists are ~3.9 kB; as two sets of 1,000 bits, ~340 characters
    assert.ok(chars < 1_000, `${chars} characters`)
  })

  it('keeps a list where it is shorter: few nodes, or high ids far apart', () => {
    const { wire, read } = roundTrip([panel([round(1, [3, 5]), round(2, [0, 1, 2, 4, 6, 7, 8, 9]), round(3, [12, 5_000, 9_999, 19_000, 19_001, 19_002, 19_003, 19_004])])])
    const rounds = wire.networks[0]?.columns.map(c => c.rounds[0]?.nodes)
    assert.deepEqual(rounds?.[0], [3, 5])
    assert.equal(typeof rounds?.[1], 'string') // eight low ids: one byte
    assert.ok(Array.isArray(rounds?.[2]))
    assert.deepEqual(roundOf(read, 1)?.nodes, [0, 1, 2, 4, 6, 7, 8, 9])
    assert.deepEqual(roundOf(read, 2)?.nodes, [12, 5_000, 9_999, 19_000, 19_001, 19_002, 19_003, 19_004])
  })

  it('gives the same networks text for the same panel, whatever the moment (the relay sends a panel only when it changed)', () => {
    const networks = [panel([round(1, Array.from({ length: 300 }, (_, i) => i * 2))])]
    assert.equal(encodeForksLine(1, networks).networks, encodeForksLine(2, networks).networks)
    assert.notEqual(encodeForksLine(1, networks).networks, encodeForksLine(1, [panel([round(1, Array.from({ length: 300 }, (_, i) => i * 2 + 1))])]).networks)
  })

  it('refuses a set that is not base64 or longer than the most nodes a panel lists', () => {
    const line = (nodes: unknown): string => {
      const { line } = encodeForksLine(5_000, [panel([round(1, [1, 2])])])
      const message = JSON.parse(line)
      message.networks[0].columns[0].rounds[0].nodes = nodes
      return JSON.stringify(message)
    }
    for (const bad of ['AB$=', 'ABC', 'A===', '=AAA', 'AB C', 'AAAAA', 'AA=A', 'A'.repeat(4 * 2_000)]) {
      assert.throws(() => decodeFeedLine(line(bad)), (err: Error) => err.name === 'InvalidFeedMessageError', JSON.stringify(bad.slice(0, 12)))
    }
    // an empty set is no nodes; padding is read
    assert.deepEqual(roundOf(decodeFeedLine(line('')) as ForksMessage, 0)?.nodes, [])
    assert.deepEqual(roundOf(decodeFeedLine(line('BgE=')) as ForksMessage, 0)?.nodes, [1, 2, 8])
  })
})

describe('the prop message on the feed', () => {
  it('carries the ids as a set and the medians beside them, read back as [i, ms] pairs', () => {
    const medians: Array<[number, number]> = Array.from({ length: 1_000 }, (_, i) => [i, (i * 37) % 4_000])
    const { line } = encodePropagationLine(7_000, medians)
    const wire = JSON.parse(line)
    assert.equal(typeof wire.ids, 'string')
    const read = decodeFeedLine(line.slice(0, -1))
    assert.deepEqual(read, { t: 'prop', at: 7_000, medians })
    // [i, ms] pairs for 1,000 nodes were ~10.5 kB
    assert.ok(line.length < 5_000, `${line.length} characters`)
    assert.deepEqual(decodeFeedLine(encodePropagationLine(1, [[4, 120], [90, 2_000]]).line.slice(0, -1)), { t: 'prop', at: 1, medians: [[4, 120], [90, 2_000]] })
  })

  it('refuses medians that do not pair with the ids', () => {
    assert.throws(() => decodeFeedLine('{"t":"prop","at":1,"ids":[1,2],"ms":[5]}'), (err: Error) => err.name === 'InvalidFeedMessageError')
    assert.throws(() => decodeFeedLine('{"t":"prop","at":1,"ids":[1],"ms":[-5]}'), (err: Error) => err.name === 'InvalidFeedMessageError')
  })
})
