// Replay end to end: a recorded scenario played back by a replay relay reaches a feed
// subscriber as it happened: every change in order, on the recorded clock.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startReplayRelay } from './replay-relay.ts'
import { FeedClient } from '../testing/feed-client.ts'
import { createPeer } from '../testing/peers.ts'
import { FakeClock, headOf, manualRecord, tempDir } from '../testing/record.ts'
import { waitFor } from '../testing/wait-for.ts'

describe('replay relay', () => {
  it('plays a recorded scenario to a feed subscriber: every change in order, at its recorded time', { timeout: 120_000 }, async () => {
    const { dir, remove } = await tempDir()
    const start = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000
    const clock = new FakeClock(start)
    const record = manualRecord(dir, clock)
    // two nodes for two minutes: a block every 4 s; b leaves at 60 s and comes back at 90 s
    const expected: string[] = []
    for (let t = start + 1_000; t <= start + 120_000; t += 1_000) {
      clock.t = t
      if ((t - start) % 4_000 === 0) {
        const height = 500 + (t - start) / 4_000
        record.heartbeat('12D3KooWReplayA', t, { height, head: headOf(height), nickname: 'a', minerAddress: null, genesisCid: null })
        if (t > start + 30_000) expected.push(`a ${height} ${t}`)
        if (t < start + 60_000 || t >= start + 90_000) {
          record.heartbeat('12D3KooWReplayB', t, { height, head: headOf(height), nickname: 'b', minerAddress: null, genesisCid: null })
          if (t > start + 30_000) expected.push(t >= start + 90_000 && t < start + 94_000 ? `b up ${t}` : `b ${height} ${t}`)
        }
      }
      if (t === start + 60_000) {
        record.disconnected('12D3KooWReplayB', t)
        expected.push(`b down ${t}`)
      }
      record.flush()
    }
    // a clean stop: the relay no longer hears the nodes
    await record.stop()
    expected.push(`a down ${clock.t}`, `b down ${clock.t}`)

    // the second half at 20 times real time: 90 s of record in 4.5 s
    const relay = await startReplayRelay({ dataDir: dir, from: start + 30_000, to: start + 120_000, speed: 20, httpPort: 0, wsPort: 0, waitForViewer: true })
    const peer = await createPeer()
    try {
      const client = await FeedClient.open(peer, relay.browserAddrs[0] ?? '')
      const seen: string[] = []
      // the fork panel, as the replay's own fork monitor makes it: nodes per branch
      const panels: number[][] = []
      client.onMessage = message => {
        const node = 'i' in message ? client.nodes.get(message.i) : undefined
        const name = node?.nickname ?? '?'
        if (message.t === 'hb') seen.push(`${name} ${message.height} ${message.at}`)
        else if (message.t === 'disc') seen.push(`${name} down ${message.at}`)
        else if (message.t === 'node' && client.synced && message.node.connected) seen.push(`${name} up ${message.node.lastHeartbeatAt}`)
        else if (message.t === 'forks') panels.push(message.networks[0]?.branches.map(branch => branch.nodes) ?? [])
      }
      await relay.finished
      const last = expected.at(-1) ?? ''
      await waitFor('the last change', () => seen.includes(last), 10_000, () => `seen ${seen.length}, the last ${seen.at(-1) ?? ''}`)
      // between the recorded changes come the replay's own beats for nodes that were beating
      // (the same height again): the recorded ones (new heights, the leave) are compared in
      // order; the feed stamps a leave with the replay's clock when the registry hears it: a
      // few ms of real time on, up to a second of record time at 20× on a busy machine
      const near = (line: string): string => {
        const [name, , at] = line.split(' ')
        if (!line.includes(' down ')) return line
        return expected.find(e => e.startsWith(`${name ?? ''} down `) && Math.abs(Number(e.split(' ')[2]) - Number(at)) <= 1_500) ?? line
      }
      const recorded = seen.filter(line => expected.includes(line) || line.includes(' down ')).map(near)
      assert.deepEqual(recorded, expected.filter(line => !line.includes(' up ')))
      assert.ok(seen.some(line => line.startsWith('b up') || line.startsWith('b 523')), 'b came back')
      assert.ok(panels.some(branches => branches.length === 1 && branches[0] === 2), `a fork panel of one chain with both nodes on it, in ${JSON.stringify(panels)}`)
      const info = await (await fetch(`${relay.httpUrl}/relay.json`)).json() as { replay?: { from: number, to: number, speed: number } }
      assert.deepEqual(info.replay, { from: start + 30_000, to: start + 120_000, speed: 20 })
    } finally {
      await peer.stop()
      await relay.stop()
      await remove()
    }
  })

  it('raises a recorded fork of nodes that reported their heads\' parents at its first block on each side, as live', { timeout: 120_000 }, async () => {
    const { dir, remove } = await tempDir()
    const SLOT = 2_000
    const start = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000
    const clock = new FakeClock(start)
    const record = manualRecord(dir, clock)
    const peerOf = (k: number): string => `12D3KooWReplayFork${k}`
    const beat = (k: number, height: number, head: string, parent: string): void => {
      record.heartbeat(peerOf(k), clock.t, { height, head, nickname: `v${k}`, minerAddress: null, genesisCid: 'bafygenesis' }, parent)
    }
    // five beacon-like nodes on one chain for 30 slots; then split validators: nodes 0-2 make a
    // block at slot 31 on 30, nodes 3-4 (which never saw it) one at slot 32 on 30, and neither
    // side another before the replay ends (a second block each is what heads without parents need)
    for (let height = 1; height <= 30; height++) {
      clock.t += SLOT
      for (let k = 0; k < 5; k++) beat(k, height, `0xm${height}`, `0xm${height - 1}`)
      record.flush()
    }
    clock.t += SLOT
    for (let k = 0; k < 3; k++) beat(k, 31, '0xa31', '0xm30')
    record.flush()
    clock.t += SLOT
    for (let k = 3; k < 5; k++) beat(k, 32, '0xb32', '0xm30')
    record.flush()
    const diverged = clock.t
    clock.t += 4 * SLOT
    record.flush()
    await record.stop()

    const relay = await startReplayRelay({ dataDir: dir, from: start, to: diverged + 4 * SLOT, speed: 10, httpPort: 0, wsPort: 0, waitForViewer: true })
    const peer = await createPeer()
    try {
      const client = await FeedClient.open(peer, relay.browserAddrs[0] ?? '')
      const forks: Array<{ startedAt: number, calledAt: number, splitHeight: number | null }> = []
      client.onMessage = message => {
        const fork = message.t === 'forks' ? message.networks[0]?.fork : null
        if (fork != null) forks.push(fork)
      }
      const fork = await waitFor('the fork on the feed', () => forks[0], 30_000)
      assert.equal(fork.startedAt, diverged, 'from the second side\'s block')
      assert.equal(fork.splitHeight, 30)
      // called a block time after the split (evaluated every 250 ms of record time), before a
      // second block on either side could have come
      assert.ok(fork.calledAt >= diverged + SLOT && fork.calledAt < diverged + 2 * SLOT, `called at +${fork.calledAt - diverged} ms`)
    } finally {
      await peer.stop()
      await relay.stop()
      await remove()
    }
  })
})
