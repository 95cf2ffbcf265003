// Public face of the simulator. Its nodes beat through the heartbeat sender (src/sender).
export { createSimulation, DEFAULT_BLOCK_TIME, DEFAULT_DIAL_STAGGER_MS, InvalidSimulationError, MAX_SIMULATED_NODES } from './simulation.ts'
export type { Simulation, SimulationInit, SimulationStats } from './simulation.ts'
export type { SimulatedNodeInfo } from './sim-node.ts'
export type { SimulationEvent } from './trouble.ts'
export { DEFAULT_SCENARIO, getScenario, SCENARIOS, UnknownScenarioError } from './scenario.ts'
export type { Scenario, ScenarioStep, TroubleKind } from './scenario.ts'
