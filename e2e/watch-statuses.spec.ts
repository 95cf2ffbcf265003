// What the page shows of watched nodes (relay --watch): a client column, a node that says it
// is syncing marked "syncing" (not "behind"), and a node on the roster whose API never
// answered marked "missing" from the start. The nodes are stand-ins that answer as the beacon
// API specifies (the real client is in lodestar.spec.ts).
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { spawnRelayProcess } from '../src/testing/relay-process.ts'
import { BeaconStandIn } from '../src/testing/beacon-stand-in.ts'
import { freePort } from '../src/testing/real-nodes.ts'
import { connection, row } from './dashboard.ts'
import { removeDir, saveScreenshots, tempDir } from './devnet.ts'

let dataDir = ''
const stops: Array<() => Promise<void>> = []
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await Promise.all(stops.splice(0).map(async stop => { await stop() }))
  await removeDir(dataDir)
})

test('watched nodes: the client column, a syncing node marked syncing, a node never heard marked missing', async ({ page }) => {
  const head = new BeaconStandIn()
  const catching = new BeaconStandIn()
  await Promise.all([head.start(), catching.start()])
  stops.push(async () => { await head.stop() }, async () => { await catching.stop() })
  head.advance(120)
  catching.advance(40)
  catching.syncing = true
  const file = join(dataDir, 'nodes.json')
  await writeFile(file, JSON.stringify({ nodes: [
    { name: 'teku-head', kind: 'beacon', url: head.url },
    { name: 'teku-catching-up', kind: 'beacon', url: catching.url },
    { name: 'teku-never-up', kind: 'beacon', url: `http://127.0.0.1:${await freePort()}` }
  ] }))
  const relay = await spawnRelayProcess(['--data-dir', join(dataDir, 'relay'), '--watch', file])
  stops.push(async () => { await relay.kill() })
  await page.goto(`${relay.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)

  await expect(row(page, 'teku-head').locator('td.c-status')).toHaveText(/in sync/)
  await expect(row(page, 'teku-head').locator('td.c-client')).toHaveText('Lodestar v1.5.1')
  // the whole of it fits its cell (no ellipsis)
  expect(await row(page, 'teku-head').locator('td.c-client').evaluate(cell => (cell as unknown as { scrollWidth: number, clientWidth: number }).scrollWidth <= (cell as unknown as { clientWidth: number }).clientWidth)).toBe(true)
  await expect(page.locator('th.c-client').first()).toHaveText('Client')
  await expect(row(page, 'teku-catching-up').locator('td.c-status')).toHaveText(/syncing/)
  await expect(row(page, 'teku-catching-up').locator('td.c-lag')).toHaveText('−80')
  const never = row(page, 'teku-never-up')
  await expect(never.locator('td.c-status')).toHaveText(/missing/)
  await expect(never.locator('td.c-beat')).toHaveText('never')
  await expect(never.locator('td.c-height')).toHaveText('–')
  await expect(page.getByTestId('summary-online')).toContainText('of 3 known, 1 missing')
  // listed last, after the online nodes
  await expect(page.locator('tr.row td.c-nick')).toHaveText(['teku-head', 'teku-catching-up', 'teku-never-up'])
  await saveScreenshots(page, 'watch-statuses')

  // caught up: no longer syncing, in sync
  catching.syncing = false
  catching.advance(120, 'main')
  await expect(row(page, 'teku-catching-up').locator('td.c-status')).toHaveText(/in sync/, { timeout: 20_000 })
})
