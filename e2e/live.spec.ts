import { expect, test } from '@playwright/test'
import { bestHeight, connection, row, rowHeight } from './dashboard.ts'
import { removeDir, saveScreenshots, startRelayProcess, startSimProcess, stopAll, tcpTarget, tempDir } from './devnet.ts'

let dataDir = ''
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await stopAll()
  await removeDir(dataDir)
})

test('simulated nodes appear with nicknames and rising heights in the table and the chart', async ({ page }) => {
  const relay = await startRelayProcess({ dataDir })
  const sim = await startSimProcess({ target: tcpTarget(relay.info), nodes: 6, scenario: 'steady' })
  const nicknames = sim.info.nodes.map(node => node.nickname)
  expect(nicknames).toHaveLength(6)

  // found through /relay.json on the host that served the page
  await page.goto(`${relay.info.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  for (const nickname of nicknames) {
    await expect(row(page, nickname)).toBeVisible()
  }
  await expect(page.getByTestId('summary-online').locator('.big')).toHaveText('6')
  await expect(page.getByTestId('summary-online')).toContainText('of 6 known')

  const first = nicknames[0] ?? ''
  const heightBefore = await rowHeight(page, first)
  const bestBefore = await bestHeight(page)
  await expect.poll(async () => await rowHeight(page, first), { message: `${first}'s height rises` }).toBeGreaterThan(heightBefore)
  await expect.poll(async () => await bestHeight(page), { message: 'the best height rises' }).toBeGreaterThan(bestBefore)
  await expect(row(page, first).locator('td.c-status')).toHaveText(/in sync/)

  // the chart labels its lines with nicknames (grouped when they share a height) and marks the best height
  const labels = page.getByTestId('chart-labels')
  await expect(labels).toContainText(new RegExp(nicknames.join('|')))
  await expect(page.getByTestId('chart-best')).toContainText(/best \d+/)
  // the lines are drawn: the canvas has pixels in a node colour (the best head's), not only the background
  await expect.poll(async () => await page.locator('[data-testid=chart] canvas').evaluate(element => {
    // typed by hand: this file is checked as Node code, without the DOM's types
    const canvas = element as unknown as { width: number, height: number, getContext: (kind: '2d') => { getImageData: (x: number, y: number, w: number, h: number) => { data: Uint8ClampedArray } } }
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
    let painted = 0
    for (let k = 3; k < data.length; k += 4) if ((data[k] ?? 0) > 0) painted++
    return painted
  }), { message: 'the canvas has lines drawn' }).toBeGreaterThan(1000)

  await saveScreenshots(page, 'live')
})

test('fifty nodes fit a 1080p and a 4K screen without scrolling', async ({ page }) => {
  const relay = await startRelayProcess({ dataDir })
  const sim = await startSimProcess({ target: tcpTarget(relay.info), nodes: 50, scenario: 'demo', blockTime: '2s', beatPeriod: '1s' })
  await page.goto(`${relay.info.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  await expect(page.locator('tr.row')).toHaveCount(50)
  for (const [width, height] of [[1920, 1080], [3840, 2160]] as const) {
    await page.setViewportSize({ width, height })
    await expect(page.locator('tr.row')).toHaveCount(50)
    await expect(page.getByText(/more nodes not shown/)).toHaveCount(0)
    // every row lies inside the viewport, and the page itself does not scroll
    const overflow = await page.evaluate(`(() => {
      const rows = [...document.querySelectorAll('tr.row')]
      const outside = rows.filter(r => { const b = r.getBoundingClientRect(); return b.bottom > innerHeight + 0.5 || b.right > innerWidth + 0.5 || b.height < 1 }).length
      return { outside, scroll: document.documentElement.scrollHeight - innerHeight }
    })()`)
    expect(overflow).toEqual({ outside: 0, scroll: 0 })
  }
  expect(sim.info.nodes).toHaveLength(50)
  await saveScreenshots(page, 'fifty-nodes')
})
