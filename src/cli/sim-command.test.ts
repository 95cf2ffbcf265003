// `devnet-dashboard sim` as a person runs it: --help, refusals naming the option, and a run
// against a real relay that stops cleanly on SIGINT.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { BIN as bin, runCli } from '../testing/cli.ts'
import { getJson } from '../testing/http.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { TestRelay } from '../testing/test-relay.ts'

const run = runCli

describe('devnet-dashboard sim', () => {
  let relay: TestRelay

  before(async () => { relay = await startTestRelay() })
  after(async () => { await relay.destroy() })

  it('--help lists every option with its environment variable, and the scenarios', async () => {
    const help = await run(['sim', '--help'])
    assert.equal(help.code, 0)
    for (const flag of ['--target', '--nodes', '--scenario', '--seed', '--block-time', '--beat-period', '--reconnect-period']) assert.match(help.stdout, new RegExp(flag))
    for (const env of ['DEVNET_SIM_TARGET', 'DEVNET_SIM_NODES', 'DEVNET_SIM_SCENARIO', 'DEVNET_SIM_SEED', 'DEVNET_SIM_BLOCK_TIME']) assert.match(help.stdout, new RegExp(env))
    for (const name of ['demo', 'steady', 'fork', 'lag', 'stall', 'restart', 'leave']) assert.match(help.stdout, new RegExp(`\\n  ${name} `))
  })

  it('refuses bad values naming the option', async () => {
    const missing = await run(['sim'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /--target/)
    const target = await run(['sim', '--target', '/ip4/127.0.0.1/tcp/4001'])
    assert.equal(target.code, 2)
    assert.match(target.stderr, /--target.*\/p2p\/<peer id>/)
    const scenario = await run(['sim', '--target', relay.nodeAddrs[0] ?? '', '--scenario', 'chaos'])
    assert.equal(scenario.code, 2)
    assert.match(scenario.stderr, /--scenario.*expected one of demo/)
    const blockTime = await run(['sim'], { DEVNET_SIM_TARGET: relay.nodeAddrs[0] ?? '', DEVNET_SIM_BLOCK_TIME: '4' })
    assert.equal(blockTime.code, 2)
    assert.match(blockTime.stderr, /DEVNET_SIM_BLOCK_TIME \(--block-time\).*missing unit/)
  })

  it('runs N nodes against a relay until SIGINT, then stops cleanly', async () => {
    const target = relay.nodeAddrs.find(addr => !addr.includes('/ws')) ?? ''
    const child = spawn(process.execPath, [bin, 'sim', '--nodes', '5', '--seed', '99', '--block-time', '300ms', '--beat-period', '100ms', '--reconnect-period', '200ms', '--scenario', 'steady'], {
      env: { ...process.env, DEVNET_SIM_TARGET: target },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
    const exited = new Promise<number | null>(resolve => { child.once('exit', code => { resolve(code) }) })
    try {
      await waitFor('the start line', () => /5 nodes beating to .*seed 99/.test(out), 15_000)
      const nodes = await waitFor('5 connected nodes in /api/nodes', async () => {
        const api = await getJson<NodeRecord[]>(`${relay.httpUrl}/api/nodes`)
        const live = api.filter(node => node.connected && node.height > 0)
        return live.length === 5 ? live : undefined
      }, 20_000)
      child.kill('SIGINT')
      assert.equal(await exited, 0, out)
      assert.match(out, /SIGINT: stopping 5 nodes/)
      await waitFor('every node disconnected after the stop', async () => {
        const api = await getJson<NodeRecord[]>(`${relay.httpUrl}/api/nodes`)
        return api.filter(node => nodes.some(n => n.peerId === node.peerId) && node.connected).length === 0
      }, 10_000)
    } finally {
      if (child.exitCode == null) child.kill('SIGKILL')
    }
  })
})
