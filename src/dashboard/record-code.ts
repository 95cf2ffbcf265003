// The page's code for the relay's record (the event list, time travel, the chart's reach back
// through history), loaded as one chunk after the first paint's: main.tsx imports it once. A
// recorded moment (?at=) waits for all of it before it is shown, and each further chunk was
// one more request on a loaded page's main thread (bench: the history window).
export { EventLog } from './event-log.ts'
export { fetchHistory, WINDOW_POINTS } from './history-api.ts'
export { TimeTravel } from './time-travel.ts'
export { TimeTravelBanner } from './TimeTravelBanner.tsx'
