// Public face of the simulator and the heartbeat sender.
export { createSimulation, DEFAULT_BLOCK_TIME, DEFAULT_DIAL_STAGGER_MS, InvalidSimulationError, MAX_SIMULATED_NODES } from './simulation.ts'
export type { Simulation, SimulationEvent, SimulationInit, SimulationStats, SimulatedNodeInfo } from './simulation.ts'
export { DEFAULT_SCENARIO, getScenario, SCENARIOS, UnknownScenarioError } from './scenario.ts'
export type { Scenario, ScenarioStep, TroubleKind } from './scenario.ts'
export {
  ALERT_PERIOD, ALERT_TARGET_ENV, alertTargetFromEnv, CONNECTION_FAILURE_ERROR_LOG_PERIOD_MS, createAlertHeartbeatService,
  DEFAULT_BEAT_PERIOD, DEFAULT_RECONNECT_PERIOD, defaultHeartbeatLog, HeartbeatService, HeartbeatStreamClosedError,
  NotConnectedError, withGenesisGetter, withMinerAddressGetter
} from './heartbeat-service.ts'
export type {
  GenesisGetter, HeadGetter, HeartbeatConfig, HeartbeatHost, HeartbeatLogSink, HeartbeatServiceComponents,
  HeartbeatServiceOption, MinerAddressGetter, TipsetInfo
} from './heartbeat-service.ts'
export { formatGoDuration, InvalidDurationError, parseGoDuration, parseGoDurationNs } from './go-duration.ts'
export { ManualClock, SharedClock, systemClock } from './clock.ts'
export type { Clock, ClockTimer } from './clock.ts'
