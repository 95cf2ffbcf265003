import { expect, test } from '@playwright/test'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { IDENTITY_KEY } from '../src/dashboard/identity.ts'
import { FEED_VERSION } from '../src/protocol/constants.ts'
import { connection, row } from './dashboard.ts'
import { artifactPath, removeDir, settle, startFakeFeedProcess, startRelayProcess, startSimProcess, stopAll, tcpTarget, tempDir } from './devnet.ts'
import { getJson } from '../src/testing/http.ts'
import { waitFor } from '../src/testing/wait-for.ts'

let dataDir = ''
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await stopAll()
  await removeDir(dataDir)
})

test('a first visit shows every node from the relay\'s snapshot over HTTP before its feed is up, then goes live', async ({ page }) => {
  const relay = await startRelayProcess({ dataDir })
  const sim = await startSimProcess({ target: tcpTarget(relay.info), nodes: 5, scenario: 'steady' })
  await waitFor('5 nodes connected', async () => (await getJson<{ nodesConnected: number }>(`${relay.info.httpUrl}/healthz`)).nodesConnected === 5, 30_000)
  // the feed's way to the relay is cut until the test lets it through: the relay's address
  // (/relay.json), which the page's feed worker asks for before it dials, does not answer.
  // (Playwright's routeWebSocket does not reach a WebSocket a worker opens.)
  let feedBlocked = true
  let turnedAway = 0
  await page.route(/\/relay\.json$/, async route => {
    if (!feedBlocked) return await route.continue()
    turnedAway++
    await route.abort('connectionrefused')
  })
  await page.goto(`${relay.info.httpUrl}/`)
  for (const { nickname } of sim.info.nodes) await expect(row(page, nickname)).toBeVisible()
  await expect(page.getByTestId('summary-online').locator('.big')).toHaveText('5')
  // shown, but not called live: no feed has been read
  await expect(connection(page)).not.toHaveAttribute('data-state', 'live')
  await expect(connection(page)).toHaveAttribute('data-state', /connecting|lost/)
  // the feed asked for the relay's address and was turned away
  await expect(connection(page)).toContainText('the relay is unreachable')
  expect(turnedAway).toBeGreaterThan(0)

  feedBlocked = false
  await expect(connection(page)).toHaveText(/Live/, { timeout: 30_000 })
  await expect(page.locator('tr.row')).toHaveCount(5)
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
  // the stand-in outlived both pages hanging up on it (it once died at its next ping, and a
  // reload slower than that found nothing to dial)
  expect(feed.running()).toBe(true)
})

test('a feed that falls silent counts as lost and is redialled', async ({ page }) => {
  const relay = await startRelayProcess({ dataDir })
  const feed = await startFakeFeedProcess({ version: FEED_VERSION, silent: true })
  // the page's clock runs as the real one until the test moves it on
  await page.clock.install()
  await page.goto(`${relay.info.httpUrl}/?relay=${encodeURIComponent(feed.info.addr)}`)
  await expect(connection(page)).toHaveText(/Live/)
  await expect(row(page, 'Lonely')).toBeVisible()
  // no ping for three ping intervals (15 s): the watchdog gives up on the feed; it is not lost
  // a moment before
  await page.clock.fastForward(14_000)
  await expect(connection(page)).toHaveText(/Live/)
  await page.clock.fastForward(1_500)
  await expect(connection(page)).toHaveText(/lost: the feed was silent for 15 s/)
  // and redials by itself: the stand-in answers again, so the page is live again
  await expect(connection(page)).toHaveText(/Live/, { timeout: 30_000 })
})

// the page's localStorage, as seen from scripts run in it (this file is type-checked without the DOM)
interface PageStorage { localStorage: { getItem: (name: string) => string | null, setItem: (name: string, value: string) => void } }

test('a dashboard keeps its peer ID, so a viewer allowlist can let it in; one not listed is told its peer ID', async ({ browser }) => {
  const key = await generateKeyPair('Ed25519')
  const listed = peerIdFromPrivateKey(key).toString()
  const relay = await startRelayProcess({ dataDir, allowViewers: [listed] })

  // a browser that already holds the listed identity
  const allowed = await browser.newContext()
  await allowed.addInitScript(([name, value]) => { (globalThis as unknown as PageStorage).localStorage.setItem(name, value) },
    [IDENTITY_KEY, Buffer.from(privateKeyToProtobuf(key)).toString('base64')] as const)
  const page = await allowed.newPage()
  await page.goto(`${relay.info.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  // and keeps it across reloads
  await page.reload()
  await expect(connection(page)).toHaveText(/Live/)

  // a browser the relay does not know: refused, and told which peer ID to list
  const other = await (await browser.newContext()).newPage()
  await other.goto(`${relay.info.httpUrl}/`)
  await expect(connection(other)).toContainText('the relay refused this dashboard', { timeout: 30_000 })
  const stored = await other.evaluate(name => (globalThis as unknown as PageStorage).localStorage.getItem(name), IDENTITY_KEY)
  const otherId = peerIdFromPrivateKey(privateKeyFromProtobuf(Buffer.from(stored ?? '', 'base64'))).toString()
  expect(otherId).not.toBe(listed)
  await expect(connection(other)).toContainText(`--allow-viewer ${otherId}`)
  // all of it on screen, not cut off with an ellipsis
  expect(await connection(other).evaluate(banner => banner.scrollWidth <= banner.clientWidth && banner.scrollHeight <= banner.clientHeight)).toBe(true)
  await other.screenshot({ path: artifactPath('refused-1080p.png') })
  await allowed.close()
})

test('a /dnsaddr ?relay= address is refused on screen, with what to give instead', async ({ page }) => {
  const relay = await startRelayProcess({ dataDir })
  const address = `/dnsaddr/relay.example/p2p/${relay.info.peerId}`
  await page.goto(`${relay.info.httpUrl}/?relay=${encodeURIComponent(address)}`)
  await expect(connection(page)).toContainText(`${address} is a /dnsaddr address`, { timeout: 30_000 })
  await expect(connection(page)).toContainText('/ws/p2p/')
})

test('a page whose feed worker does not load says so and reloads, and is live once it loads', async ({ page }) => {
  // the relay restarted with a new build while the page loaded: the worker's file is gone
  const relay = await startRelayProcess({ dataDir })
  let gone = true
  await page.route(/\/assets\/feed-worker-[^/]*\.js$/, async route => {
    if (gone) await route.fulfill({ status: 404, body: 'not found' })
    else await route.continue()
  })
  let loads = 0
  page.on('load', () => { loads++ })
  // the test counts the error events the page's worker sends it (its listener is the first)
  await page.addInitScript(`(() => {
    const Native = window.Worker
    window.__workerErrors = 0
    window.Worker = class extends Native {
      constructor (...args) {
        super(...args)
        this.addEventListener('error', () => { window.__workerErrors++ })
      }
    }
  })()`)
  await page.goto(`${relay.info.httpUrl}/`)
  await expect(connection(page)).toContainText('could not run the page\'s connection code', { timeout: 30_000 })
  gone = false
  await expect(connection(page)).toHaveText(/Live/, { timeout: 30_000 })
  expect(loads, 'it reloaded to get the code').toBeGreaterThan(1)

  // an error in the worker once it runs is the browser's to log: the feed goes on, no reload
  const [worker] = page.workers()
  if (worker === undefined) throw new Error('the page has no worker')
  await worker.evaluate('setTimeout(() => { throw new Error("a stray error in the feed worker") })')
  await expect.poll(async () => await page.evaluate('window.__workerErrors')).toBe(1)
  // the page's own handler ran in the same dispatch; a state it set would be on screen by now
  await settle(page)
  // read once, not polled: a reload after it would be live again
  expect(await connection(page).getAttribute('data-state')).toBe('live')
  expect(loads).toBe(2)
})
