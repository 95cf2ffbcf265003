// The beacon driver against a stand-in that answers as the beacon API specifies (fast cases:
// events, a reorg to a lower slot, polling when there are no events, facts). Real Lodestar
// nodes are watched in e2e/lodestar.spec.ts.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import { BeaconStandIn } from '../testing/beacon-stand-in.ts'
import { TestTarget } from '../testing/heartbeat-target.ts'
import { decodeHeartbeatLine } from '../protocol/index.ts'
import { recordingWatchLog } from '../testing/watch-log.ts'
import { tempDir } from '../testing/temp-dir.ts'
import { createWatcher } from './watcher.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { TestRelay } from '../testing/test-relay.ts'

describe('beacon nodes watched through the beacon API', () => {
  let relay: TestRelay
  const withEvents = new BeaconStandIn()
  const withoutEvents = new BeaconStandIn()
  let data: { dir: string, remove: () => Promise<void> }

  before(async () => {
    withoutEvents.events = false
    ;[relay, data] = await Promise.all([startTestRelay(), tempDir(), withEvents.start(), withoutEvents.start()])
  })

  after(async () => {
    await Promise.all([relay?.destroy(), withEvents.stop(), withoutEvents.stop(), data?.remove()])
  })

  it('beats each head event at once, follows a reorg to a lower slot, polls a node without events, and reads its facts', async () => {
    withEvents.advance(5)
    withoutEvents.advance(3)
    const watcher = createWatcher({
      target: relay.nodeAddrs[0] ?? '',
      dataDir: data.dir,
      nodes: [
        { name: 'events', kind: 'beacon', url: withEvents.url },
        { name: 'polled', kind: 'beacon', url: `${withoutEvents.url}/` }
      ],
      beatPeriodMs: 120_000,
      pollIntervalMs: 200,
      log: recordingWatchLog()
    })
    await watcher.start()
    const at = async (name: string): Promise<NodeRecord | undefined> => (await (await fetch(`${relay.httpUrl}/api/nodes`)).json() as NodeRecord[]).find(node => node.nickname === name)
    try {
      await waitFor('both at the relay', async () => (await at('events'))?.height === 5 && (await at('polled'))?.height === 3, 15_000, () => JSON.stringify(watcher.nodes()))
      await waitFor('the event stream open', () => withEvents.subscribers === 1)
      const info = watcher.nodes().find(node => node.name === 'events')
      assert.deepEqual(info?.facts, { client: 'Lodestar', clientVersion: 'v1.5.1', nodePeerId: withEvents.peerId, syncing: false, finalizedHeight: 0 })
      // the relay keeps what the heartbeat's optional fields said
      const relayed = await at('events')
      assert.deepEqual([relayed?.client, relayed?.clientVersion, relayed?.nodePeerId, relayed?.syncing, relayed?.finalizedHeight], ['Lodestar', 'v1.5.1', withEvents.peerId, false, 0])
      for (let slot = 6; slot <= 8; slot++) {
        const root = withEvents.advance(slot)
        await waitFor(`slot ${slot} at the relay at once`, async () => { const node = await at('events'); return node?.head === root && node.height === slot }, 5_000)
      }
      // a reorg onto a branch whose head is at a lower slot: the height goes down
      const root = withEvents.reorg(7, 2)
      await waitFor('the reorged head at slot 7', async () => { const node = await at('events'); return node?.head === root && node.height === 7 }, 5_000)
      const polled = withoutEvents.advance(4)
      await waitFor('the polled node\'s new head', async () => (await at('polled'))?.head === polled, 5_000)
      // a node that starts syncing says so in its next beat (its facts are asked every few polls)
      withoutEvents.syncing = true
      withoutEvents.finalizedEpoch = 2
      await waitFor('syncing and the finalized slot at the relay', async () => { const node = await at('polled'); return node?.syncing === true && node.finalizedHeight === 16 }, 10_000)
      assert.equal(withoutEvents.subscribers, 0)
    } finally {
      await watcher.stop()
    }
  })

  it('sends each head\'s parent, its header\'s parent_root, as ParentHead: pushed heads, polled ones and a reorg\'s', async () => {
    const target = new TestTarget()
    await target.start()
    const watcher = createWatcher({
      target: target.address,
      dataDir: data.dir,
      nodes: [
        { name: 'events', kind: 'beacon', url: withEvents.url },
        { name: 'polled', kind: 'beacon', url: withoutEvents.url }
      ],
      beatPeriodMs: 120_000,
      pollIntervalMs: 200,
      log: recordingWatchLog()
    })
    // the beat that carried this head (the watcher beats every new head at once)
    const beatOf = async (head: string): Promise<{ parentHead?: string } | undefined> => await waitFor(`a beat with head ${head}`, () => {
      for (const line of target.lines) {
        const hb = decodeHeartbeatLine(line.trimEnd())
        if (hb.head === head) return hb.extra ?? {}
      }
      return undefined
    }, 5_000, () => target.lines.join(''))
    await watcher.start()
    try {
      await waitFor('the event stream open', () => withEvents.subscribers === 1, 15_000)
      const before = withEvents.root
      const root = withEvents.advance()
      assert.equal((await beatOf(root))?.parentHead, before)
      const next = withEvents.advance()
      assert.equal((await beatOf(next))?.parentHead, root)
      // a reorg onto a block built on `before`: its parent is that, not the head it replaced
      const reorged = withEvents.reorg(withEvents.slot, 1, before)
      assert.equal((await beatOf(reorged))?.parentHead, before)
      const polledBefore = withoutEvents.root
      const polled = withoutEvents.advance()
      assert.equal((await beatOf(polled))?.parentHead, polledBefore)
    } finally {
      await watcher.stop()
      await target.stop()
    }
  })
})
