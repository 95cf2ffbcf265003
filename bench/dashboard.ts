// The dashboard in Debian's headless Chromium against a relay and a simulated devnet run as
// processes (e2e/devnet.ts): how soon a first visit shows every node, and, on 1,000 nodes
// beating every second, its frame rate, long tasks, JS heap and DOM size. The relay and the
// simulator run on core 0, Chromium on core 1 (children inherit this process's core).
import { chromium } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH, pageMemory } from '../e2e/browser.ts'
import { gcWindow, profileScripts, traceMainThread, withTaskTrace, WorkerSession } from './page-profile.ts'
import type { GcWindow, HotSpot, TracedTask } from './page-profile.ts'
import { removeDir, startRelayProcess, startSimProcess, stopAll, tcpTarget, tempDir } from '../e2e/devnet.ts'
import { getJson, getMetric } from '../src/testing/http.ts'
import { waitFor } from '../src/testing/wait-for.ts'
import { browserIdle, mib, pageSignal, percentile, pin } from './lib.ts'
import type { PageMemory } from '../e2e/browser.ts'
import type { Browser, CDPSession, Page } from 'playwright-core'

const VIEWPORT = { width: 1920, height: 1080 }
// 1,000 libp2p nodes dialling one relay take a while on a shared 2-core machine
const DEVNET_TIMEOUT_MS = 180_000

/** performance.now() (ms since navigation start) when the page first showed each thing. */
export interface Marks {
  /** the app rendered (the connection badge is on screen) */
  app: number
  /** the badge says Live */
  live: number
  /** the first animation frame after the summary says all nodes are online and the table
   *  accounts for all of them (rows, plus "+ N more not shown"), from whichever source */
  all: number
  /** the page's own marks (feed-client.ts): the relay's snapshot over HTTP handed to the store
   *  (null when the feed was first), the feed stream open, and the feed's snapshot received */
  httpSnapshot: number | null
  feedOpen: number
  synced: number
}

/**
 * Installed before the page's own scripts: a MutationObserver notes when each mark first
 * holds, so what is timed is the page, not how often this process polls it. It watches until
 * every node is shown and the badge says Live, then reports the marks over the console
 * (pageSignal). A string: this file is type-checked as Node code, without the DOM.
 */
function marksScript (nodes: number): string {
  return `(() => {
    const marks = window.__benchMarks = { app: null, live: null, all: null, httpSnapshot: null, feedOpen: null, synced: null, done: false }
    const number = selector => Number((document.querySelector(selector)?.textContent ?? '').replace(/[,\\s]/g, ''))
    const mark = name => performance.getEntriesByName(name, 'mark')[0]?.startTime ?? null
    let allSeen = false
    const observer = new MutationObserver(() => {
      const connection = document.querySelector('[data-testid=connection]')
      if (connection === null) return
      marks.app ??= performance.now()
      if (connection.dataset.state === 'live') marks.live ??= performance.now()
      const hidden = Number(/\\+ (\\d+) more/.exec(document.querySelector('[data-testid=node-table] .more')?.textContent ?? '')?.[1] ?? 0)
      if (!allSeen && number('[data-testid=summary-online] .big') === ${nodes} && document.querySelectorAll('tr.row').length + hidden === ${nodes}) {
        allSeen = true
        requestAnimationFrame(() => { marks.all = performance.now() })
      }
      if (allSeen && marks.live !== null) {
        observer.disconnect()
        requestAnimationFrame(() => {
          marks.httpSnapshot = mark('devnet:http-snapshot')
          marks.feedOpen = mark('devnet:feed-open')
          marks.synced = mark('devnet:synced')
          marks.done = true
          console.debug('devnet-bench marks ' + JSON.stringify(marks))
        })
      }
    })
    observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true })
  })()`
}

/** Navigates to `url` and waits for marksScript's report (pageSignal: nothing polls the page). */
async function loadForMarks (page: Page, url: string): Promise<Marks> {
  const marks = pageSignal<Marks>(page, 'marks', DEVNET_TIMEOUT_MS)
  await page.goto(url, { waitUntil: 'commit' })
  return await marks
}

/** A relay serving staticDir and a steady devnet of `nodes`, both on core 0; Chromium on core 1. */
async function withDevnet<T> (options: { staticDir: string, nodes: number, blockTime: string, beatPeriod: string, scenario?: string }, body: (httpUrl: string, browser: Browser) => Promise<T>): Promise<T> {
  const dataDir = await tempDir()
  let browser: Browser | undefined
  try {
    pin(process.pid, 0)
    const relay = await startRelayProcess({ dataDir, staticDir: options.staticDir })
    await startSimProcess({ target: tcpTarget(relay.info), nodes: options.nodes, scenario: options.scenario ?? 'steady', blockTime: options.blockTime, beatPeriod: options.beatPeriod })
    const httpUrl = relay.info.httpUrl
    await waitFor(`${options.nodes} nodes connected`, async () => (await getJson<{ nodesConnected: number }>(`${httpUrl}/healthz`)).nodesConnected === options.nodes, DEVNET_TIMEOUT_MS)
    pin(process.pid, 1)
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS })
    return await body(httpUrl, browser)
  } finally {
    await browser?.close()
    await stopAll()
    await removeDir(dataDir)
  }
}

export interface FirstDataResult {
  nodes: number
  /** a fresh browser context each: no cache, no stored libp2p key */
  first: Marks[]
  /** the same context opening the page again */
  repeat: Marks[]
}

export async function firstData (options: { staticDir: string, nodes: number, loads: number, log: (line: string) => void }): Promise<FirstDataResult> {
  // the simulator's default periods: a devnet's pace, sped up (go-filecoin beats every 3 s)
  return await withDevnet({ staticDir: options.staticDir, nodes: options.nodes, blockTime: '4s', beatPeriod: '3s' }, async (httpUrl, browser) => {
    const result: FirstDataResult = { nodes: options.nodes, first: [], repeat: [] }
    for (let k = 0; k < options.loads; k++) {
      const context = await browser.newContext({ viewport: VIEWPORT })
      try {
        await context.addInitScript(marksScript(options.nodes))
        const page = await context.newPage()
        // the new context's window has its own UI to start first (browserIdle)
        if (!await browserIdle()) options.log('  the browser was still busy 10 s after the page opened')
        for (const visits of [result.first, result.repeat]) {
          visits.push(await loadForMarks(page, `${httpUrl}/`))
        }
      } finally {
        await context.close()
      }
      const ms = (marks: Marks | undefined): string => `app ${Math.round(marks?.app ?? NaN)}, http snapshot ${Math.round(marks?.httpSnapshot ?? NaN)}, all ${Math.round(marks?.all ?? NaN)}, feed open ${Math.round(marks?.feedOpen ?? NaN)}, live ${Math.round(marks?.live ?? NaN)} ms`
      options.log(`  load ${k + 1}: first visit ${ms(result.first[k])}; repeat visit ${ms(result.repeat[k])}`)
    }
    return result
  })
}

export interface FrameStats {
  seconds: number
  /** frames in each whole second of the window */
  fpsMedian: number
  fpsWorst: number
  longestFrameMs: number
  /** durations of tasks over 50 ms (the browser's long tasks), longest first */
  longTasksMs: number[]
  /** the frames that held them (Long Animation Frame entries with a task over 50 ms): when, in
   *  ms from the window's start, and what ran: each script over 5 ms (how it was called, its
   *  file and function, ms) and the frame's style and layout. A long task in no such frame ran
   *  neither script nor rendering: the browser's own (a garbage collection, say), as in
   *  `unframed` */
  longFrames: string[]
  unframed: string[]
  /** the same window's main-thread tasks over 50 ms in a trace, with the CPU each had: on
   *  Chromium's one core the rest of a task's time it waited for the core (withTaskTrace) */
  tracedLongTasks: TracedTask[]
  /** CPU ms a second of the page's main thread and of its feed worker, from the trace */
  cpuMsPerSecond: { main: number, worker: number }
  /** share of the window the page's main thread was busy, and what with */
  busy: { task: number, script: number, layout: number, style: number }
  /** heartbeats the relay accepted per second meanwhile: the load was really there */
  beatsPerSecond: number
}

export interface RenderHeapResult {
  nodes: number
  /** an empty page, same browser and window: what the frame rate can be at all here */
  emptyFps: number
  /** right after every node is shown, and just before the last heap sample */
  early: FrameStats
  late: FrameStats
  heapAt: [number, number]
  memory: [PageMemory, PageMemory]
  /** the highest heap after GC in samples taken between the two (outside the render windows) */
  peakHeap: number
  /** the feed worker's JS heap after GC at the same two times, and its highest between */
  workerHeap: [number, number]
  peakWorkerHeap: number
}

/**
 * Frames (requestAnimationFrame timestamps) and long tasks (PerformanceObserver) over ms
 * milliseconds; resolves at the end with both.
 */
function framesScript (ms: number): string {
  return `new Promise(resolve => {
    const frames = []
    const longTasks = []
    const longFrames = []
    const longSpans = []
    const frameSpans = []
    const observer = new PerformanceObserver(list => { for (const entry of list.getEntries()) { longTasks.push(entry.duration); longSpans.push([entry.startTime, entry.duration]) } })
    observer.observe({ type: 'longtask' })
    const start = performance.now()
    const ms = value => Math.round(value)
    const frameObserver = new PerformanceObserver(list => {
      for (const e of list.getEntries()) {
        if (e.blockingDuration <= 0) continue
        frameSpans.push([e.startTime, e.startTime + e.duration])
        // a frame that ended before the window began (the frame under way when the observer
        // started is reported too) is not the window's: kept above only to place a long task
        // reported with it
        if (e.startTime + e.duration < start) continue
        const scripts = e.scripts.filter(s => s.duration > 5).map(s => (s.invokerType + ' ' + (s.sourceURL.split('/').pop() || '') + ':' + (s.sourceFunctionName || s.invoker)).replace(/-[A-Za-z0-9_-]{8}\.js/, '.js') + ' ' + ms(s.duration) + (s.forcedStyleAndLayoutDuration > 1 ? ' (forced layout ' + ms(s.forcedStyleAndLayoutDuration) + ')' : ''))
        const render = e.renderStart > 0 ? e.startTime + e.duration - e.renderStart : 0
        const style = e.styleAndLayoutStart > 0 ? e.startTime + e.duration - e.styleAndLayoutStart : 0
        longFrames.push('at ' + ms(e.startTime - start) + ' ms, ' + ms(e.duration) + ' ms: ' + [...scripts, 'rendering ' + ms(render) + ' (style and layout ' + ms(style) + ')'].join(', '))
      }
    })
    // not every Chromium has it: the long tasks above are counted either way
    try { frameObserver.observe({ type: 'long-animation-frame' }) } catch {}
    const frame = time => {
      frames.push(time)
      if (time - start < ${ms}) requestAnimationFrame(frame)
      else {
        observer.disconnect()
        frameObserver.disconnect()
        const unframed = longSpans.filter(([at, d]) => !frameSpans.some(([from, to]) => at >= from - 1 && at + d <= to + 1)).map(([at, d]) => 'at ' + ms(at - start) + ' ms, ' + ms(d) + ' ms')
        resolve({ frames, longTasks, longFrames, unframed })
      }
    }
    requestAnimationFrame(frame)
  })`
}

async function mainThreadSeconds (cdp: CDPSession): Promise<Record<'task' | 'script' | 'layout' | 'style', number>> {
  const { metrics } = await cdp.send('Performance.getMetrics')
  const value = (name: string): number => metrics.find(m => m.name === name)?.value ?? NaN
  return { task: value('TaskDuration'), script: value('ScriptDuration'), layout: value('LayoutDuration'), style: value('RecalcStyleDuration') }
}

async function measureFrames (page: Page, cdp: CDPSession, httpUrl: string, seconds: number): Promise<FrameStats> {
  const [busy0, beats0] = [await mainThreadSeconds(cdp), await getMetric(httpUrl, 'devnet_heartbeats_accepted_total')]
  const browser = page.context().browser()
  if (browser === null) throw new Error('the page has no browser to trace')
  const traced = await withTaskTrace(browser, page, async () => await page.evaluate(framesScript(seconds * 1000)) as { frames: number[], longTasks: number[], longFrames: string[], unframed: string[] })
  const { frames, longTasks, longFrames, unframed } = traced.result
  const [busy1, beats1] = [await mainThreadSeconds(cdp), await getMetric(httpUrl, 'devnet_heartbeats_accepted_total')]
  const start = frames[0] ?? 0
  const perSecond = Array.from({ length: seconds }, (_, k) => frames.filter(t => t >= start + k * 1000 && t < start + (k + 1) * 1000).length).sort((a, b) => a - b)
  const share = (key: keyof typeof busy0): number => (busy1[key] - busy0[key]) / seconds
  return {
    seconds,
    fpsMedian: percentile(perSecond, 0.5),
    fpsWorst: perSecond[0] ?? 0,
    longestFrameMs: Math.max(...frames.slice(1).map((t, k) => t - (frames[k] ?? t))),
    longTasksMs: longTasks.sort((a, b) => b - a),
    longFrames,
    unframed,
    tracedLongTasks: traced.longTasks,
    cpuMsPerSecond: traced.cpuMsPerSecond,
    busy: { task: share('task'), script: share('script'), layout: share('layout'), style: share('style') },
    beatsPerSecond: Math.round((beats1 - beats0) / seconds)
  }
}

/** Waits until `seconds` after `since`: the soak's own pacing, time passing is what is measured. */
async function until (since: number, seconds: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, Math.max(0, since + seconds * 1000 - Date.now())))
}

/**
 * One page on 1,000 nodes beating and making a block every second: frame
 * rate over renderSeconds once every node is shown, heap and DOM after GC at heapAt[0] and
 * heapAt[1] seconds after that, and the frame rate again over the last renderSeconds, when the
 * chart holds more history. With profileSeconds, then logs a JS profile and a main-thread trace
 * that long each: where the page's time goes.
 */
/**
 * `scenario`: the simulator's ('fork': 30% of the nodes spend 5 of every 12 blocks on another
 * branch, so the fork panel has two lanes and 300 lines are drawn forked). `screenshots`: a
 * directory for 1080p and 4K screenshots of the page while a fork is open, after the last
 * measurement. `gcSeconds`: then logs where the page's garbage comes from over that long
 * (page-profile.ts gcWindow): its collections, its heaps' growth, its JS allocation by function.
 */
export async function renderAndHeap (options: { staticDir: string, nodes: number, renderSeconds: number, heapAt: [number, number], profileSeconds?: number, gcSeconds?: number, scenario?: string, screenshots?: string, log: (line: string) => void }): Promise<RenderHeapResult> {
  return await withDevnet({ staticDir: options.staticDir, nodes: options.nodes, blockTime: '1s', beatPeriod: '1s', ...(options.scenario != null ? { scenario: options.scenario } : {}) }, async (httpUrl, browser) => {
    const page = await browser.newPage({ viewport: VIEWPORT })
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    const empty = await measureFrames(page, cdp, httpUrl, 5)
    options.log(`  empty page: ${empty.fpsMedian} fps`)

    await page.addInitScript(marksScript(options.nodes))
    const marks = await loadForMarks(page, `${httpUrl}/`)
    const shownAt = Date.now()
    options.log(`  all ${options.nodes} nodes shown ${Math.round(marks.all)} ms after navigation`)
    const log = (label: string, s: FrameStats): void => {
      options.log(`  ${label}: ${s.fpsMedian} fps median, worst second ${s.fpsWorst}, longest frame ${Math.round(s.longestFrameMs)} ms, ${s.longTasksMs.length} long tasks (longest ${Math.round(s.longTasksMs[0] ?? 0)} ms), main thread busy ${pct(s.busy.task)} (script ${pct(s.busy.script)}, layout ${pct(s.busy.layout)}, style ${pct(s.busy.style)}), relay took ${s.beatsPerSecond} beats/s`)
      for (const frame of s.longFrames) options.log(`    a frame with a long task ${frame}`)
      for (const task of s.unframed) options.log(`    a long task in no frame (no script, no rendering: the browser's own work) ${task}`)
      options.log(`    traced: CPU a second: main thread ${Math.round(s.cpuMsPerSecond.main)} ms, feed worker ${Math.round(s.cpuMsPerSecond.worker)} ms; main-thread tasks over 50 ms: ${s.tracedLongTasks.length === 0 ? 'none' : ''}`)
      for (const t of s.tracedLongTasks) options.log(`      ${Math.round(t.wallMs)} ms, CPU ${Math.round(t.cpuMs)} ms; meanwhile ${t.meanwhile.slice(0, 5).map(([thread, ms]) => `${thread} ${Math.round(ms)}`).join(', ')}`)
    }
    const early = await measureFrames(page, cdp, httpUrl, options.renderSeconds)
    log(`first ${options.renderSeconds} s`, early)

    // the page's feed runs in a worker with a heap of its own (src/dashboard/feed-worker.ts)
    const worker = await WorkerSession.attach(browser, 'feed-worker')
    await until(shownAt, options.heapAt[0])
    const first = await pageMemory(cdp)
    const firstWorker = await worker.heapAfterGc()
    options.log(`  at ${options.heapAt[0]} s: heap ${mib(first.heap)}, ${first.domNodes} DOM nodes; the feed worker's heap ${mib(firstWorker)}`)
    // samples between the two, for the peak: a leak that a collection later gives back (a
    // queue that fills and drains) shows here and not at either end
    let peakHeap = first.heap
    let peakWorkerHeap = firstWorker
    const everyS = Math.max(10, (options.heapAt[1] - options.heapAt[0]) / 12)
    for (let at = options.heapAt[0] + everyS; at < options.heapAt[1] - options.renderSeconds; at += everyS) {
      await until(shownAt, at)
      peakHeap = Math.max(peakHeap, (await pageMemory(cdp)).heap)
      peakWorkerHeap = Math.max(peakWorkerHeap, await worker.heapAfterGc())
    }
    await until(shownAt, options.heapAt[1] - options.renderSeconds)
    const late = await measureFrames(page, cdp, httpUrl, options.renderSeconds)
    log(`last ${options.renderSeconds} s`, late)
    await until(shownAt, options.heapAt[1])
    const last = await pageMemory(cdp)
    const lastWorker = await worker.heapAfterGc()
    peakHeap = Math.max(peakHeap, last.heap)
    peakWorkerHeap = Math.max(peakWorkerHeap, lastWorker)
    await worker.detach()
    options.log(`  at ${options.heapAt[1]} s: heap ${mib(last.heap)} (peak ${mib(peakHeap)}), ${last.domNodes} DOM nodes, ${last.listeners} listeners (${first.listeners} at ${options.heapAt[0]} s); the feed worker's heap ${mib(lastWorker)} (peak ${mib(peakWorkerHeap)})`)
    if (options.screenshots != null) {
      await page.waitForSelector('[data-testid=fork-panel][data-fork=open]', { timeout: 60_000 })
      for (const [label, width, height] of [['1080p', 1920, 1080], ['4k', 3840, 2160]] as const) {
        await page.setViewportSize({ width, height })
        // two frames: the resize's layout, then the canvas's lines
        await page.evaluate('new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))')
        await page.screenshot({ path: `${options.screenshots}/fork-panel-${options.nodes}-${label}.png` })
      }
      await page.setViewportSize(VIEWPORT)
      options.log(`  screenshots in ${options.screenshots}`)
    }
    if (options.profileSeconds != null) {
      const show = (title: string, spots: HotSpot[]): void => {
        options.log(`  ${title} over ${options.profileSeconds} s, by self time:`)
        for (const spot of spots.slice(0, 20)) options.log(`    ${String(spot.selfMs).padStart(6)} ms ${pct(spot.share).padStart(4)}  ${spot.name}  ${spot.where}`)
      }
      show('JS profile', await profileScripts(cdp, options.profileSeconds, options.staticDir))
      show('main thread trace', await traceMainThread(browser, page, options.profileSeconds))
    }
    if (options.gcSeconds != null) {
      const gc = await gcWindow(browser, page, cdp, options.gcSeconds, options.staticDir)
      const perSecond = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB/s`
      const kinds = (k: GcWindow['minor']): string => `${k.count} (${k.ms} ms, longest ${k.longestMs} ms)`
      options.log(`  garbage over ${gc.seconds} s: scavenges ${kinds(gc.minor)}, full collections ${kinds(gc.major)}; JS allocated ${perSecond(gc.jsBytesPerSecond)}`)
      options.log(`    heaps rose by: JS ${perSecond(gc.rise.js)}, Blink (DOM, style, layout) ${perSecond(gc.rise.blink)}, array buffers ${perSecond(gc.rise.arrayBuffers)}`)
      options.log('    JS allocation by function (sampled):')
      for (const spot of gc.allocations.slice(0, 20)) options.log(`    ${perSecond(spot.bytesPerSecond).padStart(13)} ${pct(spot.share).padStart(4)}  ${spot.name}  ${spot.where}`)
    }
    return { nodes: options.nodes, emptyFps: empty.fpsMedian, early, late, heapAt: options.heapAt, memory: [first, last], peakHeap, workerHeap: [firstWorker, lastWorker], peakWorkerHeap }
  })
}

export const pct = (share: number): string => `${Math.round(share * 100)}%`
