import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FakeClock, headOf, manualRecord, T0, tempDir } from '../testing/record.ts'
import { Replay } from './replay.ts'
import type { ReplayChange } from './record/reader.ts'
import type { NodeAt } from './record/types.ts'

describe('replay', () => {
  it('plays the state at the start, then every change at its moment on a clock speed times real time', async () => {
    const clock = new FakeClock()
    const { dir, remove } = await tempDir()
    const record = manualRecord(dir, clock)
    try {
      // two nodes for 3 minutes: a beat every 2 s, b leaves after a minute and comes back
      for (let t = T0 + 1_000; t < T0 + 180_000; t += 1_000) {
        clock.t = t
        if (t % 2_000 === 0) record.heartbeat('a', t, { height: t / 2_000 - T0 / 2_000, head: headOf(t), nickname: 'a', minerAddress: null, genesisCid: null })
        if (t === T0 + 60_000) record.disconnected('b', t)
        else if (t < T0 + 60_000 || t > T0 + 90_000) record.heartbeat('b', t, { height: 7, head: headOf(7), nickname: 'b', minerAddress: null, genesisCid: null })
        record.flush()
      }
      const from = T0 + 30_000
      const to = T0 + 150_000
      let wall = 1_000_000
      const waits: number[] = []
      const begun: Array<[NodeAt[], number]> = []
      const played: ReplayChange[] = []
      const playedAt: number[] = []
      const replay = new Replay({
        source: record,
        from,
        to,
        speed: 10,
        wallNow: () => wall,
        sleep: async (ms) => { waits.push(ms); wall += ms },
        target: {
          begin: (nodes, at) => { begun.push([nodes, at]) },
          change: (change) => { played.push(change); playedAt.push(replay.now()) }
        }
      })
      assert.equal(replay.now(), from)
      await replay.run()
      assert.equal(replay.done, true)
      assert.equal(begun.length, 1)
      assert.deepEqual(begun[0]![0].map(n => [n.peerId, n.height, n.connected]), [['a', 15, true], ['b', 7, true]])
      // every change, in order, each played when the replayed clock reached its moment
      assert.deepEqual(played.map(c => c.t), [...played.map(c => c.t)].sort((x, y) => x - y))
      assert.ok(played.every((c, k) => playedAt[k] === c.t), 'each change at its recorded moment')
      assert.deepEqual(played.filter(c => c.peerId === 'b').map(c => c.kind), ['disconnected', 'connected'])
      assert.equal(played.filter(c => c.kind === 'beat' && c.peerId === 'a').length, 60)
      // 120 s of record at 10× is 12 s of waiting, to the end
      assert.equal(waits.reduce((a, b) => a + b, 0), 12_000)
      assert.equal(replay.now(), to)
    } finally {
      await record.stop()
      await remove()
    }
  })

  it('refuses a window that ends before it starts and a speed that is not positive, by name', () => {
    const source = { stateAt: async () => [], changes: async function * () {} }
    const target = { begin: () => {}, change: () => {} }
    assert.throws(() => new Replay({ source, target, from: 10, to: 5 }), { name: 'InvalidReplayError' })
    assert.throws(() => new Replay({ source, target, from: 0, to: 5, speed: 0 }), { name: 'InvalidReplayError' })
  })

  it('stops when asked, mid-wait', async () => {
    const source = {
      stateAt: async () => [],
      changes: async function * () { yield [{ t: 5_000, peerId: 'a', kind: 'connected' as const }] }
    }
    let resolveWait: (() => void) | undefined
    const replay = new Replay({
      source,
      from: 0,
      to: 10_000,
      target: { begin: () => {}, change: () => { throw new Error('played after stop') } },
      sleep: async (_ms, signal) => {
        await new Promise<void>((resolve, reject) => {
          resolveWait = resolve
          signal.addEventListener('abort', () => { reject(signal.reason) })
        })
      }
    })
    const running = replay.run()
    while (resolveWait == null) await new Promise(resolve => setImmediate(resolve))
    replay.stop()
    await running
    assert.equal(replay.done, true)
    assert.equal(replay.played, 0)
  })
})

describe('replay into the registry', () => {
  it('gives the registry the recorded devnet, and beats for nodes that were beating', async () => {
    const { NodeRegistry } = await import('./registry.ts')
    const { RegistryReplayTarget } = await import('./replay-target.ts')
    const registry = new NodeRegistry()
    const changes: string[] = []
    registry.onChange(change => { changes.push(`${change.kind} ${change.node.record.peerId} ${change.node.record.height}`) })
    let now = T0
    const target = new RegistryReplayTarget({ registry, now: () => now, beatPeriodMs: 3_000 })
    const at = (peerId: string, patch: Partial<NodeAt> = {}): NodeAt => ({
      peerId, nickname: peerId, minerAddress: null, genesisCid: null, height: 10, head: headOf(10), connected: true, stale: false,
      syncing: null, finalizedHeight: null, firstSeenAt: T0 - 60_000, lastChangeAt: T0 - 1_000, lastHeartbeatAt: T0 - 1_000, ...patch
    })
    target.begin([at('a'), at('quiet', { stale: true, lastHeartbeatAt: T0 - 30_000 }), at('gone', { connected: false })], T0)
    assert.equal(registry.get('a')?.record.lastHeartbeatAt, T0)
    assert.equal(registry.get('quiet')?.record.lastHeartbeatAt, T0 - 30_000)
    assert.equal(registry.get('gone')?.record.connected, false)
    changes.length = 0
    now = T0 + 3_000
    target.tick()
    // a beating node beats; a quiet one and a gone one do not
    assert.deepEqual(changes, ['beat a 10'])
    target.change({ t: T0 + 3_500, peerId: 'quiet', kind: 'back' })
    target.change({ t: T0 + 3_500, peerId: 'quiet', kind: 'beat', height: 11, head: headOf(11) })
    target.change({ t: T0 + 4_000, peerId: 'gone', kind: 'connected' })
    assert.deepEqual(changes.slice(1), ['beat quiet 11', 'connected gone 10'])
    assert.equal(registry.get('quiet')?.record.lastHeartbeatAt, T0 + 3_500)
  })

  it('plays a watched node\'s fields back (client, version, own peer ID, syncing, finalized height)', async () => {
    const { NodeRegistry } = await import('./registry.ts')
    const { RegistryReplayTarget } = await import('./replay-target.ts')
    const registry = new NodeRegistry()
    const target = new RegistryReplayTarget({ registry, now: () => T0, beatPeriodMs: 3_000 })
    const fields = (peerId: string): unknown => {
      const r = registry.get(peerId)?.record
      return r == null ? null : { client: r.client, clientVersion: r.clientVersion, nodePeerId: r.nodePeerId, syncing: r.syncing, finalizedHeight: r.finalizedHeight, height: r.height }
    }
    target.begin([{
      peerId: 'w', nickname: 'w', minerAddress: null, genesisCid: null, client: 'Lodestar', clientVersion: '1.5.1', nodePeerId: '16Uiu2HAm',
      height: 10, head: headOf(10), connected: true, stale: false, syncing: true, finalizedHeight: 4,
      firstSeenAt: T0 - 60_000, lastChangeAt: T0 - 1_000, lastHeartbeatAt: T0 - 1_000
    }], T0)
    assert.deepEqual(fields('w'), { client: 'Lodestar', clientVersion: '1.5.1', nodePeerId: '16Uiu2HAm', syncing: true, finalizedHeight: 4, height: 10 })
    // as the record has a beat of it: info, height, then finality and syncing
    target.change({ t: T0 + 1_000, peerId: 'w', kind: 'info', info: { nickname: 'w', minerAddress: null, genesisCid: null, client: 'Lodestar', clientVersion: '1.6.0', nodePeerId: '16Uiu2HAm' } })
    target.change({ t: T0 + 1_000, peerId: 'w', kind: 'beat', height: 11, head: headOf(11) })
    target.change({ t: T0 + 1_000, peerId: 'w', kind: 'finalized', height: 8 })
    target.change({ t: T0 + 1_000, peerId: 'w', kind: 'syncing', syncing: false })
    assert.deepEqual(fields('w'), { client: 'Lodestar', clientVersion: '1.6.0', nodePeerId: '16Uiu2HAm', syncing: false, finalizedHeight: 8, height: 11 })
  })

  it('plays heads\' parents back as their heartbeats reported them (ParentHead), for the fork monitor', async () => {
    const { NodeRegistry } = await import('./registry.ts')
    const { RegistryReplayTarget } = await import('./replay-target.ts')
    const registry = new NodeRegistry()
    let now = T0
    const target = new RegistryReplayTarget({ registry, now: () => now, beatPeriodMs: 3_000 })
    target.begin([{
      peerId: 'v', nickname: 'v', minerAddress: null, genesisCid: null, height: 10, head: '0xa10', parentHead: '0xa9', connected: true, stale: false,
      syncing: null, finalizedHeight: null, firstSeenAt: T0 - 60_000, lastChangeAt: T0 - 1_000, lastHeartbeatAt: T0 - 1_000
    }], T0)
    assert.equal(registry.get('v')?.parentHead, '0xa9', 'the state at the start')
    target.change({ t: T0 + 1_000, peerId: 'v', kind: 'beat', height: 11, head: '0xa11', parent: '0xa10' })
    assert.equal(registry.get('v')?.parentHead, '0xa10')
    // the replay's own beats between changes: the same head, the same parent
    now = T0 + 4_000
    target.tick()
    assert.equal(registry.get('v')?.record.lastHeartbeatAt, T0 + 4_000)
    assert.equal(registry.get('v')?.parentHead, '0xa10')
    // a head recorded without one (an older sender, an older record) has none
    target.change({ t: T0 + 5_000, peerId: 'v', kind: 'beat', height: 12, head: '0xa12' })
    assert.equal(registry.get('v')?.parentHead, undefined)
  })
})
