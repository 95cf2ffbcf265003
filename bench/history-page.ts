// A window of the record on screen: 1,000 nodes over the last hour and over a week, from
// navigation to the second frame after the page has drawn them (time travel to the record's last
// moment: every node then, and the window's heights thinned on the relay to the chart's width).
// The relay and its record run on core 0, headless Chromium on core 1.
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { Browser } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/browser.ts'
import { startRelayProcess, stopAll } from '../e2e/devnet.ts'
import { WINDOW_POINTS } from '../src/dashboard/history-api.ts'
import { browserIdle, pageSignal, pin, percentile } from './lib.ts'
import { fillRecord } from './record.ts'

export interface WindowTiming {
  window: string
  ms: number[]
  median: number
  worst: number
  /** the relay alone: /api/history for the window as the page asks for it, ms to the whole answer (median) */
  relayMs: number
}

/**
 * Installed before the page's own scripts, so what is timed is the page and not how often this
 * process polls it: every frame checks whether the moment is shown (the banner no longer says
 * loading: the table and the summary have every node) and the chart's lines are on its canvas
 * (the page's devnet:chart-drawn mark); the time of the second frame after that is the answer,
 * sent as a console message (pageSignal). A string: this file is checked as Node code, without
 * the DOM.
 */
const SHOWN_SCRIPT = `(() => {
  let frames = -1
  const frame = () => {
    if (frames < 0 && document.querySelector('[data-testid=time-travel][data-loading=false]') !== null && performance.getEntriesByName('devnet:chart-drawn', 'mark').length > 0) frames = 0
    if (frames >= 0 && ++frames > 2) { console.debug('devnet-bench window-shown ' + performance.now()); return }
    requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)
})()`

/** `record`: a record made before (fillRecord's dir and end), copied instead of recording anew. */
export async function historyOnScreen (options: { staticDir: string, nodes: number, days: number, loads: number, record?: { dir: string, end: number }, log: (line: string) => void }): Promise<WindowTiming[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'devnet-bench-history-'))
  let browser: Browser | undefined
  try {
    let end: number
    if (options.record != null) {
      cpSync(options.record.dir, dataDir, { recursive: true })
      end = options.record.end
    } else {
      options.log(`  recording ${options.nodes} nodes over ${options.days} days`)
      end = await fillRecord(dataDir, { nodes: options.nodes, days: options.days, log: options.log })
    }
    // the relay (a child of this process) on core 0, the browser launched after it on core 1
    pin(process.pid, 0)
    const relay = await startRelayProcess({ dataDir, staticDir: options.staticDir })
    pin(process.pid, 1)
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
    const out: WindowTiming[] = []
    // the page's files once, so they are gzipped: the relay gzips them in the background at
    // start (and a file asked for before that, at its request), which a timed load must not meet
    for (const name of ['', ...readdirSync(join(options.staticDir, 'assets')).filter(file => !file.endsWith('.map')).map(file => `assets/${file}`)]) {
      await (await fetch(`${relay.info.httpUrl}/${name}`, { headers: { 'accept-encoding': 'gzip' } })).arrayBuffer()
    }
    // the moment shown: a second before the record's end, every node online and in sync; the
    // record's last moment is its relay stopping, every node offline (a faint grey chart and a
    // table of offline rows, which is not what a window is looked at for)
    const moment = end - 1_000
    // what the relay takes to answer, alone: the window the page asks for (the first of each
    // is the relay's first such query, its code not yet optimised by V8)
    const relayMs = new Map<string, number>()
    for (const [window, ms] of [['1h', 3_600_000], [`${options.days}d`, options.days * 86_400_000]] as const) {
      const times: number[] = []
      for (let k = 0; k < 5; k++) {
        let started = performance.now()
        await (await fetch(`${relay.info.httpUrl}/api/state?at=${moment}`)).text()
        const stateMs = performance.now() - started
        started = performance.now()
        const body = await (await fetch(`${relay.info.httpUrl}/api/history?from=${moment - ms}&to=${moment}&points=${WINDOW_POINTS}`, { headers: { 'accept-encoding': 'gzip' } })).text()
        times.push(performance.now() - started)
        options.log(`    relay: ${window} state ${Math.round(stateMs)} ms, history ${Math.round(performance.now() - started)} ms (${(body.length / 1e6).toFixed(2)} MB)`)
      }
      relayMs.set(window, Math.round(percentile([...times].sort((a, b) => a - b), 0.5)))
    }
    for (const window of ['1h', `${options.days}d`]) {
      const ms: number[] = []
      for (let k = 0; k < options.loads; k++) {
        const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
        await context.addInitScript(SHOWN_SCRIPT)
        const page = await context.newPage()
        // the new context's window has its own UI to start first (browserIdle)
        if (!await browserIdle()) options.log('    the browser was still busy 10 s after the page opened')
        const shown = pageSignal<number>(page, 'window-shown', 60_000)
        await page.goto(`${relay.info.httpUrl}/?at=${new Date(moment).toISOString()}&window=${window}`, { waitUntil: 'commit' })
        const at = await shown
        const known = await page.getByTestId('summary-online').textContent() ?? ''
        if (!known.replace(/,/g, '').includes(`${options.nodes} known`)) throw new Error(`not every node on screen: ${known}`)
        ms.push(at)
        const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map(m => [m.name, Math.round(m.startTime)])))
        // when the page asked for the moment and the window, and when the relay answered (its
        // first byte: the query's time; its last: the transfer), ms from navigation
        const requests = await page.evaluate(() => performance.getEntriesByType('resource')
          .filter(r => /\/api\/(state|history)\?/.test(r.name))
          // typed by hand, as above
          .map(r => { const t = r as unknown as { name: string, startTime: number, responseStart: number, responseEnd: number }; return `${/history/.test(t.name) ? 'history' : 'state'} ${Math.round(t.startTime)}→${Math.round(t.responseStart)}→${Math.round(t.responseEnd)}` }))
        options.log(`    ${window}: ${JSON.stringify(marks)} ${requests.join(', ')} on screen ${Math.round(at)}`)
        await context.close()
      }
      const sorted = [...ms].sort((a, b) => a - b)
      out.push({ window, ms, median: Math.round(percentile(sorted, 0.5)), worst: Math.round(sorted.at(-1) ?? NaN), relayMs: relayMs.get(window) ?? NaN })
      options.log(`  ${window}: ${ms.map(v => Math.round(v)).join(', ')} ms`)
    }
    return out
  } finally {
    await browser?.close()
    await stopAll()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // [staticDir] [days] [recordDir recordEnd]: a record made before, to compare two builds on one
  const staticDir = process.argv[2] ?? join(import.meta.dirname, '..', 'dist')
  const record = process.argv[4] != null ? { dir: process.argv[4], end: Number(process.argv[5]) } : undefined
  const result = await historyOnScreen({ staticDir, nodes: 1_000, days: Number(process.argv[3] ?? 7), loads: Number(process.env.LOADS ?? 3), ...(record != null ? { record } : {}), log: line => { console.log(line) } })
  for (const r of result) console.log(`${r.window}: median ${r.median} ms, worst ${r.worst} ms; the relay alone ${r.relayMs} ms (median)`)
  process.exit(0)
}
