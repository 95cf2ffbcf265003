// A dashboard on 1,000 nodes beating and making a block every second: every node is accounted
// for (rows on screen plus the count of those that do not fit, each once) and the page keeps
// up, live, as heights rise. (Its heap, DOM and listeners over 15 minutes are measured by
// `npm run soak`, row "heap"; its frame rate by `npm run bench`, row "render".)
import { expect, test } from '@playwright/test'
import { bestHeight, connection, parseShown } from './dashboard.ts'
import { removeDir, startRelayProcess, startSimProcess, stopAll, tcpTarget, tempDir } from './devnet.ts'

const NODES = 1_000

let dataDir = ''
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await stopAll()
  await removeDir(dataDir)
})

test(`a dashboard on ${NODES} nodes shows every one and keeps up as heights rise`, async ({ page }) => {
  test.setTimeout(240_000)
  const relay = await startRelayProcess({ dataDir })
  await startSimProcess({ target: tcpTarget(relay.info), nodes: NODES, scenario: 'steady', blockTime: '1s', beatPeriod: '1s' })
  await page.goto(`${relay.info.httpUrl}/`)
  // the page dials while 1,000 simulated nodes do their handshakes: a bound, not a target
  await expect(connection(page)).toHaveText(/Live/, { timeout: 60_000 })
  const online = page.getByTestId('summary-online').locator('.big')
  await expect.poll(async () => parseShown(await online.textContent()), { timeout: 120_000 }).toBe(NODES)

  // rows on screen plus "+ N more not shown": every node, and none twice
  const nicknames = await page.locator('tr.row td.c-nick').allTextContents()
  const hidden = Number(/\+ (\d+) more/.exec(await page.locator('.more').textContent() ?? '')?.[1] ?? 0)
  expect(nicknames.length + hidden).toBe(NODES)
  expect(new Set(nicknames).size).toBe(nicknames.length)

  // five more blocks, shown as they come, and the page is still live with every node online
  const best = await bestHeight(page)
  await expect.poll(async () => await bestHeight(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(best + 5)
  await expect(connection(page)).toHaveText(/Live/)
  expect(parseShown(await online.textContent())).toBe(NODES)
})
