// What a relay process holds: resident memory read from its /metrics, settled, and what is
// left after a full garbage collection forced through the inspector. The benchmark's, not the
// tests': a test asserts what happens, never how much memory it takes.
import assert from 'node:assert/strict'
import { getMetric } from '../src/testing/http.ts'
import type { RelayProcess } from '../src/testing/relay-process.ts'

export const MiB = 2 ** 20
export const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`

/** `count` readings of a process's resident memory, `everyMs` apart, sorted low to high. */
export async function sampleRss (read: () => number | Promise<number>, count: number, everyMs: number): Promise<number[]> {
  const readings: number[] = []
  for (let k = 0; k < count; k++) {
    readings.push(await read())
    if (k < count - 1) await new Promise(resolve => setTimeout(resolve, everyMs)) // sampling interval, not synchronisation
  }
  return readings.sort((a, b) => a - b)
}

/**
 * The relay's resident memory once it has settled: the lowest of several readings 250 ms
 * apart. One reading catches whatever garbage V8 has not collected yet; the low point over
 * two seconds is what the process actually keeps.
 */
export async function settledRss (httpUrl: string, samples = 8): Promise<number> {
  const readings = await sampleRss(async () => await getMetric(httpUrl, 'process_resident_memory_bytes'), samples, 250)
  return readings[0] ?? NaN
}

/**
 * What the relay process holds after a full garbage collection: V8 heap in use plus memory
 * outside the heap owned by JS objects (buffers). RSS cannot show a 2 MiB difference: after
 * a burst of reads it keeps the allocator's high-water mark and any garbage V8 has not yet
 * collected (measured: +8-9 MiB for each of the first two bursts of 4 × 8 MiB, then flat, while
 * heap + external went back to where it started). Collecting first, through the inspector
 * (HeapProfiler.collectGarbage), measures what is actually retained.
 */
export async function retainedBytes (relay: RelayProcess): Promise<number> {
  // the last inspector the output names: the launcher restarts itself with its V8 flags, and the
  // first process's inspector went with it
  const url = relay.output().match(/ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/g)?.at(-1) ?? assert.fail('the relay was not started with inspect')
  const ws = new WebSocket(url)
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject })
  try {
    // two passes: the first can leave objects that only the second finds unreachable
    for (const id of [1, 2]) {
      const answered = new Promise(resolve => { ws.onmessage = (event: MessageEvent) => { if (JSON.parse(String(event.data)).id === id) resolve(undefined) } })
      ws.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }))
      await answered
    }
  } finally {
    ws.close()
  }
  const [heap, external] = await Promise.all([
    getMetric(relay.httpUrl, 'nodejs_heap_size_used_bytes'),
    getMetric(relay.httpUrl, 'nodejs_external_memory_bytes')
  ])
  return heap + external
}
