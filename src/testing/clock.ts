// A manual clock for tests of any part that takes a Clock (src/p2p/clock.ts): the relay's
// services and the heartbeat sender. Time moves only when a test says so.
export { ManualClock } from '../sender/clock.ts'
