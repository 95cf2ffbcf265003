import { expect, test } from '@playwright/test'
import { bestHeight, connection, row, rowHeight } from './dashboard.ts'
import { artifactPath, relayPorts, removeDir, saveScreenshots, startRelayProcess, startSenderProcess, startSimProcess, stopAll, tcpTarget, tempDir } from './devnet.ts'

let dataDir = ''
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await stopAll()
  await removeDir(dataDir)
})

test('a node that stops beating is shown stale, then offline when it disconnects', async ({ page }) => {
  const relay = await startRelayProcess({ dataDir })
  const target = tcpTarget(relay.info)
  const steady = await startSenderProcess({ target, nickname: 'Steady', periodMs: 400 })
  const quitter = await startSenderProcess({ target, nickname: 'Quitter', periodMs: 400 })
  await page.goto(`${relay.info.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  const status = row(page, 'Quitter').locator('td.c-status')
  await expect(status).toHaveText(/in sync|behind/)

  // silent with its stream open: stale after three of its 400 ms beat periods
  await quitter.command('pause')
  await expect(status).toHaveText(/stale/)
  await expect(row(page, 'Quitter')).toHaveAttribute('data-status', 'stale')
  await expect(row(page, 'Steady').locator('td.c-status')).toHaveText(/in sync/)
  await saveScreenshots(page, 'stale')

  await quitter.command('close')
  await expect(status).toHaveText(/offline/)
  await expect(page.getByTestId('summary-online').locator('.big')).toHaveText('1')
  await expect(page.getByTestId('summary-online')).toContainText('of 2 known, 1 offline')
  // offline nodes stay listed, greyed, at the bottom
  await expect(page.locator('tr.row').last()).toHaveAttribute('data-status', 'offline')
  expect(steady.info.peerId).not.toBe('')
})

// the fork scenario, and what is no fork, are in forks.spec.ts

test('a halted chain is shown as stalled, loudly, and then as moving again', async ({ page }) => {
  const relay = await startRelayProcess({ dataDir })
  // every 12 rounds the chain makes no block for 4 rounds: 4 s at 1 s blocks, past 3 block times
  await startSimProcess({ target: tcpTarget(relay.info), nodes: 4, scenario: 'halt' })
  await page.goto(`${relay.info.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  const rise = page.getByTestId('summary-rise')
  await expect(rise).toContainText('Since last block')
  await expect(rise).toContainText('Chain stalled', { timeout: 30_000 })
  await expect(rise).toHaveClass(/tile-alarm/)
  await page.screenshot({ path: artifactPath('stall-1080p.png') })
  await expect(rise).toContainText('Since last block')
})

test('after the relay is killed and restarted the page is live again by itself, with fresh heights', async ({ page }) => {
  let relay = await startRelayProcess({ dataDir })
  const ports = relayPorts(relay.info)
  const sim = await startSimProcess({ target: tcpTarget(relay.info), nodes: 4, scenario: 'steady' })
  const nickname = sim.info.nodes[0]?.nickname ?? ''
  await page.goto(`${relay.info.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  await expect(row(page, nickname)).toBeVisible()
  // the best height tile says a number once a node has one (it shows "–" before the first)
  await expect.poll(async () => await bestHeight(page)).not.toBeNaN()
  const bestBefore = await bestHeight(page)

  await relay.kill()
  await expect(connection(page)).toHaveText(/lost.*Retrying/)
  await expect(connection(page)).toHaveAttribute('data-state', 'lost')
  // the last known state stays on screen, greyed, so it is not read as live
  await expect(page.locator('.app')).toHaveAttribute('data-live', 'false')
  await saveScreenshots(page, 'relay-lost')

  relay = await startRelayProcess({ dataDir, ...ports })
  await expect(connection(page)).toHaveText(/Live/, { timeout: 45_000 })
  await expect(page.locator('.app')).toHaveAttribute('data-live', 'true')
  await expect.poll(async () => await bestHeight(page), { message: 'heights keep rising after the restart' }).toBeGreaterThan(bestBefore + 2)
  await expect.poll(async () => await rowHeight(page, nickname)).toBeGreaterThan(bestBefore)
  await expect(row(page, nickname).locator('td.c-status')).toHaveText(/in sync/)
})

test('a hostile nickname is shown as text and runs nothing', async ({ page }) => {
  const relay = await startRelayProcess({ dataDir })
  const hostile = '<img src=x onerror=alert(1)>'
  await startSenderProcess({ target: tcpTarget(relay.info), nickname: hostile })
  let dialogs = 0
  page.on('dialog', dialog => { dialogs++; void dialog.dismiss() })
  // the relay address given in the URL instead of /relay.json; and the light theme
  await page.goto(`${relay.info.httpUrl}/?theme=light&relay=${encodeURIComponent(relay.info.browserAddrs[0] ?? '')}`)
  await expect(connection(page)).toHaveText(/Live/)
  await expect(page.locator('td.c-nick').getByText(hostile, { exact: true })).toBeVisible()
  await expect(page.getByTestId('chart-labels')).toContainText(hostile.slice(0, 14))
  await expect(page.locator('img')).toHaveCount(0)
  await saveScreenshots(page, 'hostile-light')
  expect(dialogs).toBe(0)
})
