// A relay killed with SIGKILL under 200 nodes and three dashboards, restarted on the same data
// dir and ports: how long until every page is Live again with every node online, and how soon
// after Live each page shows every node at the relay's own height. These were thresholds inside
// e2e/faults.spec.ts (20 s) and e2e/feed-gaps.spec.ts (1 s), which now check only that
// everything comes back and agrees.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/browser.ts'
import { relayPorts, removeDir, startRelayProcess, startSimProcess, stopAll, tcpTarget, tempDir } from '../e2e/devnet.ts'
import { getJson } from '../src/testing/http.ts'
import { waitFor } from '../src/testing/wait-for.ts'
import type { NodeRecord } from '../src/protocol/index.ts'
import type { Browser, Page } from 'playwright-core'

export interface RestartResult {
  nodes: number
  pages: number
  /** from the restart's start to each page Live with every node online, ms, in the order they got there */
  pagesBackMs: number[]
  /** from each page showing Live to the page being read with every row it shows holding the
   *  relay's height for that node as of the page's last word, ms */
  agreeMs: number[]
  /** where the time went, from the restart's start: the relay answering HTTP, every node
   *  connected to it again (its /api/nodes), and each page saying Live, ms */
  relayUpMs: number
  nodesBackMs: number
  pagesLiveMs: number[]
}

/** What a person reads on a page: the connection badge's state and the nodes-online figure. */
async function shown (page: Page): Promise<{ state: string, online: number }> {
  return await page.evaluate(`(() => ({
    state: document.querySelector('[data-testid=connection]')?.dataset.state ?? '',
    online: Number((document.querySelector('[data-testid=summary-online] .big')?.textContent ?? '').replace(/[,\\s]/g, ''))
  }))()`) as { state: string, online: number }
}

/**
 * Whether every row the page shows holds the relay's height for its node (/api/nodes) as of the
 * page's last word from the feed (the relay time it shows, `.app[data-heard-at]`): a node the
 * relay heard from after that cannot be on the page yet, and is not counted against it. Returns
 * when the page was read if so: the relay's answer comes after, and on a relay busy taking its
 * nodes back it took 0.4-4 s, which is the check's time, not the page's.
 */
async function agrees (page: Page, httpUrl: string): Promise<number | false> {
  const readAt = Date.now()
  const shown = await page.evaluate(`({
    heardAt: Number(document.querySelector('.app')?.dataset.heardAt),
    rows: [...document.querySelectorAll('tr.row')].map(row => ({
      peerId: row.dataset.peerId,
      height: Number((row.querySelector('td.c-height')?.title ?? '').replace(/[^0-9]/g, ''))
    }))
  })`) as { heardAt: number, rows: Array<{ peerId: string, height: number }> }
  const relay = new Map((await getJson<NodeRecord[]>(`${httpUrl}/api/nodes`)).map(node => [node.peerId, node]))
  return shown.rows.length > 0 && Number.isFinite(shown.heardAt) && shown.rows.every(row => {
    const node = relay.get(row.peerId)
    return node !== undefined && ((node.lastHeartbeatAt ?? -Infinity) > shown.heardAt || row.height === node.height)
  }) && readAt
}

export async function relayRestart (options: { staticDir: string, nodes: number, pages: number, log: (line: string) => void }): Promise<RestartResult> {
  const dataDir = await tempDir()
  let browser: Browser | undefined
  try {
    let relay = await startRelayProcess({ dataDir, staticDir: options.staticDir })
    const ports = relayPorts(relay.info)
    await startSimProcess({ target: tcpTarget(relay.info), nodes: options.nodes, scenario: 'steady', beatPeriod: '1s' })
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS })
    const open = browser
    const pages = await Promise.all(Array.from({ length: options.pages }, async () => await (await open.newContext({ viewport: { width: 1920, height: 1080 } })).newPage()))
    const allBack = async (page: Page): Promise<boolean> => { const s = await shown(page); return s.state === 'live' && s.online === options.nodes }
    for (const page of pages) await page.goto(`${relay.info.httpUrl}/`)
    await waitFor(`${options.pages} pages live on ${options.nodes} nodes`, async () => (await Promise.all(pages.map(allBack))).every(Boolean), 180_000)
    // the relay writes its known nodes every 5 s: the restart is measured with all of them known
    await waitFor('every node in known-nodes.json', async () => {
      try { return (JSON.parse(await readFile(join(dataDir, 'known-nodes.json'), 'utf8')) as unknown[]).length === options.nodes } catch { return false }
    }, 60_000)

    await relay.kill()
    await waitFor('every page to say the relay is lost', async () => (await Promise.all(pages.map(async p => (await shown(p)).state === 'lost'))).every(Boolean), 60_000)
    const restartedAt = Date.now()
    const starting = startRelayProcess({ dataDir, staticDir: options.staticDir, ...ports })
    const httpUrl = `http://127.0.0.1:${ports.httpPort}`
    const relayUpMs = await waitFor('the relay to answer', async () => {
      try { await getJson(`${httpUrl}/relay.json`); return Date.now() - restartedAt } catch { return false }
    }, 180_000)
    relay = await starting
    const backMs: number[] = []
    const agreeMs: number[] = []
    const liveMs: number[] = []
    let nodesBackMs = NaN
    await Promise.all([
      ...pages.map(async page => {
        await waitFor('the page live', async () => (await shown(page)).state === 'live', 180_000)
        const liveAt = Date.now()
        liveMs.push(liveAt - restartedAt)
        const readAt = await waitFor('the page to show the relay\'s heights', async () => await agrees(page, httpUrl), 180_000)
        agreeMs.push(readAt - liveAt)
        await waitFor('the page live with every node online', async () => await allBack(page), 180_000)
        backMs.push(Date.now() - restartedAt)
      }),
      (async () => {
        await waitFor('every node back on the relay', async () => (await getJson<NodeRecord[]>(`${httpUrl}/api/nodes`)).filter(node => node.connected).length === options.nodes, 180_000)
        nodesBackMs = Date.now() - restartedAt
      })()
    ])
    options.log(`  ${options.nodes} nodes and ${options.pages} pages back after ${backMs.join(', ')} ms; each showed the relay's heights ${agreeMs.join(', ')} ms after Live; relay answering after ${relayUpMs} ms, every node on it after ${nodesBackMs} ms, pages Live after ${liveMs.join(', ')} ms`)
    return { nodes: options.nodes, pages: options.pages, pagesBackMs: backMs, agreeMs, relayUpMs, nodesBackMs, pagesLiveMs: liveMs }
  } finally {
    await browser?.close()
    await stopAll()
    await removeDir(dataDir)
  }
}
