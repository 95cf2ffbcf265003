// The simulated devnet: N real libp2p nodes (sim-node.ts: own key, own TCP connection, noise,
// yamux) that beat to a relay through HeartbeatService over one shared simulated chain, with
// scripted trouble from a scenario (trouble.ts). Every node's timers live on one SharedClock
// (one real timer). This file checks the settings and runs the rounds.
import { logger } from '@libp2p/logger'
import { parseTarget } from '../p2p/addresses.ts'
import { DEFAULT_BEAT_PERIOD, DEFAULT_RECONNECT_PERIOD, defaultHeartbeatLog, parsePeriod, SharedClock } from '../sender/index.ts'
import { SimChain } from './chain.ts'
import { createRandom } from './random.ts'
import { DEFAULT_SCENARIO, getScenario } from './scenario.ts'
import { SimNode } from './sim-node.ts'
import { createSimulationLog } from './sim-log.ts'
import { TroubleScript } from './trouble.ts'
import type { Random } from './random.ts'
import type { Scenario } from './scenario.ts'
import type { SimNodeComponents, SimNodeInit, SimulatedNodeInfo } from './sim-node.ts'
import type { SimulationEvent } from './trouble.ts'
import type { ClockTimer, HeartbeatLogSink } from '../sender/index.ts'

const log = logger('devnet:sim')

// "a few seconds": between go-filecoin devnets' 30 s and a demo that never seems to move
export const DEFAULT_BLOCK_TIME = '4s'
// 1,000 nodes dial over ~10 s instead of at once (noise handshakes cost the relay CPU)
export const DEFAULT_DIAL_STAGGER_MS = 10
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

/** SimulationInit checked, with its defaults applied. */
interface SimulationSettings {
  readonly target: string
  readonly nodes: number
  readonly scenario: Scenario
  readonly seed: number
  readonly blockTimeMs: number
  readonly beatPeriod: number | string
  readonly reconnectPeriod: number | string
  readonly staggerMs: number
}

function toMs (value: number | string, what: string): number {
  try {
    return parsePeriod(value, what)
  } catch (err) {
    throw new InvalidSimulationError((err as Error).message)
  }
}

/** Throws InvalidSimulationError or InvalidTargetError. */
function settingsOf (init: SimulationInit): SimulationSettings {
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
  return { target: init.target, nodes: init.nodes, scenario, seed, blockTimeMs, beatPeriod, reconnectPeriod, staggerMs }
}

/** Builds (does not start) a simulated devnet. Throws InvalidSimulationError or InvalidTargetError. */
export function createSimulation (init: SimulationInit): Simulation {
  return new DevnetSimulation(settingsOf(init), init)
}

class DevnetSimulation implements Simulation {
  readonly seed: number
  readonly scenario: Scenario
  readonly blockTimeMs: number
  readonly #settings: SimulationSettings
  readonly #onEvent: SimulationInit['onEvent']
  readonly #random: Random
  readonly #clock = new SharedClock()
  readonly #nodeComponents: SimNodeComponents
  readonly #nodeInit: SimNodeInit
  readonly #trouble: TroubleScript
  readonly #nodes: SimNode[] = []
  // node starts and stops in flight, so stop() can wait for every one of them
  readonly #inFlight = new Set<Promise<unknown>>()
  readonly #startTimers = new Map<SimNode, ClockTimer>()
  #chain: SimChain | undefined
  #roundTimer: ClockTimer | undefined
  #round = 0
  #started = false
  #stopped = false
  #startedAt = 0
  #nextIndex = 0

  constructor (settings: SimulationSettings, init: SimulationInit) {
    this.#settings = settings
    this.seed = settings.seed
    this.scenario = settings.scenario
    this.blockTimeMs = settings.blockTimeMs
    this.#onEvent = init.onEvent
    this.#random = createRandom(settings.seed)
    const chain = (): SimChain => {
      if (this.#chain == null) throw new Error('the simulation has not started')
      return this.#chain
    }
    const stopped = (): boolean => this.#stopped
    this.#nodeComponents = {
      random: this.#random,
      clock: this.#clock,
      logFor: createSimulationLog(init.log ?? defaultHeartbeatLog, this.#clock),
      chain,
      stopped
    }
    this.#nodeInit = { target: settings.target, beatPeriod: settings.beatPeriod, reconnectPeriod: settings.reconnectPeriod, blockTimeMs: settings.blockTimeMs }
    this.#trouble = new TroubleScript({
      random: this.#random.fork('trouble'),
      clock: this.#clock,
      chain,
      nodes: () => this.#nodes,
      round: () => this.#round,
      join: async count => await this.#join(count),
      track: task => { this.#track(task) },
      emit: event => { this.#emit(event) },
      stopped
    }, settings.scenario)
  }

  /** Starts the chain and (staggered) the nodes. Resolves once scheduled, not connected. */
  async start (): Promise<void> {
    if (this.#started) return
    this.#started = true
    this.#startedAt = this.#clock.now()
    this.#chain = new SimChain({ seed: this.seed, genesisAt: this.#startedAt })
    this.#roundTimer = this.#clock.setTimeout(this.#onRound, this.blockTimeMs)
    for (let i = 0; i < this.#settings.nodes; i++) this.#scheduleStart(this.#newNode(), i * this.#settings.staggerMs)
  }

  /** Stops every node, timer and connection; resolves when all are closed. */
  async stop (): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    if (this.#roundTimer != null) this.#clock.clearTimeout(this.#roundTimer)
    for (const timer of this.#startTimers.values()) this.#clock.clearTimeout(timer)
    this.#startTimers.clear()
    for (const node of this.#nodes) node.abort()
    // node boots and restarts in flight finish (and see `stopped`) before the nodes stop
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight)
    await Promise.all(this.#nodes.map(async node => { await node.halt('gone') }))
    this.#clock.stop()
    this.#trouble.clear()
  }

  stats (): SimulationStats {
    let connected = 0
    let beats = 0
    let present = 0
    for (const node of this.#nodes) {
      if (node.state !== 'gone') present++
      if (node.connected) connected++
      beats += node.beats
    }
    return { round: this.#round, height: this.#chain?.height ?? 0, nodes: present, connected, beats }
  }

  nodes (): SimulatedNodeInfo[] {
    return this.#nodes.filter(node => node.state !== 'gone').map(node => node.info())
  }

  readonly #onRound = (): void => {
    const chain = this.#chain
    if (this.#stopped || chain == null) return
    this.#round++
    const now = this.#clock.now()
    this.#roundTimer = this.#clock.setTimeout(this.#onRound, this.#startedAt + (this.#round + 1) * this.blockTimeMs - now)
    if (!this.#trouble.halted) chain.produce(now)
    this.#trouble.onRound(this.#round)
  }

  #newNode (): SimNode {
    return new SimNode(this.#nodeComponents, this.#nodeInit, this.#nextIndex++)
  }

  #scheduleStart (node: SimNode, delayMs: number): void {
    this.#nodes.push(node)
    const timer = this.#clock.setTimeout(() => {
      this.#startTimers.delete(node)
      this.#track(node.boot())
    }, delayMs)
    this.#startTimers.set(node, timer)
  }

  async #join (count: number): Promise<SimNode[]> {
    const joined = Array.from({ length: count }, () => this.#newNode())
    for (const node of joined) await node.takeIdentity()
    if (this.#stopped) return []
    for (const node of joined) this.#scheduleStart(node, 0)
    return joined
  }

  #track (task: Promise<unknown>): void {
    const settled = task.then(() => {}, err => { log.error('simulation task failed: %e', err) })
    this.#inFlight.add(settled)
    void settled.finally(() => this.#inFlight.delete(settled))
  }

  #emit (event: SimulationEvent): void {
    try {
      this.#onEvent?.(event)
    } catch (err) {
      log.error('onEvent threw: %e', err)
    }
  }
}
