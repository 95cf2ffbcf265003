// The simulated devnet: N real libp2p nodes (own key, own TCP connection, noise, yamux) that
// beat to a relay through HeartbeatService over one shared simulated chain, with scripted
// trouble from a scenario. Every node's timers live on one SharedClock (one real timer), and
// a node holds no tipsets: its head is computed from the chain when it beats.
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { lightLogger } from '../p2p/logger.ts'
import { devnetYamux } from '../p2p/muxer.ts'
import { parseTarget } from '../p2p/addresses.ts'
import { FORK_BRANCH, MAIN_BRANCH, SimChain } from './chain.ts'
import {
  DEFAULT_BEAT_PERIOD, DEFAULT_RECONNECT_PERIOD, defaultHeartbeatLog, HeartbeatService, parsePeriod, SharedClock,
  withGenesisGetter, withMinerAddressGetter
} from '../sender/index.ts'
import { nicknameFor } from './nicknames.ts'
import { createRandom } from './random.ts'
import { createSimulationLog } from './sim-log.ts'
import { DEFAULT_SCENARIO, getScenario, stepCount } from './scenario.ts'
import type { Tipset } from './chain.ts'
import type { ClockTimer, HeartbeatLogSink, TipsetInfo } from '../sender/index.ts'
import type { Scenario, ScenarioStep, TroubleKind } from './scenario.ts'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

const log = logger('devnet:sim')

// "a few seconds": between go-filecoin devnets' 30 s and a demo that never seems to move
export const DEFAULT_BLOCK_TIME = '4s'
// 1,000 nodes dial over ~10 s instead of at once (noise handshakes cost the relay CPU)
export const DEFAULT_DIAL_STAGGER_MS = 10
// A share of nodes follow the chain late by one or two blocks, so "behind" is always visible
const SLOW_NODE_SHARE = 0.1
// Share of nodes that run a miner (t0…); the rest send go-filecoin's zero address
const MINER_SHARE = 0.8
// The first miner ID on a Filecoin devnet (t01000, t01001, …)
const FIRST_MINER_ID = 1000
// 10 000 nodes is ten times the target scale; past that a typo, not a devnet
export const MAX_SIMULATED_NODES = 10_000

export class InvalidSimulationError extends Error {
  static name = 'InvalidSimulationError'

  constructor (detail: string) {
    super(`invalid simulation: ${detail}`)
    this.name = 'InvalidSimulationError'
  }
}

export interface SimulationInit {
  /** the relay's BeatTarget: a multiaddr ending in /p2p/<peer id> */
  target: string
  /** simulated nodes; 0 runs the chain with no nodes */
  nodes: number
  /** a name from SCENARIOS; default 'demo' */
  scenario?: string
  /** replays the same chain, identities and trouble; default random (see Simulation.seed) */
  seed?: number
  /** ms or a Go duration string; default "4s" */
  blockTime?: number | string
  /** every node's BeatPeriod; default "3s" (go-filecoin's) */
  beatPeriod?: number | string
  /** every node's ReconnectPeriod; default "10s" (go-filecoin's) */
  reconnectPeriod?: number | string
  /** ms between one node's start and the next's; default 10 */
  dialStaggerMs?: number
  /** called for each scripted step as it begins and ends */
  onEvent?: (event: SimulationEvent) => void
  /** the heartbeat services' log, each line prefixed with the node's nickname, warnings and
   *  errors at most one a second (with a count of the rest); default @libp2p/logger
   *  devnet:sender:heartbeat */
  log?: HeartbeatLogSink
}

export interface SimulatedNodeInfo {
  nickname: string
  peerId: string
  /** the peer ID before a restart that changed it */
  previousPeerId?: string
}

export interface SimulationEvent {
  /** chain round (1 = the first after start) */
  round: number
  kind: TroubleKind | 'join'
  phase: 'begin' | 'end'
  nodes: SimulatedNodeInfo[]
  /** the fork branch's head, or the main head after the reorg */
  head?: string
  height: number
  step?: ScenarioStep
}

export interface SimulationStats {
  round: number
  height: number
  /** nodes that exist (not left) */
  nodes: number
  /** nodes with an open heartbeat stream */
  connected: number
  /** heartbeat lines written by all nodes */
  beats: number
}

export interface Simulation {
  readonly seed: number
  readonly scenario: Scenario
  readonly blockTimeMs: number
  /** Starts the chain and (staggered) the nodes. Resolves once scheduled, not connected. */
  start: () => Promise<void>
  /** Stops every node, timer and connection; resolves when all are closed. */
  stop: () => Promise<void>
  stats: () => SimulationStats
  /** every node that exists now, in start order */
  nodes: () => SimulatedNodeInfo[]
}

type NodeState = 'waiting' | 'starting' | 'up' | 'stalled' | 'down' | 'gone'

interface SimNode {
  index: number
  nickname: string
  minerAddress: string | null
  /** how long after a round this node adopts its tipset */
  delayMs: number
  /** bumped by a restart that changes the peer ID, so the key changes too */
  generation: number
  privateKey?: PrivateKey
  peerId: string
  branch: number
  /** set while lagging: the head it is stuck on */
  frozen?: Tipset
  trouble?: TroubleKind
  state: NodeState
  libp2p?: Libp2p
  service?: HeartbeatService
  controller?: AbortController
  running?: Promise<void>
  /** beats sent by services this node no longer has */
  beatsBefore: number
}

interface ActiveStep {
  step: ScenarioStep
  endRound: number
  nodes: SimNode[]
}

function toMs (value: number | string, what: string): number {
  try {
    return parsePeriod(value, what)
  } catch (err) {
    throw new InvalidSimulationError((err as Error).message)
  }
}

/** Builds (does not start) a simulated devnet. Throws InvalidSimulationError or InvalidTargetError. */
export function createSimulation (init: SimulationInit): Simulation {
  if (!Number.isSafeInteger(init.nodes) || init.nodes < 0 || init.nodes > MAX_SIMULATED_NODES) {
    throw new InvalidSimulationError(`nodes must be a whole number from 0 to ${MAX_SIMULATED_NODES}`)
  }
  parseTarget(init.target)
  const scenario = getScenario(init.scenario ?? DEFAULT_SCENARIO)
  const seed = init.seed ?? Math.floor(Math.random() * 2 ** 31)
  if (!Number.isSafeInteger(seed)) throw new InvalidSimulationError('seed must be a whole number')
  const blockTimeMs = toMs(init.blockTime ?? DEFAULT_BLOCK_TIME, 'block time')
  const beatPeriod = init.beatPeriod ?? DEFAULT_BEAT_PERIOD
  const reconnectPeriod = init.reconnectPeriod ?? DEFAULT_RECONNECT_PERIOD
  // checked now, so a bad period fails here and not in a thousand node starts
  toMs(beatPeriod, 'BeatPeriod')
  toMs(reconnectPeriod, 'ReconnectPeriod')
  const staggerMs = Math.max(0, init.dialStaggerMs ?? DEFAULT_DIAL_STAGGER_MS)

  const random = createRandom(seed)
  const trouble = random.fork('trouble')
  const clock = new SharedClock()
  const logFor = createSimulationLog(init.log ?? defaultHeartbeatLog, clock)
  let chain: SimChain | undefined
  const nodes: SimNode[] = []
  const active: ActiveStep[] = []
  // node starts and stops in flight, so stop() can wait for every one of them
  const inFlight = new Set<Promise<unknown>>()
  const startTimers = new Map<SimNode, ClockTimer>()
  let roundTimer: ClockTimer | undefined
  let round = 0
  let halted = false
  let started = false
  let stopped = false
  let startedAt = 0
  let nextIndex = 0

  function track<T> (promise: Promise<T>): void {
    const settled = promise.then(() => {}, err => { log.error('simulation task failed: %e', err) })
    inFlight.add(settled)
    void settled.finally(() => inFlight.delete(settled))
  }

  function emit (event: SimulationEvent): void {
    try {
      init.onEvent?.(event)
    } catch (err) {
      log.error('onEvent threw: %e', err)
    }
  }

  function info (node: SimNode, previousPeerId?: string): SimulatedNodeInfo {
    return previousPeerId != null && previousPeerId !== node.peerId
      ? { nickname: node.nickname, peerId: node.peerId, previousPeerId }
      : { nickname: node.nickname, peerId: node.peerId }
  }

  function newNode (): SimNode {
    const index = nextIndex++
    const own = random.fork(`node:${index}`)
    const slow = own.chance(SLOW_NODE_SHARE)
    return {
      index,
      nickname: nicknameFor(random, index),
      minerAddress: own.chance(MINER_SHARE) ? `t0${FIRST_MINER_ID + index}` : null,
      delayMs: slow ? own.int(blockTimeMs, 2 * blockTimeMs) : own.int(Math.min(100, blockTimeMs / 4), blockTimeMs / 2),
      generation: 0,
      peerId: '',
      branch: MAIN_BRANCH,
      state: 'waiting',
      beatsBefore: 0
    }
  }

  async function keyFor (node: SimNode): Promise<PrivateKey> {
    // derived from seed, index and generation: a repeated run has the same peer IDs
    return await generateKeyPairFromSeed('Ed25519', random.fork(`key:${node.index}:${node.generation}`).bytes32())
  }

  function headOf (node: SimNode): TipsetInfo {
    if (chain == null) throw new Error('the simulation has not started')
    const tipset = node.frozen ?? chain.viewAt(node.branch, clock.now() - node.delayMs)
    return { head: tipset.key, height: tipset.height }
  }

  function runService (node: SimNode): void {
    const service = node.service
    if (service == null || stopped) return
    const controller = new AbortController()
    node.controller = controller
    node.state = 'up'
    node.running = service.start(controller.signal).catch(err => { log.error('%s: heartbeat service failed: %e', node.nickname, err) })
  }

  async function bootNode (node: SimNode): Promise<void> {
    node.state = 'starting'
    node.privateKey ??= await keyFor(node)
    const libp2p = await createLibp2p({
      privateKey: node.privateKey,
      // senders only dial; no listener, no port per node
      addresses: { listen: [] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [devnetYamux()],
      // a thousand senders in one process: no per-connection loggers while logging is off, and
      // no pings of their own (a sender's beats show it is there; the relay probes only silent
      // ones, and a sender answers that probe even without a ping handler)
      logger: lightLogger(),
      connectionMonitor: { enabled: false }
    })
    node.peerId = libp2p.peerId.toString()
    if (stopped) {
      await libp2p.stop()
      return
    }
    node.libp2p = libp2p
    if (chain == null) throw new Error('the simulation has not started')
    const genesis = chain.genesisCid
    node.service = new HeartbeatService(
      { host: libp2p, clock, log: logFor(node.nickname) },
      { beatTarget: init.target, beatPeriod, reconnectPeriod, nickname: node.nickname },
      () => headOf(node),
      withMinerAddressGetter(() => node.minerAddress),
      withGenesisGetter(() => genesis)
    )
    runService(node)
  }

  async function haltNode (node: SimNode, state: NodeState): Promise<void> {
    node.state = state
    node.controller?.abort()
    await node.running
    node.beatsBefore += node.service?.beatsSent ?? 0
    node.service = undefined
    node.controller = undefined
    node.running = undefined
    const libp2p = node.libp2p
    node.libp2p = undefined
    // stopping the node closes its connection: the relay sees it go
    await libp2p?.stop()
  }

  function scheduleStart (node: SimNode, delayMs: number): void {
    nodes.push(node)
    const timer = clock.setTimeout(() => {
      startTimers.delete(node)
      track(bootNode(node))
    }, delayMs)
    startTimers.set(node, timer)
  }

  function candidates (): SimNode[] {
    return nodes.filter(node => node.state === 'up' && node.trouble == null)
  }

  function begin (step: ScenarioStep): void {
    if (chain == null) return
    const hit = trouble.sample(candidates(), stepCount(step, nodes.filter(node => node.state !== 'gone').length))
    const entry: ActiveStep = { step, endRound: round + step.rounds, nodes: hit }
    switch (step.kind) {
      case 'halt':
        halted = true
        break
      case 'fork': {
        if (chain.forked || hit.length === 0) return
        chain.fork()
        for (const node of hit) { node.branch = FORK_BRANCH; node.trouble = 'fork' }
        break
      }
      case 'lag':
        for (const node of hit) { node.frozen = chain.viewAt(node.branch, clock.now() - node.delayMs); node.trouble = 'lag' }
        break
      case 'stall':
        for (const node of hit) {
          node.trouble = 'stall'
          node.state = 'stalled'
          // Go's Run returns on cancel without closing the stream: a hung node, still connected
          node.controller?.abort()
          if (step.keepConnection === false) track(node.service?.closeStream() ?? Promise.resolve())
        }
        break
      case 'restart':
      case 'leave':
        for (const node of hit) {
          node.trouble = step.kind
          track(haltNode(node, step.kind === 'leave' ? 'gone' : 'down'))
        }
        break
    }
    if (step.kind !== 'halt' && hit.length === 0) return
    active.push(entry)
    emit({ round, kind: step.kind, phase: 'begin', nodes: hit.map(node => info(node)), height: chain.height, step, ...(step.kind === 'fork' ? { head: chain.head(FORK_BRANCH).key } : {}) })
  }

  async function end (entry: ActiveStep): Promise<void> {
    if (chain == null) return
    const { step } = entry
    const previous = new Map(entry.nodes.map(node => [node, node.peerId]))
    switch (step.kind) {
      case 'halt':
        halted = false
        break
      case 'fork':
        chain.reorg()
        for (const node of entry.nodes) { node.branch = MAIN_BRANCH; node.trouble = undefined }
        break
      case 'lag':
        for (const node of entry.nodes) { node.frozen = undefined; node.trouble = undefined }
        break
      case 'stall':
        await Promise.all(entry.nodes.map(async node => {
          // a fresh stream replaces the silent one (a relay takes one heartbeat stream per peer)
          await node.running
          await node.service?.closeStream()
          node.trouble = undefined
          runService(node)
        }))
        break
      case 'restart':
        await Promise.all(entry.nodes.map(async node => {
          await node.running
          if (step.keepPeerId !== true) {
            node.generation++
            node.privateKey = undefined
          }
          node.trouble = undefined
          if (!stopped) await bootNode(node)
        }))
        break
      case 'leave': {
        for (const node of entry.nodes) node.trouble = undefined
        emit({ round, kind: 'leave', phase: 'end', nodes: entry.nodes.map(node => info(node)), height: chain.height, step })
        // new nodes with new identities take the leavers' places, so the devnet keeps its size
        const joined = entry.nodes.map(() => newNode())
        for (const node of joined) {
          node.privateKey = await keyFor(node)
          node.peerId = peerIdFromPrivateKey(node.privateKey).toString()
        }
        if (stopped) return
        for (const node of joined) scheduleStart(node, 0)
        emit({ round, kind: 'join', phase: 'begin', nodes: joined.map(node => info(node)), height: chain.height })
        return
      }
    }
    if (stopped) return
    emit({ round, kind: step.kind, phase: 'end', nodes: entry.nodes.map(node => info(node, previous.get(node))), height: chain.height, step, ...(step.kind === 'fork' ? { head: chain.head().key } : {}) })
  }

  function onRound (): void {
    if (stopped || chain == null) return
    round++
    const now = clock.now()
    roundTimer = clock.setTimeout(onRound, startedAt + (round + 1) * blockTimeMs - now)
    if (!halted) chain.produce(now)
    // steps that end now free their nodes before new steps pick theirs
    for (let i = active.length - 1; i >= 0; i--) {
      const entry = active[i]
      if (entry != null && entry.endRound <= round) {
        active.splice(i, 1)
        track(end(entry))
      }
    }
    const inCycle = (round - 1) % scenario.cycleRounds
    for (const step of scenario.steps) {
      if (step.at === inCycle) begin(step)
    }
  }

  return {
    seed,
    scenario,
    blockTimeMs,

    async start () {
      if (started) return
      started = true
      startedAt = clock.now()
      chain = new SimChain({ seed, genesisAt: startedAt })
      roundTimer = clock.setTimeout(onRound, blockTimeMs)
      for (let i = 0; i < init.nodes; i++) scheduleStart(newNode(), i * staggerMs)
    },

    async stop () {
      if (stopped) return
      stopped = true
      if (roundTimer != null) clock.clearTimeout(roundTimer)
      for (const timer of startTimers.values()) clock.clearTimeout(timer)
      startTimers.clear()
      for (const node of nodes) node.controller?.abort()
      // node boots and restarts in flight finish (and see `stopped`) before the nodes stop
      while (inFlight.size > 0) await Promise.all(inFlight)
      await Promise.all(nodes.map(async node => { await haltNode(node, 'gone') }))
      clock.stop()
      active.length = 0
    },

    stats () {
      let connected = 0
      let beats = 0
      let present = 0
      for (const node of nodes) {
        if (node.state !== 'gone') present++
        if (node.service?.stream != null && node.state === 'up') connected++
        beats += node.beatsBefore + (node.service?.beatsSent ?? 0)
      }
      return { round, height: chain?.height ?? 0, nodes: present, connected, beats }
    },

    nodes () {
      return nodes.filter(node => node.state !== 'gone').map(node => info(node))
    }
  }
}
