// The fork monitor against real nodes (issue 17): two real Lodestar 1.5.1 beacon nodes, half
// the validators each and not peered, watched through the relay (e2e/lodestar.ts), build two
// branches: the fork panel shows them as a fork of two branches, each lane naming its node's
// client and version, and /api/forks holds it open. Peered, one reorgs onto the other's branch:
// the panel shows one chain, and the fork log has that one fork, ended, with a node on each
// side and a duration. Also prints how long the page took to show the fork after the heads
// first differed at the relay (a number for a person, not a pass/fail).
import { expect, test } from '@playwright/test'
import { ensureRealNode } from '../scripts/real-nodes.ts'
import { connection } from './dashboard.ts'
import { removeDir, saveScreenshots, tempDir } from './devnet.ts'
import { LODESTAR_NAMES, startSplitLodestar } from './lodestar.ts'
import type { SplitLodestar } from './lodestar.ts'
import type { ForkRecord } from '../src/protocol/index.ts'
import type { Page } from '@playwright/test'

// a fresh machine installs Lodestar first (about a minute, longer on a busy one)
test.beforeAll(async () => {
  test.setTimeout(15 * 60_000)
  await ensureRealNode('lodestar', line => { console.log(`lodestar: ${line}`) })
})

let dataDir = ''
let devnet: SplitLodestar | undefined
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await devnet?.stop()
  devnet = undefined
  await removeDir(dataDir)
})

/**
 * Installed before the page's scripts: the page's clock when the fork panel first showed a
 * fork open, and every fork id it showed. A string: this file is checked as Node code.
 */
const FORK_CLOCK = `(() => {
  window.__forkShown = { at: null, ids: [] }
  const look = () => {
    const panel = document.querySelector('[data-testid=fork-panel][data-fork=open]')
    if (panel === null) return
    window.__forkShown.at ??= Date.now()
    const id = panel.dataset.forkId
    if (!window.__forkShown.ids.includes(id)) window.__forkShown.ids.push(id)
  }
  new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true })
})()`

async function forkShown (page: Page): Promise<{ at: number | null, ids: string[] }> {
  return await page.evaluate(() => (globalThis as unknown as { __forkShown: { at: number | null, ids: string[] } }).__forkShown)
}

async function forkLog (httpUrl: string): Promise<ForkRecord[]> {
  return await (await fetch(`${httpUrl}/api/forks`)).json() as ForkRecord[]
}

test('two real Lodestar nodes split then peered: two branches in the fork panel, the reorg onto one, one fork in the log with both sides and a duration', async ({ page }) => {
  // genesis, a fork called after a slot, a join and a reorg take a few 6 s slots each
  test.setTimeout(6 * 60_000)
  devnet = await startSplitLodestar(dataDir)
  const { a, b, relay } = devnet
  const describe = (): string => relay.output().slice(-2000)
  await page.addInitScript(FORK_CLOCK)
  const openedAt = Date.now()
  await page.goto(`${relay.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  const panel = page.getByTestId('fork-panel')

  // 1. split: each node on its own branch, the relay calls a fork of two branches. Each node
  // hears only its own blocks, so once both are past genesis there are two branches; until
  // then one may only be behind (its validators' turn has not come)
  let branchesAt = 0
  await expect.poll(async () => {
    const [ha, hb] = await Promise.all([a.head(), b.head()])
    branchesAt = Date.now()
    return ha.root !== hb.root && ha.slot > 0 && hb.slot > 0
  }, { message: 'two branches at the nodes themselves', timeout: 120_000, intervals: [500] }).toBe(true)
  const pageUpBeforeBranches = openedAt < branchesAt - 1000
  await expect(panel, describe()).toHaveAttribute('data-fork', 'open', { timeout: 60_000 })
  await expect(page.getByTestId('fork-state')).toContainText(/FORK #\d+ · 2 branches/)
  await expect(page.getByTestId('summary-consensus')).toHaveClass(/tile-alarm/)
  const forkId = Number(await panel.getAttribute('data-fork-id'))
  // a node each, both named on the panel's lanes with their client and version
  const lanes = panel.getByTestId('fork-lane')
  await expect(lanes.filter({ hasText: 'Largest' })).toContainText('1 node')
  await expect(lanes.filter({ hasText: 'Branch B' })).toHaveClass(/tone-loud/)
  for (const lane of ['Largest', 'Branch B']) {
    await expect(lanes.filter({ hasText: lane })).toContainText('Lodestar v1.5.1 ×1')
  }
  const forkedRows = page.locator('tr[data-status="forked"]')
  await expect(forkedRows).toHaveCount(1)
  // the summary groups them by client too: those online, and who is on the other branch
  await expect(page.getByTestId('summary-online-more')).toHaveText('Lodestar v1.5.1 ×2')
  const forkedName = (await forkedRows.locator('td.c-nick').textContent())?.trim() ?? '?'
  await expect(page.getByTestId('summary-consensus-more')).toHaveText(`other branches: Lodestar v1.5.1 ×1 · ${forkedName}`)
  const open = (await forkLog(relay.httpUrl)).find(fork => fork.id === forkId)
  expect(open?.endedAt, 'the fork is open in the log while they are split').toBeNull()
  expect(open?.sides.length).toBe(2)
  await saveScreenshots(page, 'fork-lodestar-split')

  // how long the page took (one machine, one clock), when it was up before the split: from
  // the heads first differing at the relay (one node ahead), and from both nodes' APIs showing
  // a block of their own (seen by this test's 500 ms polling, so up to ~0.5 s late)
  const shown = await forkShown(page)
  if (open !== undefined && shown.at !== null && pageUpBeforeBranches) {
    console.log(`fork on the page ${shown.at - open.startedAt} ms after the heads first differed at the relay (the relay called it after ${open.calledAt - open.startedAt} ms), ${shown.at - branchesAt} ms after both nodes' APIs showed a branch of their own; 6 s slots`)
  }

  // 2. peered: one reorgs onto the other's branch; one chain on the panel, no forked node
  await b.connect(a)
  await expect.poll(async () => {
    const [ha, hb] = await Promise.all([a.head(), b.head()])
    return ha.root === hb.root
  }, { message: 'one head at the nodes after the reorg', timeout: 90_000, intervals: [500] }).toBe(true)
  await expect(panel, describe()).toHaveAttribute('data-fork', 'none', { timeout: 60_000 })
  await expect(page.getByTestId('fork-state')).toContainText('One chain · 2 nodes on it')
  await expect(forkedRows).toHaveCount(0)
  await expect(page.getByTestId('summary-consensus')).not.toHaveClass(/tile-alarm/)
  await expect(page.getByTestId('summary-consensus-more')).toHaveCount(0)

  // 3. the fork log: that one fork, ended, a node on each side, and how long it ran
  const log = await forkLog(relay.httpUrl)
  expect(log.map(fork => fork.id), 'one fork in the log').toEqual([forkId])
  const fork = log[0]
  expect(fork?.endedAt).not.toBeNull()
  expect(fork?.durationMs ?? 0).toBeGreaterThan(6_000)
  expect(fork?.sides.map(side => side.nodeCount)).toEqual([1, 1])
  expect(fork?.sides.flatMap(side => side.nodes.map(node => node.nickname)).sort()).toEqual([...LODESTAR_NAMES])
  for (const side of fork?.sides ?? []) {
    expect(side.nodes.map(node => [node.client, node.clientVersion])).toEqual([['Lodestar', 'v1.5.1']])
  }
  // the page never showed another fork
  expect((await forkShown(page)).ids).toEqual([String(forkId)])
  await saveScreenshots(page, 'fork-lodestar-joined')
  console.log(`fork #${forkId}: ${fork?.durationMs ?? NaN} ms, ${fork?.depth ?? NaN} deep, sides ${JSON.stringify(fork?.sides.map(side => ({ tip: side.tipHeight, nodes: side.nodes.map(node => node.nickname) })))}`)
})
