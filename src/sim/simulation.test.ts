// The simulator against the real relay: nodes dial it over TCP, beat through HeartbeatService,
// and everything is checked where a dashboard would see it (the feed) and in /api/nodes.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { FeedClient } from '../testing/feed-client.ts'
import { createPeer } from '../testing/peers.ts'
import { getJson } from '../testing/http.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import { NICKNAME_PATTERN } from './nicknames.ts'
import { createSimulation } from './simulation.ts'
import { TestTarget } from '../testing/heartbeat-target.ts'
import { compareHeads, decodeHeartbeatLine, tipsetCids } from '../protocol/index.ts'
import type { Heartbeat, NodeRecord } from '../protocol/index.ts'
import type { TestRelay } from '../testing/test-relay.ts'
import type { Simulation, SimulationInit } from './simulation.ts'
import type { SimulationEvent } from './trouble.ts'
import type { Libp2p } from '@libp2p/interface'

// fast enough that a scripted cycle takes seconds: 300 ms rounds, beats every 100 ms
// how long a scenario's step may take to show at the relay before the test gives up: a step
// takes a second or two here, but redials and handshakes beside a busy test run take longer
const STEP_MS = 60_000
const FAST = { blockTime: '300ms', beatPeriod: '100ms', reconnectPeriod: '200ms', dialStaggerMs: 5 } satisfies Partial<SimulationInit>

interface Run {
  simulation: Simulation
  events: SimulationEvent[]
  feed: FeedClient
}

describe('the simulator against a real relay', () => {
  let relay: TestRelay
  let viewer: Libp2p
  const runs: Simulation[] = []
  const feeds: FeedClient[] = []

  before(async () => {
    relay = await startTestRelay()
    viewer = await createPeer()
  })

  after(async () => {
    await Promise.all(runs.map(async run => { await run.stop() }))
    for (const feed of feeds) feed.stream.abort(new Error('test over'))
    await viewer.stop()
    await relay.destroy()
  })

  async function simulate (init: Omit<SimulationInit, 'target'>): Promise<Run> {
    const events: SimulationEvent[] = []
    const target = relay.nodeAddrs.find(addr => !addr.includes('/ws')) ?? ''
    const simulation = createSimulation({ ...FAST, ...init, target, onEvent: event => { events.push(event) } })
    runs.push(simulation)
    const feed = await FeedClient.open(viewer, relay.browserAddrs[0] ?? '')
    feeds.push(feed)
    await simulation.start()
    return { simulation, events, feed }
  }

  async function stop (run: Run): Promise<void> {
    await run.simulation.stop()
    run.feed.stream.abort(new Error('test over'))
  }

  function eventOf (events: SimulationEvent[], kind: SimulationEvent['kind'], phase: SimulationEvent['phase'], test: (event: SimulationEvent) => boolean = () => true): SimulationEvent | undefined {
    return events.find(event => event.kind === kind && event.phase === phase && test(event))
  }

  it('N simulated nodes appear in the feed and in /api/nodes, beating go-filecoin heartbeats', async () => {
    const n = 30
    const run = await simulate({ nodes: n, scenario: 'steady', seed: 11 })
    const peerIds = (): string[] => run.simulation.nodes().map(node => node.peerId)
    await waitFor(`${n} nodes to have peer IDs`, () => peerIds().filter(id => id !== '').length === n)
    const mine = new Set(peerIds())
    await waitFor(`all ${n} simulated nodes connected and past genesis in the feed`, () => {
      const seen = [...run.feed.nodes.values()].filter(node => mine.has(node.peerId) && node.connected && node.height > 0)
      return seen.length === n
    }, 20_000)
    const api = await getJson<NodeRecord[]>(`${relay.httpUrl}/api/nodes`)
    const ours = api.filter(node => mine.has(node.peerId))
    assert.equal(ours.length, n, 'every simulated node is in /api/nodes')
    const byPeer = new Map(run.simulation.nodes().map(node => [node.peerId, node.nickname]))
    for (const node of ours) {
      assert.equal(node.connected, true)
      assert.equal(node.nickname, byPeer.get(node.peerId))
      assert.match(node.nickname, NICKNAME_PATTERN)
      assert.match(node.head, /^\{ (bafy[a-z2-7]+ )+\}$/)
      assert.ok(node.minerAddress === null || /^t0\d+$/.test(node.minerAddress), `miner ${String(node.minerAddress)}`)
      assert.match(node.genesisCid ?? '', /^bafy/)
    }
    assert.ok(ours.some(node => node.minerAddress === null), 'some nodes run no miner')
    assert.ok(ours.some(node => node.minerAddress !== null), 'most nodes run a miner')
    assert.equal(new Set(ours.map(node => node.genesisCid)).size, 1, 'one chain, one genesis')
    // one shared chain: the heights move on for everyone
    const height = Math.max(...ours.map(node => node.height))
    await waitFor('the chain to move on past ' + height, () => [...run.feed.nodes.values()].filter(node => mine.has(node.peerId) && node.height > height).length === n, 10_000)
    assert.equal(run.simulation.stats().connected, n)
    await stop(run)
    await waitFor('every node to show as disconnected after stop()', () =>
      [...run.feed.nodes.values()].filter(node => mine.has(node.peerId) && node.connected).length === 0 || run.feed.stream.status !== 'open', 10_000)
  })

  it('beats carry each head\'s parent as ParentHead: the tipset before it on the chain', async () => {
    const target = new TestTarget()
    await target.start()
    const simulation = createSimulation({ ...FAST, nodes: 3, scenario: 'steady', seed: 13, target: target.address })
    runs.push(simulation)
    await simulation.start()
    const beats = (): Heartbeat[] => target.lines.map(line => decodeHeartbeatLine(line.trimEnd()))
    try {
      await waitFor('beats up to height 4', () => beats().some(hb => hb.height >= 4), STEP_MS)
      const headsAt = new Map<number, Set<string>>()
      for (const hb of beats()) headsAt.set(hb.height, (headsAt.get(hb.height) ?? new Set()).add(hb.head))
      let checked = 0
      for (const hb of beats()) {
        if (hb.height === 0) {
          assert.equal(hb.extra?.parentHead, undefined, 'genesis has no parent')
          continue
        }
        const below = headsAt.get(hb.height - 1)
        if (below === undefined) continue
        assert.ok(hb.extra?.parentHead !== undefined && below.has(hb.extra.parentHead), `the parent of ${hb.head} at ${hb.height} is a head beaten at ${hb.height - 1}`)
        checked++
      }
      assert.ok(checked > 0)
    } finally {
      await simulation.stop()
      await target.stop()
    }
  })

  it('fork scenario: two heads at one height, then a reorg to one', async () => {
    const run = await simulate({ nodes: 6, scenario: 'fork', seed: 21 })
    const begun = await waitFor('the fork to begin', () => eventOf(run.events, 'fork', 'begin'), STEP_MS)
    assert.equal(begun.nodes.length, 2, '30% of 6 nodes fork')
    const forked = new Set(begun.nodes.map(node => node.peerId))
    // heads per height, from every heartbeat the feed carried
    const headsAt = (): Map<number, Set<string>> => {
      const map = new Map<number, Set<string>>()
      for (const message of run.feed.messages) {
        if (message.t !== 'hb') continue
        const heads = map.get(message.height) ?? new Set<string>()
        heads.add(message.head)
        map.set(message.height, heads)
      }
      return map
    }
    const forkHeight = await waitFor('two heads at one height in the feed', () => {
      for (const [height, heads] of headsAt()) if (height > begun.height && heads.size === 2) return height
      return undefined
    }, STEP_MS)
    const ended = await waitFor('the reorg', () => eventOf(run.events, 'fork', 'end'), STEP_MS)
    assert.ok(forkHeight <= ended.height)
    // after the reorg, every node that beats at a new height reports the same head
    await waitFor('all nodes, forked ones included, on the main branch past the reorg', () => {
      const records = [...run.feed.nodes.values()].filter(node => run.simulation.nodes().some(n => n.peerId === node.peerId))
      const past = records.filter(node => node.height > ended.height + 1)
      return past.length === 6 && past.some(node => forked.has(node.peerId)) ? true : undefined
    }, STEP_MS)
    const later = [...headsAt()].filter(([height]) => height > ended.height + 1 && height < ended.height + 4)
    assert.ok(later.length > 0)
    for (const [height, heads] of later) assert.equal(heads.size, 1, `one head at height ${height} after the reorg`)
    await stop(run)
  })

  it('partial scenario: some nodes hold 2 of a round\'s 3 blocks, which share blocks with the whole round', async () => {
    const run = await simulate({ nodes: 6, scenario: 'partial', seed: 23 })
    const begun = await waitFor('the partial rounds to begin', () => eventOf(run.events, 'partial', 'begin'), STEP_MS)
    assert.equal(begun.nodes.length, 2, '30% of 6 nodes see rounds in part')
    const partial = new Set(begun.nodes.map(node => node.peerId))
    // per height, the heads the partial nodes and the others reported
    const seen = (): Array<{ height: number, part: string, whole: string }> => {
      const byHeight = new Map<number, { part?: string, whole?: string }>()
      for (const message of run.feed.messages) {
        if (message.t !== 'hb' || message.height <= begun.height + 1) continue
        const peerId = run.feed.nodes.get(message.i)?.peerId
        const entry = byHeight.get(message.height) ?? {}
        if (peerId != null && partial.has(peerId)) entry.part = message.head
        else entry.whole = message.head
        byHeight.set(message.height, entry)
      }
      return [...byHeight].flatMap(([height, { part, whole }]) => part != null && whole != null ? [{ height, part, whole }] : [])
    }
    const pairs = await waitFor('a height where a partial node and a whole one both beat', () => {
      const found = seen()
      return found.length >= 2 ? found : undefined
    }, STEP_MS)
    for (const { height, part, whole } of pairs) {
      assert.equal(compareHeads(part, whole), 'partial', `height ${height}: ${part} is part of ${whole}`)
      assert.equal(tipsetCids(whole).length, 3)
      assert.equal(tipsetCids(part).length, 2)
    }
    await stop(run)
  })

  it('genesis scenario: a node reports another genesis and another chain at the same heights, then comes back', async () => {
    const run = await simulate({ nodes: 4, scenario: 'genesis', seed: 27 })
    const begun = await waitFor('a node to move to another genesis', () => eventOf(run.events, 'genesis', 'begin'), STEP_MS)
    const moved = begun.nodes[0]?.peerId ?? ''
    const others = (): NodeRecord[] => [...run.feed.nodes.values()].filter(node => node.peerId !== moved && run.simulation.nodes().some(n => n.peerId === node.peerId))
    const main = others()[0]?.genesisCid
    assert.match(main ?? '', /^bafy/)
    const away = await waitFor('the node to report another genesis at the devnet\'s heights', () => {
      const node = run.feed.byPeer(moved)
      const best = Math.max(...others().map(other => other.height))
      return node != null && node.genesisCid !== main && node.genesisCid !== null && node.height >= best - 2 ? node : undefined
    }, STEP_MS)
    assert.equal(compareHeads(away.head, others()[0]?.head ?? ''), 'disjoint', 'its chain has none of the devnet\'s blocks')
    await waitFor('the step to end', () => eventOf(run.events, 'genesis', 'end'), STEP_MS)
    await waitFor('the node back on the devnet\'s genesis', () => run.feed.byPeer(moved)?.genesisCid === main, STEP_MS)
    await stop(run)
  })

  it('restart scenario: a restarted node keeps its peer ID when the scenario says so, and gets a new one when not', async () => {
    const run = await simulate({ nodes: 4, scenario: 'restart', seed: 31 })
    const begun = await waitFor('a restart keeping the peer ID', () => eventOf(run.events, 'restart', 'begin', event => event.step?.keepPeerId === true), STEP_MS)
    const peerId = begun.nodes[0]?.peerId ?? ''
    await waitFor('the relay to see the node go', () => run.feed.byPeer(peerId)?.connected === false)
    const back = await waitFor('the node to come back', () => eventOf(run.events, 'restart', 'end', event => event.step?.keepPeerId === true), STEP_MS)
    assert.equal(back.nodes[0]?.peerId, peerId, 'same peer ID after the restart')
    assert.equal(back.nodes[0]?.previousPeerId, undefined)
    const at = Date.now()
    await waitFor('the same peer ID connected and beating again', () => {
      const node = run.feed.byPeer(peerId)
      return node?.connected === true && (node.lastHeartbeatAt ?? 0) >= at
    }, STEP_MS)

    const renewed = await waitFor('a restart with a new peer ID', () => eventOf(run.events, 'restart', 'end', event => event.step?.keepPeerId === false), STEP_MS)
    const fresh = renewed.nodes[0]
    assert.ok(fresh?.previousPeerId != null && fresh.previousPeerId !== fresh.peerId, 'a new peer ID')
    await waitFor('the new peer ID beating', () => run.feed.byPeer(fresh.peerId)?.connected === true, STEP_MS)
    assert.equal(run.feed.byPeer(fresh.previousPeerId)?.connected, false, 'the old peer ID shows as gone')
    const api = await getJson<NodeRecord[]>(`${relay.httpUrl}/api/nodes`)
    assert.equal(api.find(node => node.peerId === peerId)?.connected, true)
    await stop(run)
  })

  it('stall scenario: the node stops beating but stays connected, then beats again', async () => {
    const run = await simulate({ nodes: 3, scenario: 'stall', seed: 41 })
    const begun = await waitFor('a stall', () => eventOf(run.events, 'stall', 'begin'), STEP_MS)
    const stalled = begun.nodes[0]?.peerId ?? ''
    const other = run.simulation.nodes().find(node => node.peerId !== stalled)?.peerId ?? ''
    const beatsOf = (peerId: string, since: number): number => {
      const i = [...run.feed.nodes].find(([, node]) => node.peerId === peerId)?.[0]
      return run.feed.messages.slice(since).filter(message => message.t === 'hb' && message.i === i).length
    }
    // one beat may already be in flight when the stall begins
    const mark = run.feed.messages.length
    await waitFor('another node to beat 10 times', () => beatsOf(other, mark) >= 10)
    assert.ok(beatsOf(stalled, mark) <= 1, 'the stalled node sends nothing')
    assert.equal(run.feed.byPeer(stalled)?.connected, true, 'its connection stays open')
    await waitFor('the stall to end', () => eventOf(run.events, 'stall', 'end'), STEP_MS)
    const resumed = run.feed.messages.length
    await waitFor('the stalled node to beat again', () => beatsOf(stalled, resumed) >= 1, STEP_MS)
    await stop(run)
  })

  it('leave scenario: the node is gone for good and a new one joins', async () => {
    const run = await simulate({ nodes: 3, scenario: 'leave', seed: 51 })
    const left = await waitFor('a node to leave', () => eventOf(run.events, 'leave', 'begin'), STEP_MS)
    const gone = left.nodes[0]?.peerId ?? ''
    await waitFor('the relay to see it go', () => run.feed.byPeer(gone)?.connected === false)
    const joined = await waitFor('a node to join', () => eventOf(run.events, 'join', 'begin'), STEP_MS)
    const fresh = joined.nodes[0]?.peerId ?? ''
    assert.notEqual(fresh, gone)
    await waitFor('the new node beating', () => run.feed.byPeer(fresh)?.connected === true, STEP_MS)
    assert.equal(run.feed.byPeer(gone)?.connected, false, 'the one that left never returns')
    assert.ok(!run.simulation.nodes().some(node => node.peerId === gone))
    await stop(run)
  })
})

describe('a simulation replayed from its seed', () => {
  it('has the same nicknames and peer IDs for the same seed, others for another', async () => {
    // nothing listens here and the first dial is a ReconnectPeriod away: identities only
    const target = '/ip4/127.0.0.1/tcp/9/p2p/12D3KooWGzBa1EGMzXTFGYc5ec6yEmEgnuqGbNb3mZGxhzYSqUnV'
    const identities = async (seed: number): Promise<string[]> => {
      const simulation = createSimulation({ target, nodes: 3, seed, scenario: 'steady', reconnectPeriod: '1h', dialStaggerMs: 0 })
      await simulation.start()
      try {
        await waitFor('3 peer IDs', () => simulation.nodes().every(node => node.peerId !== '') && simulation.nodes().length === 3)
        return simulation.nodes().map(node => `${node.nickname} ${node.peerId}`)
      } finally {
        await simulation.stop()
      }
    }
    const first = await identities(5)
    assert.deepEqual(await identities(5), first)
    assert.notDeepEqual(await identities(6), first)
    assert.equal(new Set(first.map(line => line.split(' ')[1])).size, 3, 'each node has its own peer ID')
  })

  it('refuses bad settings with named errors', () => {
    const target = '/ip4/127.0.0.1/tcp/9/p2p/12D3KooWGzBa1EGMzXTFGYc5ec6yEmEgnuqGbNb3mZGxhzYSqUnV'
    assert.throws(() => createSimulation({ target: '/ip4/127.0.0.1/tcp/9', nodes: 1 }), { name: 'InvalidTargetError' })
    assert.throws(() => createSimulation({ target, nodes: -1 }), { name: 'InvalidSimulationError' })
    assert.throws(() => createSimulation({ target, nodes: 1, scenario: 'chaos' }), { name: 'UnknownScenarioError' })
    assert.throws(() => createSimulation({ target, nodes: 1, blockTime: '4' }), { name: 'InvalidSimulationError', message: /missing unit/ })
    assert.throws(() => createSimulation({ target, nodes: 1, beatPeriod: '0s' }), { name: 'InvalidSimulationError', message: /BeatPeriod must be positive/ })
  })
})
