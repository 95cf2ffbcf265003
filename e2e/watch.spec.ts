// Two real Lodestar 1.5.1 beacon nodes (a dev chain, 6 s slots) watched through the relay
// (`relay --watch`): they appear with their slots and block roots; split (no peering, half
// the validators each) they build two branches and the dashboard shows two heads; joined, one
// reorgs onto the other and they follow one head from then on. Checked in /api/nodes, in a
// feed subscriber and on the page. The pair and its relay: e2e/lodestar.ts (the fork monitor's
// view of the same split is forks-lodestar.spec.ts). Lodestar is installed on demand outside
// the project (scripts/real-nodes.ts), once.
import { expect, test } from '@playwright/test'
import { ensureRealNode } from '../scripts/real-nodes.ts'
import { FeedClient } from '../src/testing/feed-client.ts'
import { createPeer } from '../src/testing/peers.ts'
import { connection, row } from './dashboard.ts'
import { removeDir, saveScreenshots, tempDir } from './devnet.ts'
import { startSplitLodestar } from './lodestar.ts'
import type { NodeRecord } from '../src/protocol/index.ts'
import type { RelayProcess } from '../src/testing/relay-process.ts'
import type { LodestarNode } from '../src/testing/real-nodes.ts'
import type { Libp2p } from '@libp2p/interface'

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

test('two real Lodestar nodes: their slots and roots, two heads when split, one head after the reorg', async ({ page }) => {
  // genesis, then two branches, a join and a reorg take a few 6 s slots each
  test.setTimeout(6 * 60_000)
  const devnet = await startSplitLodestar(dataDir)
  started.push(devnet)
  const { a, b, relay } = devnet
  const peer: Libp2p = await createPeer()
  started.push({ stop: async () => { await peer.stop() } })
  const feed = await FeedClient.open(peer, relay.browserAddrs[0] ?? '')
  await page.goto(`${relay.httpUrl}/`)
  await expect(connection(page)).toHaveText(/Live/)

  const views = async (name: string): Promise<Array<[string, { head: string, height: number } | undefined]>> => {
    const relayed = await atRelay(relay, name)
    const fed = inFeed(feed, name)
    return [['/api/nodes', relayed], ['feed', fed]]
  }
  const describe = (): string => relay.output().slice(-2000)

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

  // 2. split: each builds its own branch; two heads, both past genesis, everywhere
  await expect.poll(async () => {
    const [ha, hb] = await Promise.all([a.head(), b.head()])
    if (ha.root === hb.root || ha.slot === 0 || hb.slot === 0) return false
    const [va, vb] = await Promise.all([views('lodestar-a'), views('lodestar-b')])
    return va.every(([, record]) => record?.head === ha.root) && vb.every(([, record]) => record?.head === hb.root)
  }, { message: 'two branches, each node\'s own head at the relay and in the feed', timeout: 120_000, intervals: [500] }).toBe(true)
  await expect.poll(async () => {
    const cells = await page.locator('tr.row td.c-head').allTextContents()
    return new Set(cells.map(cell => cell.trim())).size
  }, { message: 'two heads on the page', timeout: 20_000 }).toBe(2)
  await saveScreenshots(page, 'watch-lodestar-split')

  // 3. joined: one node reorgs onto the other's branch; one head everywhere
  await b.connect(a)
  let joined: Head = { root: '', slot: 0 }
  await expect.poll(async () => {
    const [ha, hb] = await Promise.all([a.head(), b.head()])
    if (ha.root !== hb.root) return false
    const seen = [...await views('lodestar-a'), ...await views('lodestar-b')]
    joined = ha
    return seen.every(([, record]) => record?.head === ha.root && record.height === ha.slot)
  }, { message: 'one head after the reorg, at the relay and in the feed', timeout: 90_000, intervals: [500] }).toBe(true)
  for (const name of ['lodestar-a', 'lodestar-b']) {
    await expect(row(page, name).locator('td.c-head')).toContainText(short(joined.root), { timeout: 20_000 })
  }

  // 4. and they follow one head from then on: a later slot, the same root on both
  await expect.poll(async () => {
    const [ha, hb] = await Promise.all([a.head(), b.head()])
    if (ha.root !== hb.root || ha.slot <= joined.slot) return false
    const seen = [...await views('lodestar-a'), ...await views('lodestar-b')]
    return seen.every(([, record]) => record?.head === ha.root && record.height === ha.slot)
  }, { message: 'one head at a later slot', timeout: 60_000, intervals: [500] }).toBe(true)
  await expect.poll(async () => {
    const cells = await page.locator('tr.row td.c-head').allTextContents()
    return new Set(cells.map(cell => cell.trim())).size
  }, { message: 'one head on the page', timeout: 20_000 }).toBe(1)
  await saveScreenshots(page, 'watch-lodestar-joined')
})
