// A scenario's steps played on the nodes: each step begins at its round of the cycle, picks
// its nodes, puts them in trouble (lag, fork, stall, restart, leave, or the whole chain
// halting), and ends some rounds later, when the nodes recover (or, for leave, new nodes take
// their places).
import { FORK_BRANCH, MAIN_BRANCH } from './chain.ts'
import { stepCount } from './scenario.ts'
import type { SimChain } from './chain.ts'
import type { Random } from './random.ts'
import type { Scenario, ScenarioStep, TroubleKind } from './scenario.ts'
import type { SimNode, SimulatedNodeInfo } from './sim-node.ts'
import type { Clock } from '../sender/index.ts'

export interface SimulationEvent {
  /** chain round (1 = the first after start) */
  round: number
  kind: TroubleKind | 'join'
  phase: 'begin' | 'end'
  nodes: SimulatedNodeInfo[]
  /** the fork branch's head, or the main head after the reorg; for genesis, the other chain's head */
  head?: string
  height: number
  step?: ScenarioStep
}

interface ActiveStep {
  step: ScenarioStep
  endRound: number
  nodes: SimNode[]
}

export interface TroubleComponents {
  /** draws which nodes a step hits */
  random: Random
  clock: Clock
  chain: () => SimChain
  /** every node, in start order (gone ones included) */
  nodes: () => readonly SimNode[]
  /** the current chain round */
  round: () => number
  /** new nodes with new identities, started at once (to take leavers' places); none once
   *  the simulation is stopping */
  join: (count: number) => Promise<SimNode[]>
  /** runs a task the simulation's stop() waits for */
  track: (task: Promise<unknown>) => void
  emit: (event: SimulationEvent) => void
  stopped: () => boolean
}

export class TroubleScript {
  readonly #scenario: Scenario
  readonly #components: TroubleComponents
  readonly #active: ActiveStep[] = []
  #halted = false

  constructor (components: TroubleComponents, scenario: Scenario) {
    this.#components = components
    this.#scenario = scenario
  }

  /** The chain produces no blocks while a halt step lasts. */
  get halted (): boolean {
    return this.#halted
  }

  /** At a new round: steps that end now free their nodes before new steps pick theirs. */
  onRound (round: number): void {
    const active = this.#active
    for (let i = active.length - 1; i >= 0; i--) {
      const entry = active[i]
      if (entry != null && entry.endRound <= round) {
        active.splice(i, 1)
        this.#components.track(this.#end(entry))
      }
    }
    const inCycle = (round - 1) % this.#scenario.cycleRounds
    for (const step of this.#scenario.steps) {
      if (step.at === inCycle) this.#begin(step, round)
    }
  }

  clear (): void {
    this.#active.length = 0
  }

  #begin (step: ScenarioStep, round: number): void {
    const { chain: chainOf, clock, emit, track } = this.#components
    const chain = chainOf()
    const nodes = this.#components.nodes()
    const candidates = nodes.filter(node => node.state === 'up' && node.trouble == null)
    const hit = this.#components.random.sample(candidates, stepCount(step, nodes.filter(node => node.state !== 'gone').length))
    switch (step.kind) {
      case 'halt':
        this.#halted = true
        break
      case 'fork': {
        if (chain.forked || hit.length === 0) return
        chain.fork()
        for (const node of hit) { node.branch = FORK_BRANCH; node.trouble = 'fork' }
        break
      }
      case 'partial':
        if (hit.length === 0) return
        chain.fullRounds(true)
        for (const node of hit) { node.partial = true; node.trouble = 'partial' }
        break
      case 'genesis': {
        if (chain.foreign != null || hit.length === 0) return
        const foreign = chain.startForeign(clock.now())
        for (const node of hit) { node.foreign = foreign; node.trouble = 'genesis' }
        break
      }
      case 'lag':
        for (const node of hit) { node.frozen = chain.viewAt(node.branch, clock.now() - node.delayMs); node.trouble = 'lag' }
        break
      case 'stall':
        for (const node of hit) {
          node.trouble = 'stall'
          track(node.stall(step.keepConnection !== false))
        }
        break
      case 'restart':
      case 'leave':
        for (const node of hit) {
          node.trouble = step.kind
          track(node.halt(step.kind === 'leave' ? 'gone' : 'down'))
        }
        break
    }
    if (step.kind !== 'halt' && hit.length === 0) return
    this.#active.push({ step, endRound: round + step.rounds, nodes: hit })
    const head = step.kind === 'fork' ? chain.head(FORK_BRANCH).key : step.kind === 'genesis' ? chain.foreign?.head().key : undefined
    emit({ round, kind: step.kind, phase: 'begin', nodes: hit.map(node => node.info()), height: chain.height, step, ...(head != null ? { head } : {}) })
  }

  async #end (entry: ActiveStep): Promise<void> {
    const { emit, stopped, round } = this.#components
    const chain = this.#components.chain()
    const { step } = entry
    const previous = new Map(entry.nodes.map(node => [node, node.peerId]))
    switch (step.kind) {
      case 'halt':
        this.#halted = false
        break
      case 'fork':
        chain.reorg()
        for (const node of entry.nodes) { node.branch = MAIN_BRANCH; node.trouble = undefined }
        break
      case 'lag':
        for (const node of entry.nodes) { node.frozen = undefined; node.trouble = undefined }
        break
      case 'partial':
        chain.fullRounds(false)
        for (const node of entry.nodes) { node.partial = false; node.trouble = undefined }
        break
      case 'genesis':
        chain.endForeign()
        for (const node of entry.nodes) { node.foreign = undefined; node.trouble = undefined }
        break
      case 'stall':
        await Promise.all(entry.nodes.map(async node => { await node.recover() }))
        break
      case 'restart':
        await Promise.all(entry.nodes.map(async node => {
          await node.settled()
          if (step.keepPeerId !== true) node.newIdentity()
          node.trouble = undefined
          if (!stopped()) await node.boot()
        }))
        break
      case 'leave':
        await this.#replace(entry)
        return
    }
    if (stopped()) return
    emit({ round: round(), kind: step.kind, phase: 'end', nodes: entry.nodes.map(node => node.info(previous.get(node))), height: chain.height, step, ...(step.kind === 'fork' ? { head: chain.head().key } : {}) })
  }

  /** The end of a leave: new nodes with new identities take the leavers' places, so the
   *  devnet keeps its size. */
  async #replace (entry: ActiveStep): Promise<void> {
    const { emit, round, join } = this.#components
    const chain = this.#components.chain()
    for (const node of entry.nodes) node.trouble = undefined
    emit({ round: round(), kind: 'leave', phase: 'end', nodes: entry.nodes.map(node => node.info()), height: chain.height, step: entry.step })
    const joined = await join(entry.nodes.length)
    if (joined.length === 0) return
    emit({ round: round(), kind: 'join', phase: 'begin', nodes: joined.map(node => node.info()), height: chain.height })
  }
}
