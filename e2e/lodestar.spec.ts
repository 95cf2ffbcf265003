// Two real Lodestar 1.5.1 beacon nodes (a dev chain, 6 s slots), half the validators each and
// not peered, watched through the relay (`relay --watch`, e2e/lodestar.ts), in one run:
// - the watcher: they appear with their slots, block roots, client and version, in /api/nodes,
//   a feed subscriber and on the page;
// - split, they build two branches: two heads everywhere, and the fork monitor calls a fork of
//   two branches, each lane naming its node's client and version, open in /api/forks;
// - peered, one reorgs onto the other's branch: one head everywhere, one chain on the panel,
//   and the fork log has that one fork, ended, a node on each side, with a duration; they
//   follow one head from then on.
// Prints how long the page took to show the fork after the heads first differed at the relay
// (a number for a person, not a pass/fail). One pair for both views of the split: starting a
// pair and waiting out its genesis is most of a minute. Lodestar is installed on demand outside
// the project (scripts/real-nodes.ts), once.
import { expect, test } from '@playwright/test'
import { ensureRealNode } from '../scripts/real-nodes.ts'
import { FeedClient } from '../src/testing/feed-client.ts'
import { createPeer } from '../src/testing/peers.ts'
import { connection, row } from './dashboard.ts'
import { removeDir, saveScreenshots, tempDir } from './devnet.ts'
import { LODESTAR_NAMES, startSplitLodestar } from './lodestar.ts'
import type { ForkRecord, NodeRecord } from '../src/protocol/index.ts'
import type { RelayProcess } from '../src/testing/relay-process.ts'
import type { LodestarNode } from '../src/testing/real-nodes.ts'
import type { Libp2p } from '@libp2p/interface'
import type { Page } from '@playwright/test'

// a fresh machine installs Lodestar first (about a minute, longer on a busy one)
test.beforeAll(async () => {
  test.setTimeout(15 * 60_000)
  await ensureRealNode('lodestar', line => { console.log(`lodestar: ${line}`) })
})

let dataDir = ''
const started: Array<{ stop: () => Promise<void> }> = []
test.beforeEach(async () => { dataDir = await tempDir() })
test.afterEach(async () => {
  await Promise.all(started.splice(0).map(async piece => { await piece.stop() }))
  await removeDir(dataDir)
})

type Head = Awaited<ReturnType<LodestarNode['head']>>

async function atRelay (relay: RelayProcess, name: string): Promise<NodeRecord | undefined> {
  return (await (await fetch(`${relay.httpUrl}/api/nodes`)).json() as NodeRecord[]).find(node => node.nickname === name)
}

function inFeed (feed: FeedClient, name: string): NodeRecord | undefined {
  for (const node of feed.nodes.values()) if (node.nickname === name) return node
  return undefined
}

/** The page's short head: the root's last 6 characters. */
const short = (root: string): string => root.slice(-6)

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

test('two real Lodestar nodes: slots, roots and clients; split, two heads and a fork of two branches; peered, the reorg onto one chain and the fork in the log', async ({ page }) => {
  // genesis, then two branches, a fork called after a slot, a join and a reorg take a few 6 s
  // slots each
  test.setTimeout(7 * 60_000)
  const devnet = await startSplitLodestar(dataDir)
  started.push(devnet)
  const { a, b, relay } = devnet
  const peer: Libp2p = await createPeer()
  started.push({ stop: async () => { await peer.stop() } })
  const feed = await FeedClient.open(peer, relay.browserAddrs[0] ?? '')
  await page.addInitScript(FORK_CLOCK)
  const openedAt = Date.now()
  await page.goto(`${relay.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)
  const panel = page.getByTestId('fork-panel')

  const views = async (name: string): Promise<Array<[string, { head: string, height: number } | undefined]>> => {
    const relayed = await atRelay(relay, name)
    const fed = inFeed(feed, name)
    return [['/api/nodes', relayed], ['feed', fed]]
  }
  const describe = (): string => relay.output().slice(-2000)
  const headsOnPage = async (): Promise<number> => {
    const cells = await page.locator('tr.row td.c-head').allTextContents()
    return new Set(cells.map(cell => cell.trim())).size
  }

  // 1. each node appears with the slot and root its own API reports
  for (const [name, node] of [['lodestar-a', a], ['lodestar-b', b]] as const) {
    await expect.poll(async () => {
      const own = await node.head()
      const seen = await views(name)
      return seen.every(([, record]) => record?.head === own.root && record.height === own.slot)
    }, { message: `${name}: /api/nodes and the feed show the root and slot its API reports; ${describe()}`, timeout: 60_000 }).toBe(true)
    const own = await node.head()
    await expect(row(page, name).locator('td.c-height')).toHaveText(String(own.slot), { timeout: 20_000 })
    // what its API says of itself, through the heartbeat's optional fields
    const record = await atRelay(relay, name)
    expect([record?.client, record?.clientVersion, record?.nodePeerId, typeof record?.syncing]).toEqual(['Lodestar', 'v1.5.1', await node.peerId(), 'boolean'])
    await expect(row(page, name).locator('td.c-client')).toHaveText('Lodestar v1.5.1')
  }

  // 2. split: each builds its own branch; two heads, both past genesis, everywhere. Each node
  // hears only its own blocks, so once both are past genesis there are two branches; until
  // then one may only be behind (its validators' turn has not come)
  let branchesAt = 0
  await expect.poll(async () => {
    const [ha, hb] = await Promise.all([a.head(), b.head()])
    if (ha.root === hb.root || ha.slot === 0 || hb.slot === 0) return false
    branchesAt ||= Date.now()
    const [va, vb] = await Promise.all([views('lodestar-a'), views('lodestar-b')])
    return va.every(([, record]) => record?.head === ha.root) && vb.every(([, record]) => record?.head === hb.root)
  }, { message: 'two branches, each node\'s own head at the relay and in the feed', timeout: 120_000, intervals: [500] }).toBe(true)
  const pageUpBeforeBranches = openedAt < branchesAt - 1000
  await expect.poll(headsOnPage, { message: 'two heads on the page', timeout: 20_000 }).toBe(2)

  // the fork monitor: a fork of two branches, a node each, both lanes naming the client
  await expect(panel, describe()).toHaveAttribute('data-fork', 'open', { timeout: 60_000 })
  await expect(page.getByTestId('fork-state')).toContainText(/FORK #\d+ · 2 branches/)
  await expect(page.getByTestId('summary-consensus')).toHaveClass(/tile-alarm/)
  const forkId = Number(await panel.getAttribute('data-fork-id'))
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
  await saveScreenshots(page, 'lodestar-split')

  // how long the page took (one machine, one clock), when it was up before the split: from
  // the heads first differing at the relay (one node ahead), and from both nodes' APIs showing
  // a block of their own (seen by this test's 500 ms polling, so up to ~0.5 s late)
  const shown = await forkShown(page)
  if (open !== undefined && shown.at !== null && pageUpBeforeBranches) {
    console.log(`fork on the page ${shown.at - open.startedAt} ms after the heads first differed at the relay (the relay called it after ${open.calledAt - open.startedAt} ms), ${shown.at - branchesAt} ms after both nodes' APIs showed a branch of their own; 6 s slots`)
  }

  // 3. peered: one reorgs onto the other's branch; one head everywhere, one chain on the panel
  await b.connect(a)
  let joined: Head = { root: '', slot: 0 }
  await expect.poll(async () => {
    const [ha, hb] = await Promise.all([a.head(), b.head()])
    if (ha.root !== hb.root) return false
    const seen = [...await views('lodestar-a'), ...await views('lodestar-b')]
    joined = ha
    return seen.every(([, record]) => record?.head === ha.root && record.height === ha.slot)
  }, { message: 'one head after the reorg, at the relay and in the feed', timeout: 90_000, intervals: [500] }).toBe(true)
  for (const name of LODESTAR_NAMES) {
    await expect(row(page, name).locator('td.c-head')).toContainText(short(joined.root), { timeout: 20_000 })
  }
  await expect(panel, describe()).toHaveAttribute('data-fork', 'none', { timeout: 60_000 })
  await expect(page.getByTestId('fork-state')).toContainText('One chain · 2 nodes on it')
  await expect(forkedRows).toHaveCount(0)
  await expect(page.getByTestId('summary-consensus')).not.toHaveClass(/tile-alarm/)
  await expect(page.getByTestId('summary-consensus-more')).toHaveCount(0)

  // 4. the fork log: that one fork, ended, a node on each side, and how long it ran
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
  console.log(`fork #${forkId}: ${fork?.durationMs ?? NaN} ms, ${fork?.depth ?? NaN} deep, sides ${JSON.stringify(fork?.sides.map(side => ({ tip: side.tipHeight, nodes: side.nodes.map(node => node.nickname) })))}`)

  // 5. and they follow one head from then on: a later slot, the same root on both
  await expect.poll(async () => {
    const [ha, hb] = await Promise.all([a.head(), b.head()])
    if (ha.root !== hb.root || ha.slot <= joined.slot) return false
    const seen = [...await views('lodestar-a'), ...await views('lodestar-b')]
    return seen.every(([, record]) => record?.head === ha.root && record.height === ha.slot)
  }, { message: 'one head at a later slot', timeout: 60_000, intervals: [500] }).toBe(true)
  await expect.poll(headsOnPage, { message: 'one head on the page', timeout: 20_000 }).toBe(1)
  await saveScreenshots(page, 'lodestar-joined')
})
