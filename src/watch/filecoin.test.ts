import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import { createWatcher } from './watcher.ts'
import { FilecoinStandIn } from '../testing/filecoin-stand-in.ts'
import { recordingWatchLog } from '../testing/watch-log.ts'
import { tempDir } from '../testing/temp-dir.ts'
import { headOfChanges, lotusTipsetKey, parseTipset } from './filecoin.ts'
import type { TestRelay } from '../testing/test-relay.ts'
import type { NodeRecord } from '../protocol/index.ts'

async function relayNodes (relay: TestRelay): Promise<NodeRecord[]> {
  return await (await fetch(`${relay.httpUrl}/api/nodes`)).json() as NodeRecord[]
}

describe('Filecoin tipsets as Lotus\'s JSON has them', () => {
  it('spells the head as go-filecoin did, { c1 c2 }, not as Lotus prints it, {c1,c2}', () => {
    const tipset = parseTipset({ Cids: [{ '/': 'bafy2bzaceaa' }, { '/': 'bafy2bzacebb' }], Blocks: [], Height: 7 }, 'test')
    assert.equal(tipset.head, '{ bafy2bzaceaa bafy2bzacebb }')
    assert.equal(tipset.height, 7)
    assert.equal(lotusTipsetKey(tipset.cids), '{bafy2bzaceaa,bafy2bzacebb}')
  })

  it('reads the parent from the first block\'s Parents, spelt as a head is; none from a tipset without', () => {
    const block = { Parents: [{ '/': 'bafy2bzacepa' }, { '/': 'bafy2bzacepb' }], Height: 7 }
    const tipset = parseTipset({ Cids: [{ '/': 'bafy2bzaceaa' }], Blocks: [block], Height: 7 }, 'test')
    assert.equal(tipset.parent, '{ bafy2bzacepa bafy2bzacepb }')
    assert.equal(parseTipset({ Cids: [{ '/': 'bafy2bzaceaa' }], Blocks: [], Height: 0 }, 'test').parent, undefined)
    assert.equal(parseTipset({ Cids: [{ '/': 'bafy2bzaceaa' }], Blocks: [{ Parents: [{ '/': '<img>' }] }], Height: 7 }, 'test').parent, undefined, 'a bad CID: no parent, still a head')
  })

  it('takes the last apply of a reorg message (reverts first) as the head', () => {
    const ts = (cid: string, height: number): unknown => ({ Cids: [{ '/': cid }], Blocks: [], Height: height })
    const { head, reverts, applies } = headOfChanges([
      { Type: 'revert', Val: ts('bafyb', 11) }, { Type: 'revert', Val: ts('bafya', 10) },
      { Type: 'apply', Val: ts('bafyc', 10) }, { Type: 'apply', Val: ts('bafyd', 11) }, { Type: 'apply', Val: ts('bafye', 12) }
    ], 'test')
    assert.equal(head?.head, '{ bafye }')
    assert.equal(head?.height, 12)
    assert.deepEqual([reverts, applies], [2, 3])
  })

  it('refuses what is not a tipset, naming the problem', () => {
    for (const bad of [null, {}, { Cids: [], Height: 1 }, { Cids: [{ '/': 'bafy' }], Height: -1 }, { Cids: [{ '/': '<script>' }], Height: 1 }, { Cids: ['bafy'], Height: 1 }]) {
      assert.throws(() => parseTipset(bad, 'test'), { name: 'BadResponseError' })
    }
    assert.throws(() => headOfChanges([{ Type: 'sideways', Val: { Cids: [{ '/': 'bafy' }], Height: 1 } }], 'test'), { name: 'BadResponseError' })
  })
})

describe('Filecoin nodes (a stand-in built from Lotus\'s API docs) watched through a real relay', () => {
  let relay: TestRelay
  const lotus = new FilecoinStandIn({ flavour: 'lotus' })
  const forest = new FilecoinStandIn({ flavour: 'forest', peerId: '12D3KooWForestForestForestForestForestForestForestFo' })
  const venus = new FilecoinStandIn({ flavour: 'venus', token: 'venus-secret-jwt' })
  let data: { dir: string, remove: () => Promise<void> }

  before(async () => {
    relay = await startTestRelay()
    await Promise.all([lotus.start(), forest.start(), venus.start()])
    data = await tempDir()
  })

  after(async () => {
    await Promise.all([lotus.stop(), forest.stop(), venus.stop()])
    await relay.destroy()
    await data.remove()
  })

  it('shows each node with its head and height, beats a new tipset at once, follows a reorg and a closed subscription, and wants Venus\'s token', async () => {
    const log = recordingWatchLog()
    lotus.grow(2)
    forest.grow(1)
    const target = relay.nodeAddrs[0] ?? ''
    const watcher = createWatcher({
      target,
      dataDir: data.dir,
      nodes: [
        { name: 'lotus-a', kind: 'filecoin', url: lotus.url, miner: 't01000' },
        { name: 'forest-a', kind: 'filecoin', url: forest.url },
        { name: 'venus-a', kind: 'filecoin', url: venus.url, tokenEnv: 'VENUS_A_TOKEN' }
      ],
      // a BeatPeriod far longer than the test: every beat it sees is one sent at once
      beatPeriodMs: 120_000,
      reconnectPeriodMs: 500,
      apiReconnectMinMs: 100,
      apiReconnectMaxMs: 400,
      env: {},
      log
    })
    await watcher.start()
    try {
      const byName = async (name: string): Promise<NodeRecord | undefined> => (await relayNodes(relay)).find(node => node.nickname === name)
      const lotusNode = await waitFor('lotus-a at the relay', async () => {
        const node = await byName('lotus-a')
        return node?.height === lotus.head.height && node
      }, 15_000, () => JSON.stringify(watcher.nodes()))
      assert.equal(lotusNode.head, `{ ${lotus.head.cids.join(' ')} }`)
      assert.equal(lotusNode.minerAddress, 't01000')
      assert.equal(lotusNode.connected, true)
      const peerId = watcher.nodes().find(node => node.name === 'lotus-a')?.peerId
      assert.equal(lotusNode.peerId, peerId, 'the relay knows it by the watcher\'s key for it')
      await waitFor('forest-a at the relay', async () => (await byName('forest-a'))?.height === 1)
      const forestInfo = watcher.nodes().find(node => node.name === 'forest-a')
      assert.equal(forestInfo?.facts.nodePeerId, forest.peerId, 'peer ID from NetAddrsListen (Forest has no Filecoin.ID)')
      assert.equal(forestInfo?.facts.clientVersion, '0.19.2+git.8f2a4a4')

      // a new tipset reaches the relay long before the next BeatPeriod
      const grown = lotus.grow(3)
      await waitFor('the new tipset at the relay, beaten at once', async () => (await byName('lotus-a'))?.head === `{ ${grown.cids.join(' ')} }`, 10_000)
      // its parent, the tipset its blocks name as Parents, spelt as a head is (ParentHead)
      assert.equal(watcher.nodes().find(node => node.name === 'lotus-a')?.parent, `{ ${grown.parents.join(' ')} }`)

      // a reorg, one message with the reverts first: the relay gets the new branch's head
      const { applied } = lotus.reorg(1, 1, 'fork')
      const forked = applied[applied.length - 1]
      assert.ok(forked != null)
      await waitFor('the reorged head at the relay', async () => {
        const node = await byName('lotus-a')
        return node?.head === `{ ${forked.cids.join(' ')} }` && node.height === 2
      }, 10_000)

      // Lotus closes a slow reader's channel: the watcher subscribes again and keeps following
      const subscriptions = lotus.subscriptions
      lotus.closeSubscriptions()
      await waitFor('a new ChainNotify subscription', () => lotus.subscriptions === subscriptions + 1 && lotus.subscriberCount === 1)
      const after = lotus.grow(1)
      await waitFor('heads after the resubscription', async () => (await byName('lotus-a'))?.head === `{ ${after.cids.join(' ')} }`, 10_000)
      assert.equal(watcher.nodes().find(node => node.name === 'lotus-a')?.up, true, 'the node never went down for it')

      // Venus without its token: 401, offline, a log line that says why; never the token
      await waitFor('venus-a refused', () => venus.refused > 0 && log.count(/venus-a: TokenRefusedError: .*HTTP 401, the node wants a token/) === 1, 10_000, log.text)
      assert.equal(await byName('venus-a'), undefined, 'a node that never answered never beat')
      assert.doesNotMatch(log.text(), /venus-secret-jwt/)
    } finally {
      await watcher.stop()
    }
  })

  it('watches Venus with its token from tokenEnv, sent as a bearer token and never logged', async () => {
    const log = recordingWatchLog()
    venus.grow(1)
    const watcher = createWatcher({
      target: relay.nodeAddrs[0] ?? '',
      dataDir: data.dir,
      nodes: [{ name: 'venus-b', kind: 'filecoin', url: venus.url, tokenEnv: 'VENUS_B_TOKEN' }],
      beatPeriodMs: 1000,
      env: { VENUS_B_TOKEN: 'venus-secret-jwt' },
      log
    })
    await watcher.start()
    try {
      await waitFor('venus-b at the relay', async () => (await relayNodes(relay)).some(node => node.nickname === 'venus-b' && node.height === venus.head.height))
      assert.equal(watcher.nodes()[0]?.facts.clientVersion, '1.14.0+git.3e5b1ef')
      assert.doesNotMatch(log.text(), /venus-secret-jwt/)
    } finally {
      await watcher.stop()
    }
  })
})
