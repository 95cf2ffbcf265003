import { expect, test } from '@playwright/test'
import { FEED_VERSION } from '../src/protocol/constants.ts'
import { connection, row } from './dashboard.ts'
import { removeDir, startFakeFeedProcess, startRelayProcess, stopAll, tempDir } from './devnet.ts'

let dataDir = ''
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await stopAll()
  await removeDir(dataDir)
})

test('a relay speaking another feed version makes the page reload once, then say so', async ({ page }) => {
  // the real relay serves the page; the feed it is pointed at speaks a newer version
  const relay = await startRelayProcess({ dataDir })
  const feed = await startFakeFeedProcess({ version: FEED_VERSION + 1 })
  let loads = 0
  page.on('load', () => { loads++ })
  await page.goto(`${relay.info.httpUrl}/?relay=${encodeURIComponent(feed.info.addr)}`)
  await expect(connection(page)).toHaveAttribute('data-state', 'version-mismatch')
  await expect(connection(page)).toContainText(`feed version ${FEED_VERSION}, the relay ${FEED_VERSION + 1}`)
  expect(loads).toBe(2)
  // a mismatched feed is not read: its node never shows
  await expect(page.locator('tr.row')).toHaveCount(0)
})

test('a feed that falls silent counts as lost and is redialled', async ({ page }) => {
  const relay = await startRelayProcess({ dataDir })
  const feed = await startFakeFeedProcess({ version: FEED_VERSION, silent: true })
  await page.goto(`${relay.info.httpUrl}/?relay=${encodeURIComponent(feed.info.addr)}`)
  await expect(connection(page)).toHaveText(/Live/)
  await expect(row(page, 'Lonely')).toBeVisible()
  // no ping for three ping intervals (15 s): the watchdog gives up on the feed
  await expect(connection(page)).toHaveText(/lost: the feed was silent for 15 s/, { timeout: 30_000 })
  // and redials by itself: the stand-in answers again, so the page is live again
  await expect(connection(page)).toHaveText(/Live/, { timeout: 30_000 })
})
