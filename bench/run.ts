// `npm run bench` (quick, a few minutes) or `npm run bench -- --full`: runs the benchmarks and
// writes BENCHMARKS.md with the machine, the date and the command behind each figure.
// Numbers, never pass/fail: a target that is missed is written down as missed.
import { execSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { relayCapacity } from './relay-capacity.ts'
import { relayMemory } from './relay-memory.ts'
import { wireCost } from './wire.ts'

const full = process.argv.includes('--full')
const only = process.argv.find(arg => arg.startsWith('--only='))?.slice('--only='.length).split(',')
const mode = full ? 'full' : 'quick'
const command = `npm run bench${full ? ' -- --full' : ''}`
const log = (line: string): void => { console.log(line) }
const wanted = (name: string): boolean => only == null || only.includes(name)

interface Row { row: string, measured: string, target: string, met: string, how: string }
const rows: Row[] = []

if (wanted('capacity')) {
  log('relay capacity')
  const nodes = full ? 1000 : 200
  const rates = full ? [2_000, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000] : [2_000, 5_000, 10_000, 20_000, 30_000]
  const result = await relayCapacity({ nodes, rates, stepMs: full ? 10_000 : 4_000, log })
  const best = result.sustained
  const steps = result.steps.map(s => `aim ${s.rate}/s: sent ${s.offered}/s → ${s.delivered}/s, p50 ${s.p50} ms, p99 ${s.p99} ms, relay CPU ${s.relayCpu}%, RSS ${s.relayRssMiB} MiB, load CPU ${s.loadCpu}%`).join('<br>')
  rows.push({
    row: 'relay capacity',
    measured: best == null ? 'kept up at no step' : `kept up with the ${best.rate}/s step: ${best.delivered} heartbeats/s to each of 5 subscribers, p99 ${best.p99} ms<br><sub>${steps}</sub>`,
    target: '≥ 20,000 heartbeats/s, p99 ≤ 250 ms',
    // a step counts when every subscriber got everything sent at it with p99 ≤ 250 ms
    met: best != null && best.rate >= 20_000 ? 'yes' : 'no',
    how: `${nodes} nodes over TCP, 5 feed subscribers over WebSockets, ${full ? 10 : 4} s per step; relay pinned to core 0, load to core 1`
  })
}

if (wanted('memory')) {
  log('relay memory')
  const result = await relayMemory({ counts: full ? [1_000, 5_000] : [1_000], log })
  const worst = Math.max(...result.points.map(p => p.perNodeKiB))
  rows.push({
    row: 'relay memory',
    measured: `idle ${result.idleMiB} MiB; ${result.points.map(p => `${p.nodes} nodes: ${p.rssMiB} MiB (${p.perNodeKiB} KiB per node)`).join('; ')}`,
    target: '≤ 100 KB per connected node',
    met: worst * 1024 <= 100_000 ? 'yes' : 'no',
    how: 'relay RSS (lowest of 5 readings 1 s apart), nodes beating every 3 s from swarm processes, one dashboard subscribed'
  })
}

if (wanted('wire')) {
  log('feed wire cost')
  const result = await wireCost({ nodes: 1_000, seconds: full ? 60 : 15, log })
  rows.push({
    row: 'wire',
    measured: `${result.liveBytesPerHeartbeat} B per heartbeat live; ${result.bytesPerHeartbeat} B counting the snapshot over ${result.seconds} s`,
    target: '≤ 100 B',
    met: result.liveBytesPerHeartbeat <= 100 ? 'yes (live)' : 'no',
    how: 'bytes a WebSocket dashboard receives through a counting TCP proxy (all framing, hello, snapshot, pings), over heartbeats the relay accepted, 1,000 nodes beating every 3 s'
  })
}

const commit = execSync('git rev-parse --short HEAD').toString().trim()
const cpu = cpus()[0]?.model ?? 'unknown CPU'
const text = `# Benchmarks

Written by \`${command}\` (${mode} mode) on ${new Date().toISOString().slice(0, 10)}, commit ${commit}.
Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}.
Run one row with \`node_modules/.bin/node bench/run.ts --only=capacity\` (capacity, memory, wire); add \`--full\` for the long version.

| row | measured | target | met | how |
|---|---|---|---|---|
${rows.map(r => `| ${r.row} | ${r.measured} | ${r.target} | ${r.met} | ${r.how} |`).join('\n')}
`
const file = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url))
writeFileSync(file, text)
log(`wrote ${file}`)
process.exit(0)
