// The watcher's cost and speed: a `devnet-dashboard watch` process (on core 1) watching n node
// APIs served by one local process (bench/watch-nodes.ts: a third each Filecoin, beacon and
// execution, a block every 4 s each) and beating for them to a relay (the relay and the node
// server on core 0). Then how long a node's new head takes to reach a feed subscriber and the
// page (Chromium), for probe nodes whose heads the benchmark makes itself.
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/browser.ts'
import { removeDir, startRelayProcess, stopAll, tcpTarget, tempDir } from '../e2e/devnet.ts'
import { FeedClient } from '../src/testing/feed-client.ts'
import { getJson } from '../src/testing/http.ts'
import { createPeer } from '../src/testing/peers.ts'
import { waitFor } from '../src/testing/wait-for.ts'
import { cpuSeconds, percentile, pin, rssBytes } from './lib.ts'
import { kindOf, nodeFile } from './watch-nodes.ts'
import type { ChildProcess } from 'node:child_process'

const NODE_SERVER = fileURLToPath(new URL('./watch-nodes.ts', import.meta.url))
const BIN = fileURLToPath(new URL('../bin/devnet-dashboard.js', import.meta.url))
// 1,000 watched nodes dial the relay and their APIs on a shared 2-core machine
const UP_TIMEOUT_MS = 240_000

interface Child { process: ChildProcess, pid: number, stop: () => Promise<void> }

function track (child: ChildProcess): Child {
  const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
  return {
    process: child,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const force = setTimeout(() => { child.kill('SIGKILL') }, 10_000)
      await exited
      clearTimeout(force)
    }
  }
}

async function startNodeServer (count: number, probes: number[]): Promise<Child & { port: number }> {
  const child = spawn(process.execPath, [NODE_SERVER, String(count), '4000', probes.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', () => { reject(new Error('the node server exited')) })
    createInterface({ input: child.stdout }).once('line', line => { resolve((JSON.parse(line) as { port: number }).port) })
  })
  pin(child.pid ?? 0, 0)
  return { ...track(child), port }
}

async function startWatcher (nodesFile: string, target: string, dataDir: string): Promise<Child & { output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'watch', '--nodes', nodesFile, '--target', target, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBUG: '' } })
  let out = ''
  const keep = (chunk: Buffer): void => { out = (out + chunk.toString()).slice(-8000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  pin(child.pid ?? 0, 1)
  return { ...track(child), output: () => out }
}

export interface WatcherCostPoint {
  nodes: number
  /** from the watcher's start until the relay had every node connected */
  upSeconds: number
  /** the watcher's CPU over the sample window, % of one core */
  cpuPercent: number
  /** median RSS over the window, MiB, and per node (minus the 0-node baseline) */
  rssMiB: number
  perNodeKiB: number
  /** heartbeats the relay accepted per second meanwhile */
  beatsPerSecond: number
}

export interface WatcherCostResult { idleMiB: number, points: WatcherCostPoint[] }

async function withRelay<T> (body: (relay: { httpUrl: string, target: string, dataDir: string }, staticDir?: string) => Promise<T>, staticDir?: string): Promise<T> {
  const dataDir = await tempDir()
  try {
    pin(process.pid, 0)
    const relay = await startRelayProcess({ dataDir, ...(staticDir != null ? { staticDir } : {}) })
    return await body({ httpUrl: relay.info.httpUrl, target: tcpTarget(relay.info), dataDir })
  } finally {
    await stopAll()
    await removeDir(dataDir)
  }
}

async function accepted (httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  return Number(/^devnet_heartbeats_accepted_total (\d+)/m.exec(text)?.[1] ?? 0)
}

/** The watcher process's CPU and memory while it watches each count of nodes. */
export async function watcherCost (options: { counts: number[], sampleSeconds: number, log: (line: string) => void }): Promise<WatcherCostResult> {
  return await withRelay(async relay => {
    const points: WatcherCostPoint[] = []
    let idleMiB = NaN
    for (const count of [0, ...options.counts]) {
      const server = await startNodeServer(Math.max(count, 1), [])
      const file = join(relay.dataDir, `nodes-${count}.json`)
      await writeFile(file, JSON.stringify(nodeFile(server.port, count)))
      const started = Date.now()
      const watcher = await startWatcher(file, relay.target, join(relay.dataDir, `watch-${count}`))
      try {
        await waitFor(`${count} watched nodes connected at the relay`, async () => (await getJson<{ nodesConnected: number }>(`${relay.httpUrl}/healthz`)).nodesConnected === count && (count > 0 || watcher.output().includes('relay --roster')), UP_TIMEOUT_MS, watcher.output)
        const upSeconds = (Date.now() - started) / 1000
        // let joining settle before measuring the steady state
        await new Promise(resolve => setTimeout(resolve, 5_000))
        const cpu0 = cpuSeconds(watcher.pid)
        const beats0 = await accepted(relay.httpUrl)
        const t0 = Date.now()
        const rss: number[] = []
        while (Date.now() - t0 < options.sampleSeconds * 1000) {
          rss.push(rssBytes(watcher.pid))
          await new Promise(resolve => setTimeout(resolve, 250))
        }
        const seconds = (Date.now() - t0) / 1000
        const cpuPercent = Math.round((cpuSeconds(watcher.pid) - cpu0) / seconds * 1000) / 10
        const beatsPerSecond = Math.round((await accepted(relay.httpUrl) - beats0) / seconds)
        const rssMiB = Math.round(percentile(rss.sort((a, b) => a - b), 0.5) / 2 ** 20)
        if (count === 0) {
          idleMiB = rssMiB
          options.log(`  no nodes: watcher RSS ${rssMiB} MiB, CPU ${cpuPercent}%`)
        } else {
          const point = { nodes: count, upSeconds: Math.round(upSeconds * 10) / 10, cpuPercent, rssMiB, perNodeKiB: Math.round((rssMiB - idleMiB) * 1024 / count), beatsPerSecond }
          points.push(point)
          options.log(`  ${count} nodes: all up at the relay in ${point.upSeconds} s; watcher CPU ${cpuPercent}% of a core, RSS ${rssMiB} MiB (${point.perNodeKiB} KiB per node); relay took ${beatsPerSecond} beats/s`)
        }
      } finally {
        await watcher.stop()
        await server.stop()
      }
      // the relay forgets nothing between counts; the next count's nodes are new peers
      await waitFor('the watched nodes offline', async () => (await getJson<{ nodesConnected: number }>(`${relay.httpUrl}/healthz`)).nodesConnected === 0, 60_000)
    }
    return { idleMiB, points }
  })
}

export interface HeadLatencyResult {
  nodes: number
  /** ms from the node's new head to a feed subscriber, and to the page, per kind */
  feed: Record<string, number[]>
  page: Record<string, number[]>
}

/**
 * n watched nodes; three probes (one of each kind) make a block when told. For each: the time
 * from the node server's new head (just before it is pushed) to the relay's feed (a libp2p
 * subscriber in this process) and to the page (a MutationObserver in Chromium sees the row's
 * height change; the page shows changes at most every 250 ms by design).
 */
export async function headToPage (options: { staticDir: string, nodes: number, samples: number, log: (line: string) => void }): Promise<HeadLatencyResult> {
  const probes = [0, 1, 2]
  return await withRelay(async relay => {
    const server = await startNodeServer(options.nodes, probes)
    const file = join(relay.dataDir, 'nodes.json')
    await writeFile(file, JSON.stringify(nodeFile(server.port, options.nodes, probes)))
    const watcher = await startWatcher(file, relay.target, join(relay.dataDir, 'watch'))
    const peer = await createPeer()
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS })
    try {
      await waitFor(`${options.nodes} watched nodes connected`, async () => (await getJson<{ nodesConnected: number }>(`${relay.httpUrl}/healthz`)).nodesConnected === options.nodes, UP_TIMEOUT_MS, watcher.output)
      const relayInfo = await getJson<{ multiaddrs: string[] }>(`${relay.httpUrl}/relay.json`)
      const feed = await FeedClient.open(peer, relayInfo.multiaddrs.find(addr => addr.includes('/ws')) ?? '')
      const seenAtFeed = new Map<string, number>()
      feed.onMessage = message => {
        if (message.t !== 'hb' && message.t !== 'node') return
        const record = feed.nodes.get(message.i)
        if (record?.nickname.startsWith('probe-') === true) {
          const key = `${record.nickname}:${record.height}`
          if (!seenAtFeed.has(key)) seenAtFeed.set(key, Date.now())
        }
      }
      const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
      await page.addInitScript(`(() => {
        const seen = window.__seen = {}
        new MutationObserver(() => {
          for (const row of document.querySelectorAll('tr.row')) {
            const name = row.querySelector('td.c-nick')?.textContent ?? ''
            const height = (row.querySelector('td.c-height')?.textContent ?? '').replace(/[,\\s]/g, '')
            const key = name + ':' + height
            if (!(key in seen)) seen[key] = performance.timeOrigin + performance.now()
          }
        }).observe(document, { subtree: true, childList: true, characterData: true })
      })()`)
      await page.goto(`${relay.httpUrl}/?filter=probe`)
      await page.waitForFunction('document.querySelectorAll("tr.row").length === 3', undefined, { timeout: 60_000 })
      const result: HeadLatencyResult = { nodes: options.nodes, feed: {}, page: {} }
      // one unmeasured round first: the page's first updates after its load are not the steady state
      for (let k = -1; k < options.samples; k++) {
        for (const i of probes) {
          const name = `probe-${kindOf(i)}-${i}`
          const before = Date.now()
          const height = Number(await (await fetch(`http://127.0.0.1:${server.port}/_advance/${i}`, { method: 'POST' })).text())
          const key = `${name}:${height}`
          await waitFor(`${key} on the page`, async () => await page.evaluate(`window.__seen[${JSON.stringify(key)}] !== undefined`) === true && seenAtFeed.has(key), 15_000)
          const pageAt = await page.evaluate(`window.__seen[${JSON.stringify(key)}]`) as number
          if (k < 0) continue
          ;(result.feed[kindOf(i)] ??= []).push((seenAtFeed.get(key) ?? NaN) - before)
          ;(result.page[kindOf(i)] ??= []).push(pageAt - before)
        }
        // apart, so each sample meets a quiet page update timer at a random phase
        await new Promise(resolve => setTimeout(resolve, 700 + Math.random() * 600))
      }
      for (const kind of Object.keys(result.page)) {
        options.log(`  ${kind}: feed ${(result.feed[kind] ?? []).map(Math.round).join(', ')} ms; page ${(result.page[kind] ?? []).map(Math.round).join(', ')} ms`)
      }
      return result
    } finally {
      await browser.close()
      await peer.stop()
      await watcher.stop()
      await server.stop()
    }
  }, options.staticDir)
}
