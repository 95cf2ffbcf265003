// The relay's fork monitor over simulated devnets, end to end in Node: the simulator's nodes
// beat to a real relay, and what the monitor decides is read where a dashboard reads it (the
// feed's `forks` messages) and in /api/forks and /metrics. A fork is called and ended; a round
// seen in part and a node on another genesis are never called forks.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { FeedClient } from '../testing/feed-client.ts'
import { getJson, getMetric } from '../testing/http.ts'
import { createPeer } from '../testing/peers.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import { createSimulation } from './simulation.ts'
import type { ForkRecord, NetworkPanel } from '../protocol/index.ts'
import type { TestRelay } from '../testing/test-relay.ts'
import type { Simulation, SimulationInit } from './simulation.ts'
import type { SimulationEvent } from './trouble.ts'
import type { Libp2p } from '@libp2p/interface'

const FAST = { blockTime: '300ms', beatPeriod: '100ms', reconnectPeriod: '200ms', dialStaggerMs: 5 } satisfies Partial<SimulationInit>

describe('the relay\'s fork monitor over a simulated devnet', () => {
  let relay: TestRelay | undefined
  let viewer: Libp2p | undefined
  let simulation: Simulation | undefined
  let feed: FeedClient | undefined

  before(async () => { viewer = await createPeer() })
  after(async () => { await viewer?.stop() })

  async function start (scenario: string, nodes: number, seed: number): Promise<{ events: SimulationEvent[], feed: FeedClient, relay: TestRelay }> {
    relay = await startTestRelay()
    const events: SimulationEvent[] = []
    const target = relay.nodeAddrs.find(addr => !addr.includes('/ws')) ?? ''
    simulation = createSimulation({ ...FAST, target, nodes, scenario, seed, onEvent: event => { events.push(event) } })
    feed = await FeedClient.open(viewer as Libp2p, relay.browserAddrs[0] ?? '')
    await simulation.start()
    return { events, feed, relay }
  }

  async function stop (): Promise<void> {
    await simulation?.stop()
    feed?.stream.abort(new Error('test over'))
    await relay?.destroy()
  }

  /** Every panel the feed carried, for the main network. */
  function mainPanels (client: FeedClient): NetworkPanel[] {
    return client.messages.flatMap(message => message.t === 'forks' ? message.networks.filter(network => network.main) : [])
  }

  it('calls the fork scenario\'s branch a fork, with its sides, then ends it at the reorg', async () => {
    try {
      const { events, feed, relay } = await start('fork', 10, 61)
      const begun = await waitFor('the fork to begin', () => events.find(event => event.kind === 'fork' && event.phase === 'begin'), 20_000)
      const forked = new Set(begun.nodes.map(node => node.peerId))
      const open = await waitFor('the panel to show the fork', () => mainPanels(feed).find(panel => panel.fork !== null), 10_000)
      assert.equal(open.branches.filter(branch => branch.forked).length, 2)
      assert.equal(open.branches[0]?.largest, true)
      const minority = open.columns.flatMap(column => column.rounds).filter(round => round.branch === 1 && round.nodes.length > 0)
      const minorityPeers = new Set(minority.flatMap(round => round.nodes).map(i => feed.nodes.get(i)?.peerId))
      assert.deepEqual([...minorityPeers].sort(), [...forked].sort(), 'the loud branch holds exactly the nodes the simulator forked')
      await waitFor('the reorg', () => events.find(event => event.kind === 'fork' && event.phase === 'end'), 20_000)
      await waitFor('the panel to show no fork', () => feed.forks?.networks.find(network => network.main)?.fork === null ? true : undefined, 10_000)
      const log = await waitFor('the fork log', async () => {
        const forks = await getJson<ForkRecord[]>(`${relay.httpUrl}/api/forks`)
        return forks.find(fork => fork.endedAt !== null)
      }, 10_000)
      assert.equal(log.sides.length, 2)
      assert.deepEqual(new Set(log.sides[1]?.nodes.map(node => node.peerId)), forked, 'the minority side, by peer ID')
      assert.equal(log.sides[0]?.nodeCount, 10 - forked.size)
      assert.ok((log.durationMs ?? 0) > 0 && log.depth >= 1, `duration ${log.durationMs} ms, depth ${log.depth}`)
      assert.ok(await getMetric(relay.httpUrl, 'devnet_forks_total') >= 1)
    } finally {
      await stop()
    }
  })

  it('never calls a round seen in part a fork', async () => {
    try {
      const { events, feed } = await start('partial', 10, 62)
      await waitFor('the partial rounds to begin', () => events.find(event => event.kind === 'partial' && event.phase === 'begin'), 20_000)
      await waitFor('them to end', () => events.find(event => event.kind === 'partial' && event.phase === 'end'), 20_000)
      const panels = mainPanels(feed)
      assert.ok(panels.some(panel => panel.columns.some(column => column.rounds.some(round => round.partial > 0 && round.views > 1))), 'the panel shows rounds seen in part')
      assert.deepEqual(panels.filter(panel => panel.fork !== null), [], 'and no fork')
    } finally {
      await stop()
    }
  })

  it('shows a node on another genesis as another network, never a fork', async () => {
    try {
      const { events, feed } = await start('genesis', 6, 63)
      const begun = await waitFor('a node on another genesis', () => events.find(event => event.kind === 'genesis' && event.phase === 'begin'), 20_000)
      const other = await waitFor('another network in the panel', () => feed.forks?.networks.find(network => !network.main && network.nodes === 1), 10_000)
      const i = [...feed.nodes].find(([, node]) => node.peerId === begun.nodes[0]?.peerId)?.[0]
      assert.ok(other.columns.some(column => column.rounds.some(round => i !== undefined && round.nodes.includes(i))), 'the node is in the other network\'s panel')
      await waitFor('it to come back', () => events.find(event => event.kind === 'genesis' && event.phase === 'end'), 20_000)
      assert.deepEqual(feed.messages.flatMap(message => message.t === 'forks' ? message.networks.filter(network => network.fork !== null) : []), [], 'no fork in any network')
    } finally {
      await stop()
    }
  })
})
