// The execution watcher against a real JSON-RPC server: a Hardhat 3 node (Nomic Foundation's
// EDR), installed on demand outside the project (scripts/real-nodes.ts), blocks made with
// evm_mine so every step is deterministic.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestRelay } from '../testing/test-relay.ts'
import { TestTarget } from '../testing/heartbeat-target.ts'
import { decodeHeartbeatLine } from '../protocol/index.ts'
import { waitFor } from '../testing/wait-for.ts'
import { parseBlockHead } from './execution.ts'
import { splitClientVersion } from './facts.ts'
import { recordingWatchLog } from '../testing/watch-log.ts'
import { tempDir } from '../testing/temp-dir.ts'
import { startHardhat } from '../testing/real-nodes.ts'
import { createWatcher } from './watcher.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { TestRelay } from '../testing/test-relay.ts'
import type { HardhatNode } from '../testing/real-nodes.ts'

describe('execution clients\' answers', () => {
  it('splits web3_clientVersion into client and version', () => {
    assert.deepEqual(splitClientVersion('Geth/v1.13.5-stable-916d6a44/linux-amd64/go1.21.4'), { client: 'Geth', clientVersion: 'v1.13.5-stable-916d6a44' })
    assert.deepEqual(splitClientVersion('HardhatNetwork/3.18.0/@nomicfoundation/edr/0.3.8'), { client: 'HardhatNetwork', clientVersion: '3.18.0' })
    assert.deepEqual(splitClientVersion(42), { client: null, clientVersion: null })
  })

  it('refuses a block without a 32-byte hash or a hex number', () => {
    const hash = `0x${'ab'.repeat(32)}`
    const parent = `0x${'CD'.repeat(32)}`
    assert.deepEqual(parseBlockHead({ hash, number: '0x1b4', parentHash: parent }, 't'), { head: hash, height: 436, parent: parent.toLowerCase() })
    // a parent that is no hash is left out (the head still counts)
    assert.deepEqual(parseBlockHead({ hash, number: '0x1b4', parentHash: '<b>' }, 't'), { head: hash, height: 436 })
    for (const bad of [{ hash: '0x12', number: '0x1' }, { hash, number: 12 }, { hash, number: '0x' }, null]) {
      assert.throws(() => parseBlockHead(bad, 't'), { name: 'BadResponseError' })
    }
  })
})

describe('a real Hardhat node watched through a real relay', () => {
  let relay: TestRelay
  let hardhat: HardhatNode
  let data: { dir: string, remove: () => Promise<void> }

  before(async () => {
    ;[relay, hardhat, data] = await Promise.all([startTestRelay(), startHardhat(), tempDir()])
  })

  after(async () => {
    await Promise.all([relay?.destroy(), hardhat?.stop(), data?.remove()])
  })

  /** A watcher of the Hardhat node twice: over its WebSocket (newHeads) and over HTTP (polled). */
  const watchBoth = (target: string, log: ReturnType<typeof recordingWatchLog>): ReturnType<typeof createWatcher> => createWatcher({
    target,
    dataDir: data.dir,
    nodes: [
      { name: 'hardhat-ws', kind: 'execution', url: hardhat.wsUrl },
      { name: 'hardhat-http', kind: 'execution', url: hardhat.httpUrl }
    ],
    // longer than the test: a beat it sees for a new block was sent at once
    beatPeriodMs: 120_000,
    pollIntervalMs: 250,
    log
  })
  const block = async (tag: string): Promise<{ hash: string, number: string }> => await hardhat.call('eth_getBlockByNumber', [tag, false]) as { hash: string, number: string }
  const atRelay = async (name: string): Promise<NodeRecord | undefined> =>
    (await (await fetch(`${relay.httpUrl}/api/nodes`)).json() as NodeRecord[]).find(node => node.nickname === name)

  it('follows newHeads over the WebSocket and polls over HTTP; each mined block is at the relay before the next BeatPeriod; a reorg shows', async () => {
    const log = recordingWatchLog()
    const watcher = watchBoth(relay.nodeAddrs[0] ?? '', log)
    await watcher.start()
    try {
      await hardhat.mine()
      let latest = await block('latest')
      for (const name of ['hardhat-ws', 'hardhat-http']) {
        const node = await waitFor(`${name} at the relay`, async () => { const node = await atRelay(name); return node?.head === latest.hash && node }, 20_000, () => JSON.stringify(watcher.nodes()) + log.text())
        assert.equal(node.height, Number.parseInt(latest.number, 16))
      }
      const info = watcher.nodes().find(node => node.name === 'hardhat-ws')
      assert.equal(info?.facts.client, 'HardhatNetwork')
      assert.equal(info?.facts.clientVersion, '3.18.0')
      assert.equal(info?.facts.syncing, false)

      for (let i = 0; i < 3; i++) {
        const number = await hardhat.mine()
        latest = await block('latest')
        await waitFor(`block ${number} at the relay`, async () => (await atRelay('hardhat-ws'))?.head === latest.hash, 10_000)
        await waitFor(`block ${number} at the relay by polling`, async () => (await atRelay('hardhat-http'))?.head === latest.hash, 10_000)
      }

      // a reorg: back to an earlier block, then a different one at a height already seen
      const snapshot = await hardhat.call('evm_snapshot')
      const before = await hardhat.mine()
      const replaced = await block('latest')
      await waitFor('the block to be replaced at the relay', async () => (await atRelay('hardhat-ws'))?.head === replaced.hash, 10_000)
      await hardhat.call('evm_revert', [snapshot])
      // a transaction-free block at the same height differs by its timestamp
      await hardhat.call('evm_setNextBlockTimestamp', [Number.parseInt((await block('latest') as unknown as { timestamp: string }).timestamp, 16) + 1000])
      const after = await hardhat.mine()
      assert.equal(after, before, 'the new block is at the height already seen')
      const replacement = await block('latest')
      assert.notEqual(replacement.hash, replaced.hash)
      const node = await waitFor('the replacing block at the relay', async () => { const node = await atRelay('hardhat-ws'); return node?.head === replacement.hash && node }, 10_000)
      assert.equal(node.height, after)
    } finally {
      await watcher.stop()
    }
  })

  it('sends each block\'s parentHash as ParentHead, from newHeads and from polling', async () => {
    const target = new TestTarget()
    await target.start()
    const watcher = watchBoth(target.address, recordingWatchLog())
    await watcher.start()
    try {
      await waitFor('both watched', () => watcher.nodes().every(node => node.up), 20_000)
      for (let i = 0; i < 2; i++) {
        await hardhat.mine()
        const latest = await hardhat.call('eth_getBlockByNumber', ['latest', false]) as { hash: string, parentHash: string }
        // both nodes' beats for it (one watcher key each: two streams, one line list)
        const parents = await waitFor(`block ${latest.hash} beaten for both nodes`, () => {
          const seen = target.lines.map(line => decodeHeartbeatLine(line.trimEnd())).filter(hb => hb.head === latest.hash)
          const nicknames = new Set(seen.map(hb => hb.nickname))
          return nicknames.size === 2 && seen.map(hb => hb.extra?.parentHead)
        }, 10_000, () => target.lines.join(''))
        assert.ok(parents.every(parent => parent === latest.parentHash.toLowerCase()), `ParentHead ${JSON.stringify(parents)} is the block's parentHash ${latest.parentHash}`)
      }
    } finally {
      await watcher.stop()
      await target.stop()
    }
  })

  it('shows the node offline as soon as its process stops, not at its next beat', async () => {
    const watcher = createWatcher({
      target: relay.nodeAddrs[0] ?? '',
      dataDir: data.dir,
      nodes: [{ name: 'hardhat-gone', kind: 'execution', url: hardhat.wsUrl }],
      // longer than the test: offline comes from the node's closed socket, not from a beat or
      // a poll that finds it gone (how soon is not a pass/fail matter here)
      beatPeriodMs: 120_000,
      apiReconnectMinMs: 100,
      apiReconnectMaxMs: 500,
      log: recordingWatchLog()
    })
    await watcher.start()
    try {
      await waitFor('hardhat-gone connected at the relay', async () => (await atRelay('hardhat-gone'))?.connected === true, 20_000)
      await hardhat.stop()
      await waitFor('hardhat-gone offline at the relay', async () => (await atRelay('hardhat-gone'))?.connected === false, 10_000)
      assert.equal(watcher.nodes().find(node => node.name === 'hardhat-gone')?.up, false)
    } finally {
      await watcher.stop()
    }
  })
})
