// Shared pieces of the benchmarks: the relay as its own process pinned to one core, process
// CPU and memory from /proc, percentiles, and a byte-counting TCP proxy.
import { readdirSync, readFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { spawnSync } from 'node:child_process'
import { startRelayProcess } from '../src/testing/relay-process.ts'
import type { ScratchRelay } from '../src/testing/relay-process.ts'
import type { AddressInfo, Server, Socket } from 'node:net'
import type { Page } from 'playwright-core'

export { MiB, mib } from './memory.ts'

const CLOCK_TICKS = 100 // USER_HZ on Linux

/** Pins a process to one core (taskset), so the relay and the load get a core each. */
export function pin (pid: number, core: number): void {
  spawnSync('taskset', ['-pc', String(core), String(pid)], { stdio: 'ignore' })
}

/** CPU seconds (user + system) used so far by every process whose command line names Chromium. */
function chromiumCpuSeconds (): number {
  let total = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('chromium')) continue
      total += cpuSeconds(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return total
}

/**
 * Resolves once Chromium's processes together used under 5% of a core over the last 300 ms
 * (true), or after `timeoutMs` (false). A new browser context opens a window, and its own UI
 * (the omnibox popup, a WebUI renderer of its own) took 0.9 to 1.7 s of CPU here, on the core
 * the page then loads on: a wall's browser spent that when it started, not when the dashboard
 * loads. A page-load benchmark navigates once it has.
 */
export async function browserIdle (timeoutMs = 10_000): Promise<boolean> {
  const WINDOW_MS = 300
  const deadline = Date.now() + timeoutMs
  let before = chromiumCpuSeconds()
  while (Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, WINDOW_MS)) // the interval measured
    const now = chromiumCpuSeconds()
    if (now - before < 0.05 * WINDOW_MS / 1000) return true
    before = now
  }
  return false
}

/**
 * What a page's init script reports with `console.debug('devnet-bench <name> <json>')`, parsed.
 * A page-load benchmark navigates with `waitUntil: 'commit'` and waits for this, so nothing of
 * Playwright's runs in the page while it loads: waiting for the load event and then for a
 * function made Playwright evaluate its injected script (~20 ms here) and poll the page (every
 * frame, for waitForFunction's default) on the page's main thread, inside the time measured.
 * Call before the navigation it is about.
 */
export async function pageSignal<T> (page: Page, name: string, timeoutMs: number): Promise<T> {
  const prefix = `devnet-bench ${name} `
  const message = await page.waitForEvent('console', { predicate: m => m.text().startsWith(prefix), timeout: timeoutMs })
  return JSON.parse(message.text().slice(prefix.length)) as T
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}

export function rssBytes (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}

export function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
}

/** The relay CLI in its own process on core 0, with a per-peer rate limit out of the way. */
export async function startBenchRelay (extraArgs: string[] = [], options: { inspect?: boolean } = {}): Promise<ScratchRelay> {
  const relay = await startRelayProcess(['--max-beats-per-second', '1000000', '--max-viewers', '1000', ...extraArgs], options)
  pin(relay.pid, 0)
  return relay
}

/** A TCP proxy that counts every byte the upstream sends down: all framing included. */
export interface CountingProxy {
  port: number
  downstreamBytes: () => number
  close: () => Promise<void>
}

export async function countingProxy (upstreamPort: number): Promise<CountingProxy> {
  let down = 0
  const sockets = new Set<Socket>()
  const server: Server = createServer(client => {
    const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort })
    sockets.add(client)
    sockets.add(upstream)
    upstream.on('data', (chunk: Buffer) => { down += chunk.length })
    client.pipe(upstream)
    upstream.pipe(client)
    const end = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    downstreamBytes: () => down,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}

