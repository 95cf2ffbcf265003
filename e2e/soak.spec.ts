// A dashboard left open on 1,000 nodes, accelerated (a block and a beat every second, where a
// devnet beats every 3 s and makes a block every 30 s): its JS heap and DOM node count stay
// flat. `npm test` runs a minute of it; DEVNET_SOAK=1 runs the 15 minutes the issue asks for
// (DEVNET_SOAK_SECONDS=<s> for any other length).
import { expect, test } from '@playwright/test'
import { connection, parseShown } from './dashboard.ts'
import { pageMemory } from './browser.ts'
import { removeDir, startRelayProcess, startSimProcess, stopAll, tcpTarget, tempDir } from './devnet.ts'
import type { PageMemory } from './browser.ts'

const NODES = 1_000
const SOAK_SECONDS = Number(process.env.DEVNET_SOAK_SECONDS ?? (process.env.DEVNET_SOAK === '1' ? 15 * 60 : 60))
// enough samples to see a trend; never more often than every 10 s
const SAMPLE_EVERY_MS = Math.max(10_000, SOAK_SECONDS * 1000 / 12)
const MiB = 2 ** 20

let dataDir = ''
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await stopAll()
  await removeDir(dataDir)
})

test(`a dashboard on ${NODES} nodes keeps its heap and DOM flat for ${SOAK_SECONDS} s`, async ({ page }) => {
  test.setTimeout((SOAK_SECONDS + 240) * 1000)
  const relay = await startRelayProcess({ dataDir })
  await startSimProcess({ target: tcpTarget(relay.info), nodes: NODES, scenario: 'steady', blockTime: '1s', beatPeriod: '1s' })
  await page.goto(`${relay.info.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  await expect.poll(async () => parseShown(await page.getByTestId('summary-online').locator('.big').textContent()), { timeout: 120_000 }).toBe(NODES)

  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  // a first stretch fills what legitimately fills (each node's chart window, caches)
  await page.waitForTimeout(SAMPLE_EVERY_MS) // the soak's own pacing: time passing is what is tested
  const samples: PageMemory[] = [await pageMemory(cdp)]
  const until = Date.now() + SOAK_SECONDS * 1000
  while (Date.now() < until) {
    await page.waitForTimeout(Math.min(SAMPLE_EVERY_MS, Math.max(0, until - Date.now())))
    samples.push(await pageMemory(cdp))
    await expect(connection(page)).toHaveText(/Live/)
  }
  const first = samples[0] as PageMemory
  // the lower of the last two samples: a transient (a re-render caught mid-way) lasts one
  // sample, a leak shows in both
  const tail = samples.slice(-2)
  const last: PageMemory = { heap: Math.min(...tail.map(s => s.heap)), domNodes: Math.min(...tail.map(s => s.domNodes)), listeners: Math.min(...tail.map(s => s.listeners)) }
  const peakHeap = Math.max(...samples.map(s => s.heap))
  console.log(`dashboard on ${NODES} nodes for ${SOAK_SECONDS} s: heap after GC ${samples.map(s => (s.heap / MiB).toFixed(1)).join(', ')} MiB; DOM nodes ${samples.map(s => s.domNodes).join(', ')}; listeners ${first.listeners} → ${last.listeners}`)

  // a leak of a few hundred bytes per heartbeat would add ~1 MiB a second here
  expect(last.heap - first.heap, 'JS heap growth').toBeLessThan(8 * MiB)
  expect(peakHeap - first.heap, 'JS heap peak above the start').toBeLessThan(16 * MiB)
  // the table shows a fixed set of rows; a leak of detached rows would grow this by thousands
  expect(last.domNodes - first.domNodes, 'DOM node growth').toBeLessThan(500)
  expect(last.listeners - first.listeners, 'event listener growth').toBeLessThan(100)
})
