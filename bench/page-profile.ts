// Where a page's main thread spends its time, two ways: a CPU profile of its JavaScript (CDP
// Profiler), summed by self time per function and mapped back to the source through the
// build's source maps; and a Chromium trace, summed by self time per trace event on the
// renderer's main thread, which also shows what the profile calls "(program)": style, layout,
// paint, canvas raster, compositing.
import { existsSync, readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { join } from 'node:path'
import type { SourceOrigin } from 'node:module'
import type { Browser, CDPSession, Page } from 'playwright-core'

export interface HotSpot { name: string, where: string, selfMs: number, share: number }

const during = async (seconds: number): Promise<void> => {
  await new Promise(resolve => setTimeout(resolve, seconds * 1000)) // the profiled interval
}

export async function profileScripts (cdp: CDPSession, seconds: number, staticDir: string): Promise<HotSpot[]> {
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 }) // µs
  await cdp.send('Profiler.start')
  await during(seconds)
  const { profile } = await cdp.send('Profiler.stop')
  await cdp.send('Profiler.disable')

  const selfUs = new Map<number, number>()
  profile.samples?.forEach((id, k) => { selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas?.[k] ?? 0)) })
  const maps = new Map<string, SourceMap | null>()
  const hot = new Map<string, HotSpot>()
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0
    if (us === 0) continue
    const { functionName, url, lineNumber, columnNumber } = node.callFrame
    // CDP counts lines and columns from 0, findOrigin from 1
    const origin = url === '' ? undefined : found(sourceMapFor(maps, staticDir, url)?.findOrigin(lineNumber + 1, columnNumber + 1))
    const where = origin != null ? `${shortSource(origin.fileName)}:${origin.lineNumber}` : shortSource(url)
    const name = origin?.name ?? (functionName === '' ? '(anonymous)' : functionName)
    const spot = hot.get(`${name} ${where}`) ?? { name, where, selfMs: 0, share: 0 }
    spot.selfMs += us / 1000
    hot.set(`${name} ${where}`, spot)
  }
  return ranked([...hot.values()], seconds)
}

interface TraceEvent { name: string, ph: string, ts: number, dur?: number, tdur?: number, pid: number, tid: number, args?: { name?: string } }

/** A task on the page's main thread: how long it held the thread, the CPU it had meanwhile,
 *  and the threads that had the rest (process/thread and CPU ms, most first, over 1 ms) */
export interface TracedTask { wallMs: number, cpuMs: number, meanwhile: Array<[thread: string, cpuMs: number]> }

export interface TaskTrace<T> {
  result: T
  /** the page's main-thread tasks over 50 ms (the browser's long tasks), longest first */
  longTasks: TracedTask[]
  /** CPU ms a second the page's main thread and its feed worker's thread had */
  cpuMsPerSecond: { main: number, worker: number }
}

// a task of a Chromium thread's own run loop, in the 'toplevel' category
const RUN_TASK = 'ThreadControllerImpl::RunTask'

/**
 * Runs body under a light trace (the 'toplevel' category: each task of each thread, with the
 * thread time it had) and returns what it returned, with the page's main-thread tasks over
 * 50 ms and the CPU each had. On a Chromium that has one core for all its threads (the
 * benchmarks' own: renderer, raster, compositor, GPU process, the page's workers), a task
 * longer on the wall clock than in CPU waited for the core that long.
 */
export async function withTaskTrace<T> (browser: Browser, page: Page, body: () => Promise<T>): Promise<TaskTrace<T>> {
  await browser.startTracing(page, { categories: ['toplevel'] })
  const started = Date.now()
  let result: T
  let traced: Buffer
  try {
    result = await body()
  } finally {
    traced = await browser.stopTracing()
  }
  const seconds = (Date.now() - started) / 1000
  const { traceEvents } = JSON.parse(traced.toString()) as { traceEvents: TraceEvent[] }
  const tasks = (events: TraceEvent[]): TraceEvent[] => events.filter(e => e.ph === 'X' && e.name === RUN_TASK)
  const main = pageMainThread(traceEvents)
  const mainTasks = tasks(main)
  const pid = main[0]?.pid
  const workers = new Set(traceEvents.filter(e => e.name === 'thread_name' && e.pid === pid && e.args?.name === 'DedicatedWorker thread').map(e => e.tid))
  const cpu = (events: TraceEvent[]): number => events.reduce((sum, e) => sum + (e.tdur ?? 0), 0) / 1000
  // every thread's tasks (a pool thread's are ThreadPool_RunTask), named by process and thread
  const names = new Map(traceEvents.filter(e => e.ph === 'M' && e.name === 'thread_name').map(e => [`${e.pid}:${e.tid}`, e.args?.name ?? '?']))
  const processes = new Map(traceEvents.filter(e => e.ph === 'M' && e.name === 'process_name').map(e => [e.pid, e.args?.name ?? '?']))
  const others = traceEvents.filter(e => e.ph === 'X' && (e.name === RUN_TASK || e.name === 'ThreadPool_RunTask') && !(e.pid === pid && e.tid === main[0]?.tid))
  /** the CPU other threads had during [from, to): a task partly inside counts in proportion */
  const meanwhile = (from: number, to: number): TracedTask['meanwhile'] => {
    const byThread = new Map<string, number>()
    for (const e of others) {
      const dur = e.dur ?? 0
      const overlap = Math.min(to, e.ts + dur) - Math.max(from, e.ts)
      if (overlap <= 0 || dur <= 0) continue
      const thread = `${processes.get(e.pid) ?? e.pid}/${names.get(`${e.pid}:${e.tid}`) ?? e.tid}`
      byThread.set(thread, (byThread.get(thread) ?? 0) + overlap / dur * (e.tdur ?? 0) / 1000)
    }
    return [...byThread].filter(([, ms]) => ms >= 1).sort((a, b) => b[1] - a[1])
  }
  return {
    result,
    longTasks: mainTasks.filter(e => (e.dur ?? 0) > 50_000).map(e => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? NaN) / 1000, meanwhile: meanwhile(e.ts, e.ts + (e.dur ?? 0)) })).sort((a, b) => b.wallMs - a.wallMs),
    cpuMsPerSecond: {
      main: cpu(mainTasks) / seconds,
      worker: cpu(tasks(traceEvents.filter(e => e.pid === pid && workers.has(e.tid)))) / seconds
    }
  }
}

export async function traceMainThread (browser: Browser, page: Page, seconds: number): Promise<HotSpot[]> {
  await browser.startTracing(page, { categories: ['toplevel', 'blink', 'cc', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'] })
  await during(seconds)
  const { traceEvents } = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }
  const busiest = pageMainThread(traceEvents).filter(e => e.ph === 'X' && e.dur != null)
  // complete events on one thread nest: an event's self time is its duration less its children's
  const selfUs = new Map<string, number>()
  const open: Array<{ name: string, end: number }> = []
  for (const e of busiest.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0))) {
    const dur = e.dur ?? 0
    while (open.length > 0 && (open.at(-1)?.end ?? 0) <= e.ts) open.pop()
    const parent = open.at(-1)
    if (parent != null) selfUs.set(parent.name, (selfUs.get(parent.name) ?? 0) - dur)
    selfUs.set(e.name, (selfUs.get(e.name) ?? 0) + dur)
    open.push({ name: e.name, end: e.ts + dur })
  }
  return ranked([...selfUs].map(([name, us]) => ({ name, where: '', selfMs: us / 1000, share: 0 })), seconds)
}

const total = (events: TraceEvent[]): number => events.reduce((sum, e) => sum + (e.dur ?? 0), 0)

/** The busiest renderer main thread's events in a trace (the page's; about:blank and others idle). */
function pageMainThread (traceEvents: TraceEvent[]): TraceEvent[] {
  const threads = new Map<string, TraceEvent[]>()
  const mains = new Set(traceEvents.filter(e => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map(e => `${e.pid}:${e.tid}`))
  for (const e of traceEvents) {
    const thread = `${e.pid}:${e.tid}`
    if (!mains.has(thread)) continue
    const events = threads.get(thread) ?? []
    events.push(e)
    threads.set(thread, events)
  }
  return [...threads.values()].sort((a, b) => total(b.filter(e => e.ph === 'X')) - total(a.filter(e => e.ph === 'X')))[0] ?? []
}

export interface GcWindow {
  seconds: number
  /** scavenges and full collections on the page's main thread: how many, ms in all, the longest */
  minor: { count: number, ms: number, longestMs: number }
  major: { count: number, ms: number, longestMs: number }
  /** bytes a second the JS heap grew by between collections (all it allocated, less what
   *  died young inside a scavenge's own interval: a floor) */
  jsBytesPerSecond: number
  /** what rose between drops, bytes a second, from Runtime.getHeapUsage every 100 ms: the JS heap,
   *  Blink's garbage-collected heap (DOM, style, layout objects) and array buffers' backing
   *  stores (the feed's bytes). A full collection comes when the three together near a limit,
   *  so the last two set how often one does as much as the first */
  rise: { js: number, blink: number, arrayBuffers: number }
  /** JS allocation by function (sampled, objects that died included), largest first */
  allocations: AllocationSpot[]
}

export interface AllocationSpot { name: string, where: string, bytesPerSecond: number, share: number }

/**
 * Where a page's garbage comes from, over `seconds`: its collections from a Chromium trace (V8's
 * MinorGC and MajorGC events), the growth of its three heaps between collections, and a sampled
 * profile of its JS allocations by function (HeapProfiler sampling, every 16 KiB, counting
 * objects collected since), mapped back to the source through the build's source maps. All
 * three at once, outside any timed window: each costs the page some time.
 */
export async function gcWindow (browser: Browser, page: Page, cdp: CDPSession, seconds: number, staticDir: string): Promise<GcWindow> {
  await browser.startTracing(page, { categories: ['devtools.timeline', 'v8'] })
  await cdp.send('HeapProfiler.enable')
  await cdp.send('HeapProfiler.startSampling', { samplingInterval: 16 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
  const usage: Array<{ js: number, blink: number, arrayBuffers: number }> = []
  const until = Date.now() + seconds * 1000
  while (Date.now() < until) {
    const heap = await cdp.send('Runtime.getHeapUsage')
    usage.push({ js: heap.usedSize, blink: heap.embedderHeapUsedSize, arrayBuffers: heap.backingStorageSize })
    await new Promise(resolve => setTimeout(resolve, 100)) // the sampling interval
  }
  const { profile } = await cdp.send('HeapProfiler.stopSampling')
  await cdp.send('HeapProfiler.disable')
  const { traceEvents } = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }

  const gcs = pageMainThread(traceEvents).filter(e => e.ph === 'X' && (e.name === 'MinorGC' || e.name === 'MajorGC')).sort((a, b) => a.ts - b.ts)
  const kind = (name: string): GcWindow['minor'] => {
    const ms = gcs.filter(e => e.name === name).map(e => (e.dur ?? 0) / 1000)
    return { count: ms.length, ms: Math.round(ms.reduce((a, b) => a + b, 0)), longestMs: Math.round(Math.max(0, ...ms)) }
  }
  let grown = 0
  for (let k = 1; k < gcs.length; k++) grown += Math.max(0, heapSize(gcs[k], 'usedHeapSizeBefore') - heapSize(gcs[k - 1], 'usedHeapSizeAfter'))
  const span = gcs.length > 1 ? ((gcs.at(-1)?.ts ?? 0) - (gcs[0]?.ts ?? 0)) / 1e6 : NaN
  const rise = (key: 'js' | 'blink' | 'arrayBuffers'): number => {
    let up = 0
    for (let k = 1; k < usage.length; k++) up += Math.max(0, (usage[k]?.[key] ?? 0) - (usage[k - 1]?.[key] ?? 0))
    return Math.round(up / seconds)
  }

  const maps = new Map<string, SourceMap | null>()
  const bytes = new Map<string, { name: string, where: string, bytes: number }>()
  const walk = (node: SamplingNode): void => {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame
    if (node.selfSize > 0) {
      const origin = url === '' ? undefined : found(sourceMapFor(maps, staticDir, url)?.findOrigin(lineNumber + 1, columnNumber + 1))
      const where = origin != null ? `${shortSource(origin.fileName)}:${origin.lineNumber}` : shortSource(url)
      const name = origin?.name ?? (functionName === '' ? '(anonymous)' : functionName)
      const spot = bytes.get(`${name} ${where}`) ?? { name, where, bytes: 0 }
      spot.bytes += node.selfSize
      bytes.set(`${name} ${where}`, spot)
    }
    for (const child of node.children) walk(child)
  }
  walk(profile.head)
  const allBytes = [...bytes.values()].reduce((sum, spot) => sum + spot.bytes, 0)
  const allocations = [...bytes.values()]
    .map(spot => ({ name: spot.name, where: spot.where, bytesPerSecond: Math.round(spot.bytes / seconds), share: spot.bytes / allBytes }))
    .sort((a, b) => b.bytesPerSecond - a.bytesPerSecond)
  return {
    seconds,
    minor: kind('MinorGC'),
    major: kind('MajorGC'),
    jsBytesPerSecond: Math.round(grown / span),
    rise: { js: rise('js'), blink: rise('blink'), arrayBuffers: rise('arrayBuffers') },
    allocations
  }
}

interface SamplingNode { callFrame: { functionName: string, url: string, lineNumber: number, columnNumber: number }, selfSize: number, children: SamplingNode[] }

function heapSize (event: TraceEvent | undefined, key: 'usedHeapSizeBefore' | 'usedHeapSizeAfter'): number {
  const value = (event?.args as Record<string, unknown> | undefined)?.[key]
  return typeof value === 'number' ? value : 0
}

/** Largest first, with each one's share of the wall-clock interval. */
function ranked (spots: HotSpot[], seconds: number): HotSpot[] {
  return spots
    .map(spot => ({ ...spot, selfMs: Math.round(spot.selfMs), share: spot.selfMs / (seconds * 1000) }))
    .sort((a, b) => b.selfMs - a.selfMs)
}

/** findOrigin answers {} where the map has nothing */
function found (origin: SourceOrigin | object | undefined): SourceOrigin | undefined {
  return origin != null && 'fileName' in origin ? origin as SourceOrigin : undefined
}

function sourceMapFor (maps: Map<string, SourceMap | null>, staticDir: string, url: string): SourceMap | null {
  if (!maps.has(url)) {
    const file = join(staticDir, new URL(url).pathname) + '.map'
    maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : null)
  }
  return maps.get(url) ?? null
}

/** `../../node_modules/d3-shape/src/line.js` → `d3-shape/src/line.js`; `…/src/x/y.ts` → `src/x/y.ts`. */
function shortSource (source: string): string {
  const at = source.lastIndexOf('node_modules/')
  if (at >= 0) return source.slice(at + 'node_modules/'.length)
  const src = source.lastIndexOf('/src/')
  return src >= 0 ? source.slice(src + 1) : source
}

/**
 * A page's dedicated worker (the feed's), reached through the browser's own CDP session:
 * Playwright opens no CDP session to a worker, so its messages go through the browser's
 * Target.sendMessageToTarget. heapAfterGc() is the worker's live JS heap after a full collection.
 */
export class WorkerSession {
  readonly #cdp: CDPSession
  readonly #sessionId: string
  readonly #pending = new Map<number, (result: unknown) => void>()
  #nextId = 0

  private constructor (cdp: CDPSession, sessionId: string) {
    this.#cdp = cdp
    this.#sessionId = sessionId
    cdp.on('Target.receivedMessageFromTarget', event => {
      if (event.sessionId !== this.#sessionId) return
      const message = JSON.parse(event.message) as { id?: number, result?: unknown }
      if (message.id === undefined) return
      this.#pending.get(message.id)?.(message.result)
      this.#pending.delete(message.id)
    })
  }

  /** The first worker whose script URL contains `urlPart`. */
  static async attach (browser: Browser, urlPart: string): Promise<WorkerSession> {
    const cdp = await browser.newBrowserCDPSession()
    const { targetInfos } = await cdp.send('Target.getTargets')
    const worker = targetInfos.find(target => target.type === 'worker' && target.url.includes(urlPart))
    if (worker === undefined) throw new Error(`no worker whose URL contains ${urlPart}`)
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false })
    return new WorkerSession(cdp, sessionId)
  }

  async #send (method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#nextId
    const result = new Promise(resolve => { this.#pending.set(id, resolve) })
    await this.#cdp.send('Target.sendMessageToTarget', { sessionId: this.#sessionId, message: JSON.stringify({ id, method, params }) })
    return await result
  }

  async heapAfterGc (): Promise<number> {
    await this.#send('HeapProfiler.collectGarbage')
    return (await this.#send('Runtime.getHeapUsage') as { usedSize: number }).usedSize
  }

  async detach (): Promise<void> {
    await this.#cdp.detach().catch(() => {})
  }
}
