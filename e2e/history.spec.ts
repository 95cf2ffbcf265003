// The relay's record on the page: time travel (?at=) to a scripted moment, the event list, and
// the chart reaching back across a relay restart.
import { expect, test } from '@playwright/test'
import { connection, row, rowHeight } from './dashboard.ts'
import { removeDir, saveScreenshots, settle, startRelayProcess, startSimProcess, stopAll, tcpTarget, tempDir } from './devnet.ts'
import { MIN_GAP_MS } from '../src/relay/record/constants.ts'
import { FakeClock, headOf, manualRecord } from '../src/testing/record.ts'

let dataDir = ''
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await stopAll()
  await removeDir(dataDir)
})

// A devnet recorded two hours ago, on a clock the test drives: alpha keeps up, beta goes quiet
// (the relay's detector said so) at +6 min, gamma leaves at +4 min, a block every 6 s; delta is
// a watched node (a watcher's fields: its client, and that it is syncing, 5 behind)
const START = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000
const chain = (t: number): number => 1_000 + Math.floor((t - START) / 6_000)

async function recordScenario (dir: string): Promise<void> {
  const clock = new FakeClock(START)
  const record = manualRecord(dir, clock)
  const beat = (peer: string, nickname: string, height: number): void => {
    record.heartbeat(peer, clock.t, { height, head: headOf(height), nickname, minerAddress: 't01000', genesisCid: null })
  }
  for (let t = START + 1_000; t <= START + 10 * 60_000; t += 1_000) {
    clock.t = t
    // beta hears of each block a second after alpha (its propagation, 1 s)
    if ((t - START) % 3_000 === 1_000 && t < START + 6 * 60_000) beat('12D3KooWBetaBetaBetaBetaBetaBetaBetaBetaBetaBeta', 'beta', chain(t - 1_000))
    if ((t - START) % 3_000 === 0) {
      beat('12D3KooWAlphaAlphaAlphaAlphaAlphaAlphaAlphaAlpha', 'alpha', chain(t))
      if (t < START + 4 * 60_000) beat('12D3KooWGammaGammaGammaGammaGammaGammaGammaGamm', 'gamma', chain(t) - 2)
      record.heartbeat('12D3KooWDeltaDeltaDeltaDeltaDeltaDeltaDeltaDelta', clock.t, {
        height: chain(t) - 5, head: headOf(chain(t) - 5), nickname: 'delta', minerAddress: null, genesisCid: null,
        client: 'Lodestar', clientVersion: 'v1.5.1', nodePeerId: '16Uiu2HAmH15yAPm69RgbZjodSZcBAzWAXFYxbCpNxFaubTDbmSxB', syncing: true, finalizedHeight: chain(t) - 12
      })
    }
    if (t === START + 4 * 60_000) record.disconnected('12D3KooWGammaGammaGammaGammaGammaGammaGammaGamm', t)
    if (t === START + 6 * 60_000 + 9_000) {
      record.stale('12D3KooWBetaBetaBetaBetaBetaBetaBetaBetaBetaBeta', t, true)
      record.event(t, 'stale', ['12D3KooWBetaBetaBetaBetaBetaBetaBetaBetaBetaBeta'], { height: chain(START + 6 * 60_000 - 3_000) })
    }
    if (t === START + 4 * 60_000) record.event(t, 'left', ['12D3KooWGammaGammaGammaGammaGammaGammaGammaGamm'], { height: chain(t) - 2 })
    record.flush()
  }
  await record.stop()
}

test('?at= shows the devnet of a recorded moment, frozen under a banner, steps with the keys, and goes back to live', async ({ page }) => {
  await recordScenario(dataDir)
  const relay = await startRelayProcess({ dataDir })
  const at = START + 6 * 60_000 + 30_000
  await page.goto(`${relay.info.httpUrl}/?at=${new Date(at).toISOString()}&window=10m`)

  const banner = page.getByTestId('time-travel')
  await expect(banner).toContainText('RECORDED')
  await expect(page.getByTestId('time-travel-at')).toContainText(new Date(at).toLocaleTimeString('en-GB', { hour12: false }))
  await expect(connection(page)).toHaveAttribute('data-state', 'frozen')
  // the heights and statuses of that moment
  await expect(row(page, 'alpha').locator('td.c-status')).toHaveText(/in sync/)
  await expect.poll(async () => await rowHeight(page, 'alpha')).toBe(chain(at))
  await expect(row(page, 'beta').locator('td.c-status')).toHaveText(/stale/)
  await expect.poll(async () => await rowHeight(page, 'beta')).toBe(chain(START + 6 * 60_000 - 3_000))
  await expect(row(page, 'gamma').locator('td.c-status')).toHaveText(/offline/)
  // a watched node as recorded: its client, and syncing rather than behind
  await expect(row(page, 'delta').locator('td.c-status')).toHaveText(/syncing/)
  await expect(row(page, 'delta').locator('td.c-client')).toHaveText('Lodestar v1.5.1')
  // each node's propagation then, as the relay rebuilt it from the record's times
  await expect(row(page, 'alpha').locator('td.c-prop')).toHaveText('0.00 s')
  await expect(row(page, 'beta').locator('td.c-prop')).toHaveText('1.0 s')
  // the events of the window before it, newest first
  await expect(page.getByTestId('events').locator('li').first()).toContainText('beta went quiet')
  await expect(page.getByTestId('events')).toContainText('gamma left')
  await settle(page)
  await saveScreenshots(page, 'time-travel')

  // a step back of a tenth of the window: a minute earlier, before beta went quiet
  await page.keyboard.press('ArrowLeft')
  await expect.poll(async () => new URL(page.url()).searchParams.get('at')).toBe(new Date(at - 60_000).toISOString())
  await expect(row(page, 'beta').locator('td.c-status')).toHaveText(/in sync/)
  await expect.poll(async () => await rowHeight(page, 'alpha')).toBe(chain(at - 60_000))

  await page.getByTestId('back-to-live').click()
  await expect(connection(page)).toHaveText(/Live/)
  await expect(banner).toHaveCount(0)
  expect(new URL(page.url()).searchParams.get('at')).toBeNull()
})

test('after a relay restart the chart still shows what came before, and the events say what happened', async ({ page }) => {
  let relay = await startRelayProcess({ dataDir })
  let sim = await startSimProcess({ target: tcpTarget(relay.info), nodes: 5, scenario: 'steady', blockTime: '1s', beatPeriod: '500ms' })
  const first = sim.info.nodes[0]?.nickname ?? ''
  await page.goto(`${relay.info.httpUrl}/?window=3m`)
  await expect.poll(async () => await rowHeight(page, first), { timeout: 30_000 }).toBeGreaterThan(15)
  const before = await rowHeight(page, first)
  await sim.stop()
  await relay.stop()
  // the scenario: the relay stays down longer than a clean restart the record lets pass
  // without a record_gap (MIN_GAP_MS); on an idle machine a restart can be quicker than that
  const stoppedAt = Date.now()
  await new Promise(resolve => setTimeout(resolve, Math.max(0, stoppedAt + MIN_GAP_MS + 500 - Date.now())))

  relay = await startRelayProcess({ dataDir })
  sim = await startSimProcess({ target: tcpTarget(relay.info), nodes: 5, scenario: 'steady', blockTime: '1s', beatPeriod: '500ms' })
  await page.goto(`${relay.info.httpUrl}/?window=3m`)
  await expect(connection(page)).toHaveText(/Live/)
  await expect(row(page, first)).toBeVisible()
  // the line of the run before the restart is drawn: the left of the chart has pixels where
  // only the record knows what happened
  await expect.poll(async () => await page.locator('[data-testid=chart] canvas').evaluate(element => {
    const canvas = element as unknown as { width: number, height: number, getContext: (kind: '2d') => { getImageData: (x: number, y: number, w: number, h: number) => { data: Uint8ClampedArray } } }
    const left = Math.floor(canvas.width * 0.1)
    const data = canvas.getContext('2d').getImageData(left, 0, Math.floor(canvas.width * 0.3), canvas.height).data
    let painted = 0
    for (let k = 3; k < data.length; k += 4) if ((data[k] ?? 0) > 0) painted++
    return painted
  }), { message: 'lines drawn in the part of the window before the restart', timeout: 20_000 }).toBeGreaterThan(200)
  // the event list: the nodes left with the relay, the record's gap, and they joined again
  const events = page.getByTestId('events')
  await expect(events).toContainText(`${first} left`)
  await expect(events).toContainText('Nothing recorded for')
  await expect(events).toContainText(`${first} joined`)
  expect(before).toBeGreaterThan(0)
  await settle(page)
  await saveScreenshots(page, 'history-after-restart')

  // a moment while the relay was down: the banner says so, and why the nodes show offline
  await page.goto(`${relay.info.httpUrl}/?at=${new Date(stoppedAt + 200).toISOString()}&window=3m`)
  await expect(page.getByTestId('time-travel-gap')).toContainText('The relay was down from')
  await expect(row(page, first).locator('td.c-status')).toHaveText(/offline/)
  await settle(page)
  await saveScreenshots(page, 'time-travel-in-gap')
})
