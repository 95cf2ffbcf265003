import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeFeedLine } from '../protocol/index.ts'
import { ManualClock } from '../testing/clock.ts'
import { forkService, PANEL_MOVES_SEND_MS } from './fork-service.ts'
import { RelayMetrics } from './metrics.ts'
import { NodeRegistry } from './registry.ts'
import type { ForksMessage } from '../protocol/index.ts'

const NODES = 20
const peer = (k: number): string => `12D3KooWPanelRate${k}`.padEnd(52, 'x')

/** A fork service on a manual clock, its published panels kept with the time they went out. */
function setUp (): { clock: ManualClock, registry: NodeRegistry, sent: Array<{ at: number, message: ForksMessage }>, stop: () => void } {
  const clock = new ManualClock(1_000_000)
  const registry = new NodeRegistry()
  const sent: Array<{ at: number, message: ForksMessage }> = []
  const service = forkService({ clock })({
    registry,
    metrics: new RelayMetrics(),
    publish: (key, bytes) => {
      if (key === 'forks') sent.push({ at: clock.now(), message: decodeFeedLine(new TextDecoder().decode(bytes).trimEnd()) as ForksMessage })
    }
  })
  service.start()
  // every node on height 1, and what that sent forgotten
  for (let k = 0; k < NODES; k++) beat(registry, clock, k, 1)
  clock.advance(1_000)
  sent.length = 0
  return { clock, registry, sent, stop: () => { service.stop() } }
}

function beat (registry: NodeRegistry, clock: ManualClock, k: number, height: number): void {
  registry.heartbeat(peer(k), { head: `{ bafyrate${height} }`, height, nickname: `n${k}`, minerAddress: null, genesisCid: null }, clock.now())
}

const onRound = (message: ForksMessage | undefined, height: number): number =>
  message?.networks[0]?.columns.find(c => c.height === height)?.rounds[0]?.nodes.length ?? -1

describe('the fork panel on the feed', () => {
  it('sends nodes moving between the rounds shown at most once a second, a new round at once, and the last move in the end', () => {
    const { clock, registry, sent, stop } = setUp()
    try {
      // a new head: node 0 first, the others one every 100 ms after it
      beat(registry, clock, 0, 2)
      clock.advance(250)
      const first = sent.length
      assert.ok(first >= 1, 'the new round goes out at the evaluation after it')
      assert.equal(onRound(sent.at(-1)?.message, 2), 1)
      for (let k = 1; k < NODES; k++) {
        clock.advance(100)
        beat(registry, clock, k, 2)
      }
      // every node beats on (a node silent past its stale bound is not counted)
      for (let t = 0; t < PANEL_MOVES_SEND_MS + 500; t += 250) {
        clock.advance(250)
        for (let k = 0; k < NODES; k++) beat(registry, clock, k, 2)
      }
      const moves = sent.slice(first)
      // 19 moves over 1.9 s, each seen by an evaluation 4 times a second: sent at most once a
      // second (and once after), not at each evaluation
      for (let k = 1; k < moves.length; k++) assert.ok((moves[k]?.at ?? 0) - (moves[k - 1]?.at ?? 0) >= PANEL_MOVES_SEND_MS, `${moves.map(m => m.at).join(', ')}`)
      assert.ok(moves.length >= 1 && moves.length <= 3, `${moves.length} panels for the moves`)
      assert.equal(onRound(sent.at(-1)?.message, 2), NODES, 'the panel ends with every node on the new round')
      assert.equal(onRound(sent.at(-1)?.message, 1), 0)
      // a new head goes out at once, though a panel went out less than a second before: node 0
      // moves on to height 3 just after a panel of moves went out
      const heights = Array.from({ length: NODES }, () => 2)
      heights[5] = 1
      beat(registry, clock, 5, 1) // a node back on the old head: a move
      let sentBefore = sent.length
      while (sent.length === sentBefore) {
        clock.advance(250)
        for (let k = 0; k < NODES; k++) beat(registry, clock, k, heights[k] ?? 2)
      }
      const movedAt = sent.at(-1)?.at ?? 0
      assert.equal(onRound(sent.at(-1)?.message, 1), 1)
      heights[0] = 3
      beat(registry, clock, 0, 3)
      sentBefore = sent.length
      clock.advance(250)
      assert.equal(sent.length, sentBefore + 1, 'the new round went out at the next evaluation')
      assert.ok((sent.at(-1)?.at ?? 0) - movedAt < PANEL_MOVES_SEND_MS)
      assert.equal(onRound(sent.at(-1)?.message, 3), 1)
    } finally {
      stop()
    }
  })

  it('with rounds faster than a second, still sends the nodes that follow a new round onto it', () => {
    const { clock, registry, sent, stop } = setUp()
    try {
      // a block every 600 ms: node 0 has it first, the others 100 and 300 ms later. A panel
      // goes out at once for each new round, showing node 0 alone on it
      for (let height = 2; height < 14; height++) {
        beat(registry, clock, 0, height)
        clock.advance(100)
        for (let k = 1; k < NODES / 2; k++) beat(registry, clock, k, height)
        clock.advance(200)
        for (let k = NODES / 2; k < NODES; k++) beat(registry, clock, k, height)
        clock.advance(300)
      }
      const full = sent.filter(({ message }) => {
        const columns = message.networks[0]?.columns ?? []
        const top = columns.at(-1)
        return top !== undefined && onRound(message, top.height) === NODES
      })
      assert.ok(full.length >= 3, `${full.length} of ${sent.length} panels showed every node on the newest round`)
    } finally {
      stop()
    }
  })
})

