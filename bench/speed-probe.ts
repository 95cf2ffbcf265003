// How fast this machine is while the benchmarks run: a fixed piece of JS work, timed on each
// core. The machines these figures come from are shared, and the same commit's page rows have
// come out twice as slow on one day as on another (BENCHMARKS.md, eighth and ninth sessions);
// with this beside every run, a slow row can be told from a slow machine.
//
// `node bench/speed-probe.ts` prints the probe of each core; run.ts takes one before and one
// after its rows and writes them in the run column.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { percentile } from './lib.ts'

/** The work: sorting numbers, building and (de)serialising small objects, joining strings, as
 *  the relay and the page do all day. Deterministic (a fixed xorshift seed). */
function work (): number {
  let seed = 0x9e3779b9
  const next = (): number => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 2 ** 32
  }
  const numbers = new Float64Array(500_000)
  for (let k = 0; k < numbers.length; k++) numbers[k] = next()
  numbers.sort()
  const objects: Array<{ peer: string, height: number, head: string }> = []
  for (let k = 0; k < 50_000; k++) objects.push({ peer: `12D3KooW${k.toString(36)}`, height: Math.floor(next() * 1e6), head: next().toString(36) })
  const parsed = JSON.parse(JSON.stringify(objects)) as typeof objects
  let text = ''
  for (const o of parsed) text += `${o.peer}:${o.height};`
  return (numbers[100] ?? 0) + text.length
}

/** Milliseconds the work takes, median of five after a warm-up, in this process. */
function timeWork (): number {
  work()
  const times: number[] = []
  for (let k = 0; k < 5; k++) {
    const start = performance.now()
    work()
    times.push(performance.now() - start)
  }
  return percentile(times.sort((a, b) => a - b), 0.5)
}

export interface SpeedProbe {
  /** the work's milliseconds on each core, in core order (lower is faster) */
  ms: number[]
}

/** Times the work in a fresh process pinned to each core in turn (taskset). */
export function speedProbe (cores = 2): SpeedProbe {
  const ms: number[] = []
  for (let core = 0; core < cores; core++) {
    const child = spawnSync('taskset', ['-c', String(core), process.execPath, fileURLToPath(import.meta.url), '--child'], { encoding: 'utf8' })
    const value = Number(child.stdout.trim())
    ms.push(child.status === 0 && Number.isFinite(value) ? Math.round(value) : NaN)
  }
  return { ms }
}

export function describeProbe (probe: SpeedProbe): string {
  return probe.ms.map((ms, core) => `core ${core} ${Number.isNaN(ms) ? '?' : ms} ms`).join(', ')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--child')) console.log(timeWork().toFixed(1))
  else console.log(`speed probe (lower is faster): ${describeProbe(speedProbe())}`)
}
