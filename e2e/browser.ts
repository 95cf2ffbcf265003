// Chromium as the browser tests and the dashboard benchmarks drive it, and what they read from
// a page through the DevTools protocol. Imports only types from Playwright, so plain Node
// (bench/) can use it as well as the Playwright config and specs.
import type { CDPSession } from 'playwright-core'

// Debian's Chromium: a test tool's own browser download fails on these machines
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

export interface PageMemory { heap: number, domNodes: number, listeners: number }

/** The page's live JS heap and DOM nodes, after a full garbage collection (Performance.enable first). */
export async function pageMemory (cdp: CDPSession): Promise<PageMemory> {
  await cdp.send('HeapProfiler.collectGarbage')
  const { metrics } = await cdp.send('Performance.getMetrics')
  const value = (name: string): number => metrics.find(m => m.name === name)?.value ?? NaN
  return { heap: value('JSHeapUsedSize'), domNodes: value('Nodes'), listeners: value('JSEventListeners') }
}
