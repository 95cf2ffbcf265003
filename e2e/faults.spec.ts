// The relay dies as in a crash (SIGKILL) while 200 nodes beat and three dashboards watch, and
// comes back on the same data dir: same identity, nobody forgotten, and every page live again
// by itself, with every node back and none twice. (How long that takes, against a 20 s target,
// is measured by `npm run bench`, row "relay restart".)
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { connection, parseShown } from './dashboard.ts'
import { relayPorts, removeDir, startRelayProcess, startSimProcess, stopAll, tcpTarget, tempDir } from './devnet.ts'
import type { Page } from '@playwright/test'

const NODES = 200
const PAGES = 3
// a bound on the wait, not the target: the page's backoff and 200 redials on a busy machine
const BACK_TIMEOUT_MS = 90_000

let dataDir = ''
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await stopAll()
  await removeDir(dataDir)
})

async function online (page: Page): Promise<number> {
  return parseShown(await page.getByTestId('summary-online').locator('.big').textContent())
}

/** Rows on screen plus the ones the table says it could not fit: every known node, once. */
async function rowsAccounted (page: Page): Promise<{ total: number, unique: boolean }> {
  const nicknames = await page.locator('tr.row td.c-nick').allTextContents()
  const more = await page.locator('.more').allTextContents()
  const hidden = Number(/\+ (\d+) more/.exec(more[0] ?? '')?.[1] ?? 0)
  return { total: nicknames.length + hidden, unique: new Set(nicknames).size === nicknames.length }
}

test('a relay killed with SIGKILL and restarted brings back 200 nodes and 3 live dashboards', async ({ browser }) => {
  test.setTimeout(240_000)
  let relay = await startRelayProcess({ dataDir })
  const ports = relayPorts(relay.info)
  const peerId = relay.info.peerId
  await startSimProcess({ target: tcpTarget(relay.info), nodes: NODES, scenario: 'steady', beatPeriod: '1s' })
  const pages = await Promise.all(Array.from({ length: PAGES }, async () => await (await browser.newContext()).newPage()))
  await Promise.all(pages.map(async page => {
    await page.goto(`${relay.info.httpUrl}/`)
    // three pages dial while 200 simulated nodes do their handshakes: a bound, not a target
    await expect(connection(page)).toHaveText(/Live/, { timeout: 60_000 })
    await expect.poll(async () => await online(page), { timeout: 60_000 }).toBe(NODES)
  }))
  // the relay writes its known nodes every 5 s; a crash loses at most what came since
  await expect.poll(async () => {
    try { return (JSON.parse(await readFile(join(dataDir, 'known-nodes.json'), 'utf8')) as unknown[]).length } catch { return 0 }
  }, { timeout: 30_000 }).toBe(NODES)

  await relay.kill()
  await Promise.all(pages.map(async page => { await expect(connection(page)).toHaveAttribute('data-state', 'lost') }))

  relay = await startRelayProcess({ dataDir, ...ports })
  expect(relay.info.peerId, 'the same identity after the restart').toBe(peerId)
  const known = await (await fetch(`${relay.info.httpUrl}/api/nodes`)).json() as Array<{ peerId: string }>
  expect(known.length, 'no node lost from the known list').toBe(NODES)

  await Promise.all(pages.map(async page => {
    await expect(connection(page)).toHaveText(/Live/, { timeout: BACK_TIMEOUT_MS })
    await expect.poll(async () => await online(page), { timeout: BACK_TIMEOUT_MS, message: 'every node back online' }).toBe(NODES)
  }))

  for (const page of pages) {
    await expect(page.getByTestId('summary-online').locator('.tile-detail')).toHaveText(`of ${NODES} known`)
    const rows = await rowsAccounted(page)
    expect(rows.total, 'every node has one row').toBe(NODES)
    expect(rows.unique, 'no nickname shown twice').toBe(true)
  }
  const after = await (await fetch(`${relay.info.httpUrl}/api/nodes`)).json() as Array<{ peerId: string, connected: boolean }>
  expect(after.length).toBe(NODES)
  expect(new Set(after.map(n => n.peerId)).size).toBe(NODES)
  expect(after.every(n => n.connected)).toBe(true)
})
