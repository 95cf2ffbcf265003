import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { HistoryService, historyService } from './history-service.ts'
import { NodeRegistry } from './registry.ts'
import { ManualClock } from '../testing/clock.ts'
import { tempDir } from '../testing/record.ts'
import { FLUSH_INTERVAL_MS } from './record/constants.ts'
import type { Heartbeat } from '../protocol/index.ts'

const EXPECTED_EARLY = '12D3KooWExpectedEarlyxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
const EXPECTED_LATE = '12D3KooWExpectedLatexxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
const WATCHED = '12D3KooWWatchedNodexxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
const LODESTAR_ID = '16Uiu2HAmQj5K3Y9ZJtGxTn7DpmGz1nHnRLw2dDAV9WxYzWVgYv7e'

function beat (height: number, extra?: Heartbeat['extra']): Heartbeat {
  return {
    head: `{ bafy2bzacea${String(height).padStart(40, '0')} }`,
    height,
    nickname: 'n',
    minerAddress: null,
    genesisCid: null,
    ...(extra != null ? { extra } : {})
  }
}

// The record as the relay feeds it: from the node registry, whose records (node record version
// 2) carry a watcher's fields and hold roster nodes never heard, with null times.
describe('history service fed by the registry', () => {
  let dir: string
  let remove: () => Promise<void>
  let registry: NodeRegistry
  let history: HistoryService
  const t0 = Date.now()

  before(async () => {
    ({ dir, remove } = await tempDir())
    registry = new NodeRegistry()
    // on the roster before the record starts (the relay starts the roster after it, but a
    // restored registry may hold such nodes) and after
    registry.expect('roster', [{ name: 'early', peerId: EXPECTED_EARLY }])
    history = historyService()({ registry, dataDir: dir })
    history.start()
    registry.expect('roster', [{ name: 'early', peerId: EXPECTED_EARLY }, { name: 'late', peerId: EXPECTED_LATE }])
  })
  after(async () => {
    await history?.stop()
    await remove()
  })

  it('records nothing of a node that was never heard, and its first beat as a join', async () => {
    registry.heartbeat(EXPECTED_EARLY, beat(100), t0 + 1_000)
    history.record.flush()
    assert.equal(registry.missingCount, 1, 'the late one is still expected')
    const state = await history.record.stateAt(t0 + 2_000)
    assert.deepEqual(state.map(n => n.peerId), [EXPECTED_EARLY])
    assert.equal(state[0]?.height, 100)
    assert.equal(state[0]?.firstSeenAt, t0 + 1_000)
    // dropped from the roster, never heard: forgotten by the registry, never known to the record
    registry.expect('roster', [{ name: 'early', peerId: EXPECTED_EARLY }])
    history.record.flush()
    assert.deepEqual((await history.record.stateAt(Date.now() + 1_000)).map(n => n.peerId), [EXPECTED_EARLY])
    const { events } = await history.record.events({ from: 0, to: Date.now() + 60_000 })
    assert.deepEqual(events.map(e => [e.kind, e.peers]), [['joined', [EXPECTED_EARLY]]])
  })

  it('keeps a watched node\'s client, version, own peer ID, syncing and finalized height, and their changes', async () => {
    registry.heartbeat(WATCHED, beat(200, { client: 'Lodestar', clientVersion: '1.5.1', nodePeerId: LODESTAR_ID, syncing: true, finalizedHeight: 180 }), t0 + 3_000)
    registry.heartbeat(WATCHED, beat(201, { client: 'Lodestar', clientVersion: '1.5.1', nodePeerId: LODESTAR_ID, syncing: false, finalizedHeight: 190 }), t0 + 4_000)
    history.record.flush()
    const first = (await history.record.stateAt(t0 + 3_500)).find(n => n.peerId === WATCHED)
    assert.deepEqual(
      first == null ? null : { client: first.client, clientVersion: first.clientVersion, nodePeerId: first.nodePeerId, syncing: first.syncing, finalizedHeight: first.finalizedHeight, height: first.height },
      { client: 'Lodestar', clientVersion: '1.5.1', nodePeerId: LODESTAR_ID, syncing: true, finalizedHeight: 180, height: 200 }
    )
    const then = (await history.record.stateAt(t0 + 4_500)).find(n => n.peerId === WATCHED)
    assert.deepEqual(
      then == null ? null : { syncing: then.syncing, finalizedHeight: then.finalizedHeight, height: then.height },
      { syncing: false, finalizedHeight: 190, height: 201 }
    )
  })
})

// The relay's services run on its clock (RelayInit.clock): the record's writes and the event
// detector's sweeps come when that clock says, and changes carry its times.
describe('history service on the relay\'s clock', () => {
  it('writes and finds a node stale as the clock moves, at the clock\'s times', async () => {
    const { dir, remove } = await tempDir()
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0))
    const registry = new NodeRegistry()
    const history = historyService({ clock })({ registry, dataDir: dir })
    history.start()
    try {
      const t0 = clock.now()
      registry.heartbeat(WATCHED, beat(300), t0)
      assert.equal(history.record.stats.changesWritten, 0, 'nothing written before the clock moves')
      clock.advance(FLUSH_INTERVAL_MS)
      assert.ok(history.record.stats.changesWritten > 0, 'written at the next flush on the clock')
      // silent: three of its (default 3 s) beat periods later the sweep says stale
      clock.advance(10_000)
      clock.advance(FLUSH_INTERVAL_MS)
      const { events } = await history.record.events({ from: t0 - 1, to: clock.now() })
      assert.deepEqual(events.map(e => [e.kind, e.at - t0]), [['joined', 0], ['stale', 9_000]])
      assert.deepEqual((await history.record.stateAt(t0)).map(n => [n.height, n.firstSeenAt]), [[300, t0]])
    } finally {
      await history.stop()
      await remove()
    }
  })
})
