// The fork monitor on the page, against a real relay and simulated devnets run as processes:
// a fork is shown as two branches in the fork panel, loud, with the alarm, and logged with
// both sides and its duration when it heals; a Filecoin round seen in part and a node started
// on another genesis are shown for what they are, and never as a fork.
import { expect, test } from '@playwright/test'
import { connection, eventLines, row } from './dashboard.ts'
import { artifactPath, removeDir, saveScreenshots, settle, startRelayProcess, startSimProcess, stopAll, tcpTarget, tempDir } from './devnet.ts'
import type { ForkRecord, NodeRecord } from '../src/protocol/index.ts'
import type { Page } from '@playwright/test'

let dataDir = ''
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await stopAll()
  await removeDir(dataDir)
})

/**
 * Installed before the page's scripts: notes whether a fork was ever on screen (the panel's
 * fork state, a forked row, the alarm's words), so "never" is checked over the whole run and
 * not at the moments a test happens to look. A string: this file is checked as Node code.
 */
const FORK_WATCH = `(() => {
  window.__forkSeen = []
  const look = () => {
    if (document.querySelector('[data-testid=fork-panel][data-fork=open]') !== null) window.__forkSeen.push('panel')
    if (document.querySelector('tr[data-status=forked]') !== null) window.__forkSeen.push('row')
    if (/Fork/.test(document.querySelector('[data-testid=summary-consensus] .tile-label')?.textContent ?? '')) window.__forkSeen.push('tile')
  }
  new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true, characterData: true })
})()`

/**
 * Installed before the page's scripts: notes every moment the consensus tile and the fork
 * panel disagree on the fork (one says it is ending, with every node on one branch again, and
 * the other does not; or they count different branches), and whether "ending" was on screen.
 */
const FORK_AGREE = `(() => {
  window.__forkWords = { disagree: [], ending: 0 }
  const look = () => {
    const panel = document.querySelector('[data-testid=fork-state]')?.textContent ?? ''
    const tile = document.querySelector('[data-testid=summary-consensus]')
    if (!panel.startsWith('FORK') || tile === null || tile.querySelector('.tile-label')?.textContent !== 'Fork') return
    const value = tile.querySelector('.big')?.textContent ?? ''
    const ending = value === 'ending'
    if (ending) window.__forkWords.ending++
    if (ending !== panel.includes('ending: every node on one branch again') || (!ending && !panel.includes(' · ' + value))) {
      window.__forkWords.disagree.push(value + ' | ' + (tile.querySelector('[data-testid=summary-consensus-more]')?.textContent ?? '') + ' | ' + panel)
    }
  }
  new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true, characterData: true })
})()`

async function forkSeen (page: Page): Promise<string[]> {
  return await page.evaluate(() => [...new Set((globalThis as unknown as { __forkSeen: string[] }).__forkSeen)])
}

test('a fork: two branches in the panel, loud, then the reorg onto one, and the fork log has both sides, in the event list too', async ({ page, context }) => {
  const relay = await startRelayProcess({ dataDir })
  await startSimProcess({ target: tcpTarget(relay.info), nodes: 10, scenario: 'fork' })
  await page.addInitScript(FORK_AGREE)
  await page.goto(`${relay.info.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  const panel = page.getByTestId('fork-panel')
  await expect(panel).toHaveAttribute('data-fork', 'open')
  await expect(page.getByTestId('fork-state')).toContainText(/FORK #\d+ · 2 branches/)
  await expect(page.getByTestId('summary-consensus')).toHaveClass(/tile-alarm/)
  await expect(page.getByTestId('summary-consensus')).toContainText('2 branches')
  // the smaller branch: a loud lane, loud boxes, and the nodes on it forked in the table
  await expect(panel.getByTestId('fork-lane').filter({ hasText: 'Branch B' })).toHaveClass(/tone-loud/)
  const forkedRows = page.locator('tr[data-status="forked"]')
  await expect(forkedRows).toHaveCount(3)
  const forkedNames = (await forkedRows.locator('td.c-nick').allTextContents()).map(name => name.trim()).sort()
  // the scenario forks every 12 s: this is the one the log must show
  const forkId = Number(await panel.getAttribute('data-fork-id'))
  const loudBox = panel.locator('.fp-box[data-tone="loud"]').last()
  await expect(loudBox).toHaveAttribute('data-nodes', '3')
  await expect(loudBox).toContainText(forkedNames[0] ?? '?')
  // the chart draws them apart: their own label, in the loud colour
  await expect(page.locator('[data-testid=chart-labels] text[data-forked=true]').first()).toBeVisible()
  // the event list: the fork began, worded and coloured as the panel, the minority named
  const events = page.getByTestId('events')
  const began = events.locator('li[data-kind=fork_began]').filter({ hasText: `FORK #${forkId} began` })
  await expect(began).toBeVisible()
  await expect(began).toHaveClass(/event-loud/)
  // named as the relay saw the minority when it called the fork: a node of it whose beat had not
  // come yet is in the fork log's sides (below), not always in this line
  await expect(began.locator('.event-detail')).toContainText(new RegExp(forkedNames.map(name => name.replace(/[^A-Za-z0-9]/g, '\\$&')).join('|')))
  await expect(began.locator('.event-detail')).toContainText('on the other branch')
  await saveScreenshots(page, 'fork-panel-10')

  // the reorg: one chain again, no alarm, and the fork in the log with both sides
  await expect(panel).not.toHaveAttribute('data-fork-id', String(forkId), { timeout: 30_000 })
  await expect(page.getByTestId('fork-state')).toContainText('One chain')
  await expect(page.locator('tr[data-status="forked"]')).toHaveCount(0)
  const forks = await (await fetch(`${relay.info.httpUrl}/api/forks`)).json() as ForkRecord[]
  const fork = forks.find(entry => entry.id === forkId)
  expect(fork?.endedAt).not.toBeNull()
  expect(fork?.sides.length).toBe(2)
  expect(fork?.sides[1]?.nodes.map(node => node.nickname).sort()).toEqual(forkedNames)
  expect(fork?.sides[0]?.nodeCount).toBe(7)
  expect(fork?.durationMs ?? 0).toBeGreaterThan(1_000)
  // and over in the event list, calm, with how long it ran
  const ended = events.locator('li[data-kind=fork_ended]').filter({ hasText: `FORK #${forkId} over after` })
  await expect(ended).toBeVisible()
  await expect(ended).toHaveClass(/event-calm/)
  await expect(ended).toContainText(`${fork?.depth ?? '?'} deep`)
  await saveScreenshots(page, 'fork-panel-10-healed')
  await events.screenshot({ path: artifactPath('fork-events-1080p.png') })
  // the tile and the panel never said different things about the fork, the moments after the
  // reorg included (the relay keeps a fork open a block time after its nodes are on one branch)
  const words = await page.evaluate('window.__forkWords') as { disagree: string[], ending: number }
  expect(words.disagree).toEqual([])
  console.log(`the fork tile said "ending" with the panel ${words.ending} times`)
  // the event list, longer than its box by now (ten joins and the fork's two-line entries),
  // shows whole entries (one taller than the whole list: the lines of it that fit), the rest
  // out of sight, never half a line at its bottom
  for (const [width, height] of [[1920, 1080], [3840, 2160]] as const) {
    await page.setViewportSize({ width, height })
    await settle(page)
    const lines = await eventLines(page)
    expect(lines.cut, `${width}×${height}: ${JSON.stringify(lines)}`).toBe(0)
    expect(lines.whole + lines.lineCut, `${width}×${height}: some of it shows`).toBeGreaterThan(0)
    expect(lines.hidden, `${width}×${height}: the list overflows`).toBeGreaterThan(0)
  }
  await page.setViewportSize({ width: 1920, height: 1080 })

  // the record at a moment inside the fork (?at=), between its call and its end (when the last
  // node left the smaller branch): it began, it has not ended; /api/forks as of then
  const at = new Date(Math.round(((fork?.calledAt ?? 0) + (fork?.endedAt ?? 0)) / 2)).toISOString()
  const moment = await context.newPage()
  await moment.goto(`${relay.info.httpUrl}/?at=${at}`)
  const thenEvents = moment.getByTestId('events')
  await expect(thenEvents.locator('li[data-kind=fork_began]').filter({ hasText: `FORK #${forkId} began` })).toBeVisible()
  await expect(thenEvents.locator('li[data-kind=fork_ended]').filter({ hasText: `FORK #${forkId} over` })).toHaveCount(0)
  const then = await (await fetch(`${relay.info.httpUrl}/api/forks?to=${encodeURIComponent(at)}`)).json() as ForkRecord[]
  expect(then.find(entry => entry.id === forkId)?.endedAt).toBeNull()
  // and the fork panel as it was then, rebuilt from the record: the fork open under the log's
  // number, the smaller branch loud, its nodes forked in the table
  const thenPanel = moment.getByTestId('fork-panel')
  await expect(thenPanel).toHaveAttribute('data-fork-id', String(forkId))
  await expect(thenPanel.getByTestId('fork-lane').filter({ hasText: 'Branch B' })).toHaveClass(/tone-loud/)
  const thenForked = (await moment.locator('tr[data-status="forked"] td.c-nick').allTextContents()).map(name => name.trim()).sort()
  expect(thenForked).toEqual(forkedNames)
  await saveScreenshots(moment, 'fork-panel-10-at')
})

test('the fork log is kept across a relay restart: ids go on, the forks before it stay listed', async ({ page }) => {
  let relay = await startRelayProcess({ dataDir })
  let sim = await startSimProcess({ target: tcpTarget(relay.info), nodes: 10, scenario: 'fork' })
  const logged = async (): Promise<ForkRecord[]> => await (await fetch(`${relay.info.httpUrl}/api/forks`)).json() as ForkRecord[]
  let first: ForkRecord | undefined
  await expect.poll(async () => {
    first = (await logged()).find(fork => fork.endedAt !== null)
    return first?.id
  }, { message: 'a fork over in /api/forks', timeout: 60_000 }).toBeGreaterThan(0)
  await sim.stop()
  await relay.stop()

  relay = await startRelayProcess({ dataDir })
  sim = await startSimProcess({ target: tcpTarget(relay.info), nodes: 10, scenario: 'fork' })
  await page.goto(`${relay.info.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  // the first fork of this run is numbered after the last one recorded, not #1 again
  const panel = page.getByTestId('fork-panel')
  await expect(panel).toHaveAttribute('data-fork', 'open', { timeout: 60_000 })
  const id = Number(await panel.getAttribute('data-fork-id'))
  const before = await logged()
  expect(id).toBeGreaterThan(Math.max(...before.filter(fork => fork.id !== id).map(fork => fork.id)))
  expect(before.find(fork => fork.id === first?.id)?.endedAt).toBe(first?.endedAt)
  // and the event list still shows the fork from before the restart
  await expect(page.getByTestId('events').locator('li[data-kind=fork_ended]').filter({ hasText: `FORK #${first?.id ?? '?'} over after` })).toBeVisible()
})

test('a round seen in part (2 of its 3 blocks) is one head, never a fork', async ({ page }) => {
  const relay = await startRelayProcess({ dataDir })
  await startSimProcess({ target: tcpTarget(relay.info), nodes: 10, scenario: 'partial' })
  await page.addInitScript(FORK_WATCH)
  await page.goto(`${relay.info.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  // the partial rounds: boxes say some nodes see them in part, the summary one head
  const partialBox = page.locator('[data-testid=fork-panel] .fp-partial').filter({ hasText: 'see part' }).first()
  await expect(partialBox).toBeVisible({ timeout: 30_000 })
  await expect(page.getByTestId('summary-consensus')).toContainText(/see it in part|1 head/)
  await saveScreenshots(page, 'partial-tipsets')
  // the step ends (every node sees whole rounds again), and nothing on the page ever said fork
  await expect(page.locator('[data-testid=fork-panel] .fp-partial').filter({ hasText: 'see part' })).toHaveCount(0, { timeout: 30_000 })
  expect(await forkSeen(page)).toEqual([])
  const forks = await (await fetch(`${relay.info.httpUrl}/api/forks`)).json() as ForkRecord[]
  expect(forks).toEqual([])
})

test('a node on another genesis is another network: kept out, no fork; ?genesis= shows that network', async ({ page, context }) => {
  const relay = await startRelayProcess({ dataDir })
  const sim = await startSimProcess({ target: tcpTarget(relay.info), nodes: 6, scenario: 'genesis' })
  await page.addInitScript(FORK_WATCH)
  await page.goto(`${relay.info.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  const other = page.locator('tr[data-status="other-network"]')
  await expect(other).toHaveCount(1, { timeout: 30_000 })
  await expect(other.locator('td.c-status')).toHaveText(/other net/)
  await expect(page.getByTestId('network-note')).toContainText('1 node on another network')
  await expect(page.getByTestId('summary-online')).toContainText('+1 other net')
  await expect(page.getByTestId('summary-online').locator('.big')).toHaveText('5')
  const name = (await other.locator('td.c-nick').textContent())?.trim() ?? ''
  await saveScreenshots(page, 'other-network')

  // the other network, by its genesis (the same each time the scenario comes round): that node
  // is its network, the devnet's nodes the other
  let genesis = ''
  await expect.poll(async () => {
    const nodes = await (await fetch(`${relay.info.httpUrl}/api/nodes`)).json() as NodeRecord[]
    const counts = new Map<string | null, number>()
    for (const node of nodes) counts.set(node.genesisCid, (counts.get(node.genesisCid) ?? 0) + 1)
    genesis = [...counts].find(([, count]) => count === 1)?.[0] ?? ''
    return genesis
  }, { message: 'one node on another genesis in /api/nodes', timeout: 30_000 }).not.toBe('')
  const second = await context.newPage()
  await second.goto(`${relay.info.httpUrl}/?genesis=${genesis.slice(-10)}`)
  await expect(row(second, name)).not.toHaveAttribute('data-status', 'other-network')
  await expect(second.locator('tr[data-status="other-network"]')).toHaveCount(5, { timeout: 30_000 })
  await expect(second.getByTestId('network-note')).toContainText(`network …${genesis.slice(-8)}`)
  await second.close()

  // it comes back to the devnet's genesis, and nothing ever said fork
  await expect(other).toHaveCount(0, { timeout: 30_000 })
  await expect(row(page, name)).toHaveAttribute('data-status', /in-sync|behind/)
  expect(await forkSeen(page)).toEqual([])
  expect(sim.info.nodes.length).toBe(6)
})
