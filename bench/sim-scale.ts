// Measures the simulator at scale against a running relay: memory and CPU of N simulated
// nodes once they are all connected. A benchmark reports numbers; it asserts nothing.
//   node_modules/.bin/node bench/sim-scale.ts <relay BeatTarget> [nodes=1000] [seconds=30]
import { createSimulation } from '../src/sim/index.ts'

const [target, nodesArg = '1000', secondsArg = '30'] = process.argv.slice(2)
if (target == null) {
  console.error('usage: sim-scale.ts <relay BeatTarget> [nodes] [seconds]')
  process.exit(2)
}
const nodes = Number(nodesArg)
const seconds = Number(secondsArg)
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`

const base = process.memoryUsage()
const t0 = Date.now()
const simulation = createSimulation({ target, nodes, scenario: 'steady', seed: 1 })
await simulation.start()
while (simulation.stats().connected < nodes) {
  if (Date.now() - t0 > 120_000) throw new Error(`only ${simulation.stats().connected} of ${nodes} connected after 120 s`)
  await new Promise(resolve => setTimeout(resolve, 250))
}
const rampMs = Date.now() - t0
const cpu0 = process.cpuUsage()
const beats0 = simulation.stats().beats
const w0 = Date.now()
let peakRss = 0
while (Date.now() - w0 < seconds * 1000) {
  await new Promise(resolve => setTimeout(resolve, 1000))
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
}
const cpu = process.cpuUsage(cpu0)
const wallMs = Date.now() - w0
const stats = simulation.stats()
const mem = process.memoryUsage()
console.log(JSON.stringify({
  nodes,
  allConnectedAfterMs: rampMs,
  windowSeconds: wallMs / 1000,
  connected: stats.connected,
  beatsPerSecond: Math.round((stats.beats - beats0) / (wallMs / 1000)),
  cpuPercentOfOneCore: Math.round((cpu.user + cpu.system) / 1000 / wallMs * 100),
  rss: mib(mem.rss),
  peakRss: mib(peakRss),
  heapUsed: mib(mem.heapUsed),
  heapPerNode: `${((mem.heapUsed - base.heapUsed) / nodes / 1024).toFixed(0)} KiB`,
  chainHeight: stats.height
}, null, 2))
const s0 = Date.now()
await simulation.stop()
console.log(`stop() took ${Date.now() - s0} ms`)
