// Public face of the heartbeat sender: go-filecoin's HeartbeatService for any js-libp2p node,
// with the clock and Go durations it runs on. The simulator and the watcher both beat
// through it; neither owns it.
export {
  ALERT_PERIOD, ALERT_TARGET_ENV, alertTargetFromEnv, CONNECTION_FAILURE_ERROR_LOG_PERIOD_MS, createAlertHeartbeatService,
  DEFAULT_BEAT_PERIOD, DEFAULT_RECONNECT_PERIOD, defaultHeartbeatLog, HeartbeatService, HeartbeatStreamClosedError,
  NotConnectedError, withExtraGetter, withGenesisGetter, withMinerAddressGetter
} from './heartbeat-service.ts'
export type {
  ExtraGetter, GenesisGetter, HeadGetter, HeartbeatConfig, HeartbeatHost, HeartbeatLogSink, HeartbeatServiceComponents,
  HeartbeatServiceOption, HeartbeatServiceSettings, MinerAddressGetter, TipsetInfo
} from './heartbeat-service.ts'
export { formatGoDuration, formatGoDurationNs, InvalidDurationError, parseGoDuration, parseGoDurationNs, parsePeriod } from './go-duration.ts'
export { ManualClock, SharedClock, systemClock } from './clock.ts'
export type { Clock, ClockTimer } from './clock.ts'
