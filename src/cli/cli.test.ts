// The CLI as a person runs it: bad values are refused naming the option, a busy port is
// reported as such, --help lists every option.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { runCli } from '../testing/cli.ts'
import type { AddressInfo } from 'node:net'

const run = runCli

describe('devnet-dashboard CLI', () => {
  it('lists the commands and each command\'s options', async () => {
    const top = await run(['--help'])
    assert.equal(top.code, 0)
    assert.match(top.stdout, /relay/)
    assert.match(top.stdout, /sim/)
    const relay = await run(['relay', '--help'])
    assert.equal(relay.code, 0)
    for (const flag of ['--host', '--http-port', '--tcp-port', '--ws-port', '--data-dir', '--announce', '--sim']) assert.match(relay.stdout, new RegExp(flag))
    assert.match(relay.stdout, /DEVNET_HTTP_PORT/)
    // an option whose default is "none given" says what that means in its help, not "(default )"
    const replay = await run(['replay', '--help'])
    assert.match(replay.stdout, /--from <time>/)
    assert.doesNotMatch(replay.stdout, /default \)/)
  })

  it('refuses a bad value naming the option, from a flag or from the environment', async () => {
    const flag = await run(['relay', '--tcp-port', 'ninety'])
    assert.equal(flag.code, 2)
    assert.match(flag.stderr, /--tcp-port/)
    const env = await run(['relay'], { DEVNET_WS_PORT: '70000' })
    assert.equal(env.code, 2)
    assert.match(env.stderr, /DEVNET_WS_PORT \(--ws-port\)/)
    const host = await run(['relay', '--host', 'not-an-ip'])
    assert.match(host.stderr, /--host.*IPv4 or IPv6/)
    const announce = await run(['relay', '--announce', '/not/a/multiaddr'])
    assert.equal(announce.code, 2)
    assert.match(announce.stderr, /--announce/)
    const unknown = await run(['relay', '--colour', 'blue'])
    assert.match(unknown.stderr, /unknown option --colour/)
  })

  it('reports a port in use as such', async () => {
    const blocker = createServer()
    await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as AddressInfo).port
    const dataDir = await mkdtemp(join(tmpdir(), 'devnet-cli-'))
    try {
      const http = await run(['relay', '--data-dir', dataDir, '--http-port', String(port), '--tcp-port', '0', '--ws-port', '0'])
      assert.equal(http.code, 1)
      assert.match(http.stderr, new RegExp(`port ${port} \\(--http-port\\) is already in use`))
      const tcp = await run(['relay', '--data-dir', dataDir, '--http-port', '0', '--tcp-port', String(port), '--ws-port', '0'])
      assert.match(tcp.stderr, new RegExp(`port ${port} \\(--tcp-port\\) is already in use`))
    } finally {
      blocker.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
