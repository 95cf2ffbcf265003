// `devnet-dashboard watch` and `relay --watch` as a person runs them, against stand-in
// Filecoin nodes (no Filecoin node runs here; the stand-in follows Lotus's API docs).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { spawnRelayProcess } from '../testing/relay-process.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import { FilecoinStandIn } from '../testing/filecoin-stand-in.ts'
import { tempDir } from '../testing/temp-dir.ts'
import { BIN, runCli } from '../testing/cli.ts'
import type { NodeRecord } from '../protocol/index.ts'

async function nodesAt (httpUrl: string): Promise<NodeRecord[]> {
  return await (await fetch(`${httpUrl}/api/nodes`)).json() as NodeRecord[]
}

describe('devnet-dashboard watch', () => {
  const lotus = new FilecoinStandIn()
  const forest = new FilecoinStandIn({ flavour: 'forest' })
  let dir: { dir: string, remove: () => Promise<void> }

  before(async () => {
    ;[dir] = await Promise.all([tempDir('devnet-watch-cli-'), lotus.start(), forest.start()])
    lotus.grow(1)
    forest.grow(2)
  })

  after(async () => {
    await Promise.all([lotus.stop(), forest.stop(), dir?.remove()])
  })

  it('lists its options, and refuses a missing option or a bad node file naming the entry and field', async () => {
    const help = await runCli(['watch', '--help'])
    assert.equal(help.code, 0)
    for (const flag of ['--nodes', '--target', '--data-dir', '--beat-period', 'DEVNET_WATCH_NODES']) assert.match(help.stdout, new RegExp(flag))
    assert.match((await runCli(['--help'])).stdout, /watch/)
    const missing = await runCli(['watch', '--target', '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /--nodes .* is required/)
    const file = join(dir.dir, 'bad.json')
    await writeFile(file, JSON.stringify({ nodes: [{ name: 'teku-1', kind: 'beacon', url: 'ws://10.0.0.6:5051' }] }))
    const bad = await runCli(['watch', '--nodes', file, '--target', '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf', '--data-dir', join(dir.dir, 'bad-data')])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /nodes\[0\] \("teku-1"\): url: a beacon node's URL starts with http/)
  })

  it('runs standalone: beats for each node to the relay with its client and peer ID, writes the roster (a relay given it shows the node missing until heard), keeps each peer ID across restarts', async () => {
    const relay = await startTestRelay()
    const file = join(dir.dir, 'standalone.json')
    const dataDir = join(dir.dir, 'standalone-data')
    await writeFile(file, JSON.stringify({ nodes: [{ name: 'lotus-cli', kind: 'filecoin', url: lotus.url, miner: 't01000' }] }))
    const start = async (target = relay.nodeAddrs[0] ?? ''): Promise<{ stop: () => Promise<number | null>, output: () => string }> => {
      const child = spawn(process.execPath, [BIN, 'watch', '--nodes', file, '--target', target, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
      child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
      const exited = new Promise<number | null>(resolve => child.once('exit', code => { resolve(code) }))
      await waitFor('the watch banner', () => out.includes('relay --roster'), 30_000, () => out)
      return {
        output: () => out,
        stop: async () => { child.kill('SIGTERM'); return await exited }
      }
    }
    try {
      const first = await start()
      const roster = JSON.parse(await readFile(join(dataDir, 'roster.json'), 'utf8')) as { nodes: Array<{ name: string, peerId: string }> }
      assert.equal(roster.nodes.length, 1)
      const peerId = roster.nodes[0]?.peerId ?? ''
      assert.match(first.output(), new RegExp(`lotus-cli\\s+filecoin\\s+${peerId}`))
      assert.match(first.output(), new RegExp(`devnet-dashboard relay --roster ${join(dataDir, 'roster.json')}`))
      await waitFor('lotus-cli at the relay', async () => (await nodesAt(relay.httpUrl)).find(node => node.peerId === peerId && node.connected && node.height === lotus.head.height))
      assert.equal(await first.stop(), 0)
      await waitFor('lotus-cli offline once the watcher stopped', async () => (await nodesAt(relay.httpUrl)).find(node => node.peerId === peerId)?.connected === false)

      // a new relay given the roster lists the node before it is heard: its name, missing
      const expecting = await startTestRelay({ roster: join(dataDir, 'roster.json') })
      try {
        const missing = (await nodesAt(expecting.httpUrl)).find(node => node.peerId === peerId)
        assert.deepEqual({ nickname: missing?.nickname, connected: missing?.connected, lastHeartbeatAt: missing?.lastHeartbeatAt, firstSeenAt: missing?.firstSeenAt }, { nickname: 'lotus-cli', connected: false, lastHeartbeatAt: null, firstSeenAt: null })
        const text = await (await fetch(`${expecting.httpUrl}/metrics`)).text()
        assert.match(text, /^devnet_nodes_missing 1$/m)
        // the watcher back, beating to the second relay: heard under the same peer ID
        const second = await start(expecting.nodeAddrs[0] ?? '')
        const heard = await waitFor('lotus-cli heard, under the same peer ID', async () => (await nodesAt(expecting.httpUrl)).find(node => node.peerId === peerId && node.connected && node.lastHeartbeatAt !== null))
        assert.equal(heard.client, 'Filecoin')
        assert.equal(heard.clientVersion, '1.28.0+mainnet+git.b9d8a5d')
        assert.equal(heard.nodePeerId, lotus.peerId)
        assert.equal((await nodesAt(expecting.httpUrl)).length, 1, 'no second identity')
        await second.stop()
      } finally {
        await expecting.destroy()
      }
    } finally {
      await relay.destroy()
    }
  })

  it('runs inside the relay with --watch and follows edits of the node file: added nodes appear, removed ones go offline, a broken edit keeps the list and says why', async () => {
    const file = join(dir.dir, 'embedded.json')
    // lotus-down's API never answers: it is on the dashboard from the start, missing
    await writeFile(file, JSON.stringify({ nodes: [{ name: 'lotus-e', kind: 'filecoin', url: lotus.url }, { name: 'lotus-down', kind: 'filecoin', url: 'ws://127.0.0.1:1/rpc/v1' }] }))
    const relay = await spawnRelayProcess(['--data-dir', join(dir.dir, 'relay-data'), '--watch', file])
    try {
      assert.match(relay.output(), /watching 2 node\(s\) from .*embedded\.json/)
      await waitFor('lotus-e at the relay', async () => (await nodesAt(relay.httpUrl)).some(node => node.nickname === 'lotus-e' && node.connected && node.height === lotus.head.height), 20_000, relay.output)
      const down = (await nodesAt(relay.httpUrl)).find(node => node.nickname === 'lotus-down')
      assert.deepEqual([down?.connected, down?.lastHeartbeatAt], [false, null], 'a watched node never heard is listed, missing')

      await writeFile(file, JSON.stringify({ nodes: [{ name: 'lotus-e', kind: 'filecoin', url: lotus.url }, { name: 'forest-e', kind: 'filecoin', url: forest.url }] }))
      await waitFor('lotus-down, taken off the node file before it was ever heard, gone', async () => !(await nodesAt(relay.httpUrl)).some(node => node.nickname === 'lotus-down'), 20_000, relay.output)
      await waitFor('forest-e added', async () => (await nodesAt(relay.httpUrl)).some(node => node.nickname === 'forest-e' && node.connected && node.height === forest.head.height), 20_000, relay.output)

      await writeFile(file, '{ "nodes": [ { "name": "forest-e", "kind": "filecoin" } ] }')
      await waitFor('the broken edit reported', () => /embedded\.json: nodes\[0\] \("forest-e"\): url: must be a string; keeping the last good list \(2 node\(s\)\)/.test(relay.output()), 20_000, relay.output)
      assert.equal((await nodesAt(relay.httpUrl)).filter(node => node.connected).length, 2, 'both still watched')

      await writeFile(file, JSON.stringify({ nodes: [{ name: 'forest-e', kind: 'filecoin', url: forest.url }] }))
      await waitFor('lotus-e removed: offline', async () => (await nodesAt(relay.httpUrl)).find(node => node.nickname === 'lotus-e')?.connected === false, 20_000, relay.output)
      assert.equal((await nodesAt(relay.httpUrl)).find(node => node.nickname === 'forest-e')?.connected, true)
    } finally {
      await relay.kill()
    }
  })
})
