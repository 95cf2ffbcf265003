// Scripted trouble for the simulated devnet. A scenario is a cycle of rounds with steps that
// begin at a round and last some rounds; the cycle repeats for as long as the simulation runs.
// Which nodes a step hits comes from the seed, so a scenario and a seed replay the same run.

export type TroubleKind =
  /** nodes freeze on their current head, then catch up at once */
  | 'lag'
  /** a share of nodes follows a second branch (other heads at the same heights), then reorgs */
  | 'fork'
  /** nodes stop beating; with keepConnection their stream stays open and silent */
  | 'stall'
  /** nodes stop (connection closed) and come back as a new libp2p node */
  | 'restart'
  /** nodes stop for good; a node with a new identity joins when the step ends */
  | 'leave'
  /** the whole chain produces no tipsets (every node stays at its height, still beating) */
  | 'halt'
  /** every round has 3 blocks, and a share of nodes sees only 2 of each (Filecoin: one
   *  miner's blocks reach them late): one round seen in part, which is no fork */
  | 'partial'
  /** nodes restart on another genesis: another chain at the same heights, which is another
   *  network and no fork; they come back to the devnet's genesis when the step ends */
  | 'genesis'

export interface ScenarioStep {
  kind: TroubleKind
  /** round within the cycle (0-based) at which it begins */
  at: number
  /** rounds until it ends (for leave: until the replacement joins) */
  rounds: number
  /** nodes hit: at least `count`, or `share` of the devnet if that is more (fork: default share 0.3) */
  count?: number
  share?: number
  /** restart: the new libp2p node reuses the old private key, so its peer ID stays */
  keepPeerId?: boolean
  /** stall: the stream stays open (a hung node) rather than the connection closing */
  keepConnection?: boolean
}

export interface Scenario {
  name: string
  description: string
  /** rounds per cycle; steps must end within it */
  cycleRounds: number
  steps: readonly ScenarioStep[]
}

export class UnknownScenarioError extends Error {
  static name = 'UnknownScenarioError'

  constructor (name: string) {
    super(`unknown scenario ${JSON.stringify(name)}; expected one of ${Object.keys(SCENARIOS).join(', ')}`)
    this.name = 'UnknownScenarioError'
  }
}

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  demo: {
    name: 'demo',
    description: 'a little of everything over 45 rounds (3 minutes at 4s blocks), then again',
    cycleRounds: 45,
    steps: [
      { kind: 'lag', at: 3, rounds: 8, count: 1, share: 0.02 },
      { kind: 'fork', at: 12, rounds: 5, share: 0.3 },
      { kind: 'stall', at: 20, rounds: 8, count: 1, share: 0.01, keepConnection: true },
      { kind: 'restart', at: 24, rounds: 4, count: 1, share: 0.01, keepPeerId: true },
      { kind: 'leave', at: 30, rounds: 6, count: 1, share: 0.005 },
      { kind: 'halt', at: 38, rounds: 4 },
      { kind: 'partial', at: 18, rounds: 2, share: 0.2 },
      { kind: 'genesis', at: 32, rounds: 5, count: 1, share: 0.005 }
    ]
  },
  steady: {
    name: 'steady',
    description: 'no trouble: every node follows the chain at its own delay',
    cycleRounds: 1,
    steps: []
  },
  fork: {
    name: 'fork',
    description: 'every 12 rounds, 30% of nodes spend 5 rounds on another branch, then reorg',
    cycleRounds: 12,
    steps: [{ kind: 'fork', at: 2, rounds: 5, share: 0.3 }]
  },
  lag: {
    name: 'lag',
    description: 'every 12 rounds, a node falls 6 rounds behind, then catches up',
    cycleRounds: 12,
    steps: [{ kind: 'lag', at: 2, rounds: 6, count: 1, share: 0.02 }]
  },
  stall: {
    name: 'stall',
    description: 'every 12 rounds, a node stops beating for 6 rounds with its stream left open',
    cycleRounds: 12,
    steps: [{ kind: 'stall', at: 2, rounds: 6, count: 1, share: 0.01, keepConnection: true }]
  },
  restart: {
    name: 'restart',
    description: 'every 12 rounds, a node restarts keeping its peer ID, and another restarts with a new one',
    cycleRounds: 12,
    steps: [
      { kind: 'restart', at: 2, rounds: 3, count: 1, share: 0.01, keepPeerId: true },
      { kind: 'restart', at: 7, rounds: 3, count: 1, share: 0.01, keepPeerId: false }
    ]
  },
  leave: {
    name: 'leave',
    description: 'every 12 rounds, a node leaves for good; a new node joins 6 rounds later',
    cycleRounds: 12,
    steps: [{ kind: 'leave', at: 2, rounds: 6, count: 1, share: 0.005 }]
  },
  partial: {
    name: 'partial',
    description: 'every 12 rounds, 3-block rounds for 5 rounds, which 30% of nodes see only 2 blocks of',
    cycleRounds: 12,
    steps: [{ kind: 'partial', at: 2, rounds: 5, share: 0.3 }]
  },
  genesis: {
    name: 'genesis',
    description: 'every 12 rounds, a node spends 6 rounds on another genesis (another chain at the same heights)',
    cycleRounds: 12,
    steps: [{ kind: 'genesis', at: 2, rounds: 6, count: 1, share: 0.005 }]
  },
  halt: {
    name: 'halt',
    description: 'every 12 rounds, the chain produces nothing for 4 rounds',
    cycleRounds: 12,
    steps: [{ kind: 'halt', at: 4, rounds: 4 }]
  }
}

export const DEFAULT_SCENARIO = 'demo'

/** The named scenario; throws UnknownScenarioError listing the names. */
export function getScenario (name: string): Scenario {
  const scenario = Object.hasOwn(SCENARIOS, name) ? SCENARIOS[name] : undefined
  if (scenario == null) throw new UnknownScenarioError(name)
  return scenario
}

/** How many of `nodes` a step hits (0 for steps that hit the chain, not nodes). */
export function stepCount (step: ScenarioStep, nodes: number): number {
  if (step.kind === 'halt') return 0
  const share = step.share ?? (step.kind === 'fork' || step.kind === 'partial' ? 0.3 : 0)
  const count = Math.max(step.count ?? 1, Math.round(share * nodes))
  return Math.min(count, nodes)
}
