// The fork monitor's figures: how soon a fork is on screen after the heads diverge (the fork
// panel and the alarm, in Chromium, against a relay process), and what following the branches
// costs the relay (the ForkMonitor in this process, 1,000 nodes).
// Alarm: nodes that beat as watched nodes do (at once on every new head, and every 3 s
// besides) follow one chain with a block every `blockMs`; at a block, a share of them follows
// another branch instead (other heads at the same heights). From the moment the first of
// them sent its first head of the other branch, to the page showing the fork panel's FORK and
// the red consensus tile (Date.now() in both: one machine, one clock).
import { chromium } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/browser.ts'
import { removeDir, startRelayProcess, stopAll, tempDir } from '../e2e/devnet.ts'
import { encodeHeartbeatLine } from '../src/protocol/index.ts'
import { ForkMonitor } from '../src/relay/fork-monitor.ts'
import { createPeer, openHeartbeatStream } from '../src/testing/peers.ts'
import { waitFor } from '../src/testing/wait-for.ts'
import { percentile, pin } from './lib.ts'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { Browser, Page } from 'playwright-core'

const enc = new TextEncoder()
// a watched node's timer beat (go-filecoin's BeatPeriod), besides the beat on each new head
const BEAT_MS = 3_000

/** A tipset key as long as a real one (three blocks), distinct per branch and height. */
function head (branch: string, height: number): string {
  const cid = (k: number): string => `bafy2bzace${branch}${k}x${height}`.padEnd(62, 'a')
  return `{ ${cid(0)} ${cid(1)} ${cid(2)} }`
}

interface Node { peer: Libp2p, stream: Stream, name: string, branch: string, height: number, timer?: ReturnType<typeof setInterval> }

function beat (node: Node): void {
  if (node.stream.status !== 'open') return
  node.stream.send(enc.encode(encodeHeartbeatLine({ head: head(node.branch, node.height), height: node.height, nickname: node.name, minerAddress: null, genesisCid: null })))
}

/** Installed before the page's scripts: the page's clock when the fork panel and the alarm tile first show a fork. */
const ALARM_WATCH = `(() => {
  const seen = window.__forkSeen = { panel: null, tile: null }
  new MutationObserver(() => {
    if (seen.panel === null && document.querySelector('[data-testid=fork-panel][data-fork=open]') !== null) seen.panel = Date.now()
    if (seen.tile === null && document.querySelector('[data-testid=summary-consensus].tile-alarm') !== null) seen.tile = Date.now()
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true })
})()`

export interface ForkAlarmResult {
  blockMs: number
  nodes: number
  /** per fork: ms from the first diverging head sent to the panel's FORK, and to the red tile */
  panelMs: number[]
  tileMs: number[]
}

export async function forkAlarm (options: { staticDir: string, nodes: number, blockMs: number, forks: number, log: (line: string) => void }): Promise<ForkAlarmResult> {
  const dataDir = await tempDir()
  const nodes: Node[] = []
  let browser: Browser | undefined
  let chain: ReturnType<typeof setInterval> | undefined
  const result: ForkAlarmResult = { blockMs: options.blockMs, nodes: options.nodes, panelMs: [], tileMs: [] }
  try {
    pin(process.pid, 0)
    const relay = await startRelayProcess({ dataDir, staticDir: options.staticDir })
    const target = relay.info.nodeAddrs.find(addr => !addr.includes('/ws')) ?? ''
    for (let k = 0; k < options.nodes; k++) {
      const peer = await createPeer()
      const node: Node = { peer, stream: await openHeartbeatStream(peer, target), name: `watched${k}`, branch: 'm', height: 1 }
      node.timer = setInterval(() => { beat(node) }, BEAT_MS)
      beat(node)
      nodes.push(node)
    }
    // the chain: a block every blockMs, each node beating it at once (a watcher's new-head beat)
    let height = 1
    let diverge = false
    let divergedAt = 0
    const minority = nodes.slice(0, Math.max(1, Math.round(0.3 * nodes.length)))
    chain = setInterval(() => {
      height++
      for (const node of nodes) {
        node.height = height
        const branch = diverge && minority.includes(node) ? 'f' : 'm'
        if (branch === 'f' && node.branch !== 'f' && divergedAt === 0) divergedAt = Date.now()
        node.branch = branch
        beat(node)
      }
    }, options.blockMs)
    pin(process.pid, 1)
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS })
    const page: Page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    for (let run = 0; run < options.forks; run++) {
      await page.addInitScript(ALARM_WATCH)
      await page.goto(`${relay.info.httpUrl}/`)
      await page.waitForSelector('[data-testid=connection][data-state=live]', { timeout: 60_000 })
      // blocks enough for the page and the relay to know the block time
      const from = height
      await waitFor('ten blocks', () => height >= from + 10, 20 * options.blockMs + 30_000)
      divergedAt = 0
      diverge = true
      await page.waitForFunction('window.__forkSeen.panel !== null && window.__forkSeen.tile !== null', undefined, { timeout: 10 * options.blockMs + 30_000 })
      const seen = await page.evaluate('window.__forkSeen') as { panel: number, tile: number }
      result.panelMs.push(seen.panel - divergedAt)
      result.tileMs.push(seen.tile - divergedAt)
      options.log(`  fork ${run + 1}: panel ${seen.panel - divergedAt} ms, alarm tile ${seen.tile - divergedAt} ms after the heads diverged (block ${options.blockMs} ms)`)
      // the reorg, and one chain again before the next
      diverge = false
      await page.waitForSelector('[data-testid=fork-panel][data-fork=none]', { timeout: 10 * options.blockMs + 30_000 })
    }
    return result
  } finally {
    clearInterval(chain)
    for (const node of nodes) clearInterval(node.timer)
    await browser?.close()
    await Promise.all(nodes.map(async node => { await node.peer.stop() }))
    await stopAll()
    await removeDir(dataDir)
  }
}

export interface MonitorCostResult {
  nodes: number
  /** µs per heartbeat whose head did not change, and per one that did (a new block) */
  sameHeadUs: number
  newHeadUs: number
  /** ms per evaluation and panel (what the relay does 4 times a second): steady, and forked */
  evaluateSteadyMs: number
  evaluateForkedMs: number
}

/**
 * The ForkMonitor alone, in this process: 1,000 nodes on one chain, then 30% of them on a
 * second branch. Heartbeats as the relay hands them over; evaluate, panels and the panel's
 * JSON as the fork service runs them every 250 ms.
 */
export function monitorCost (options: { nodes: number, heights: number }): MonitorCostResult {
  const monitor = new ForkMonitor()
  const n = options.nodes
  let now = 0
  const heads = new Map<string, string>()
  const headOf = (branch: string, h: number): string => {
    const key = `${branch}${h}`
    let value = heads.get(key)
    if (value === undefined) heads.set(key, value = head(branch, h))
    return value
  }
  let sameNs = 0
  let sameCount = 0
  let newNs = 0
  let newCount = 0
  const evaluations: { steady: number[], forked: number[] } = { steady: [], forked: [] }
  for (let h = 1; h <= options.heights; h++) {
    const forked = h > options.heights / 2
    // the new head, then three beats of each node at it (beats every ~333 ms, blocks every 1 s)
    for (let beatOf = 0; beatOf < 4; beatOf++) {
      now += 250
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < n; i++) monitor.beat(i, null, h, headOf(forked && i < 0.3 * n ? 'f' : 'm', h), now)
      const ns = Number(process.hrtime.bigint() - t0)
      if (beatOf === 0) { newNs += ns; newCount += n } else { sameNs += ns; sameCount += n }
      const e0 = process.hrtime.bigint()
      monitor.evaluate(now)
      JSON.stringify(monitor.panels(now))
      const ms = Number(process.hrtime.bigint() - e0) / 1e6
      // the first heights warm up the JIT; the second half is the fork
      if (h > 10) (forked ? evaluations.forked : evaluations.steady).push(ms)
    }
  }
  const median = (values: number[]): number => percentile(values.slice().sort((a, b) => a - b), 0.5)
  return {
    nodes: n,
    sameHeadUs: Math.round(sameNs / sameCount / 10) / 100,
    newHeadUs: Math.round(newNs / newCount / 10) / 100,
    evaluateSteadyMs: Math.round(median(evaluations.steady) * 100) / 100,
    evaluateForkedMs: Math.round(median(evaluations.forked) * 100) / 100
  }
}
