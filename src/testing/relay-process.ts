// The relay CLI as its own process, so a test or benchmark measures the relay alone (its
// memory, its CPU) and can kill it as a crash would.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN } from './cli.ts'
import { waitFor } from './wait-for.ts'

export interface RelayProcess {
  /** the relay's own process (this launcher runs it directly under a modern Node) */
  pid: number
  peerId: string
  httpUrl: string
  nodeAddrs: string[]
  browserAddrs: string[]
  output: () => string
  /** SIGTERM (or the given signal), then waits for the exit */
  kill: (signal?: NodeJS.Signals) => Promise<void>
}

/**
 * Runs `devnet-dashboard relay` as its own process (free ports unless args say otherwise) and
 * resolves once it has printed its addresses, so tests can measure the relay alone.
 */
export async function spawnRelayProcess (args: string[], env: Record<string, string> = {}): Promise<RelayProcess> {
  const child = spawn(process.execPath, [BIN, 'relay', '--http-port', '0', '--tcp-port', '0', '--ws-port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
  const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
  const printed = await waitFor('the relay process to print its addresses', () => {
    if (child.exitCode != null) throw new Error(`relay exited with ${child.exitCode}: ${out}`)
    return /dashboards dial:\n(\s+\S+\n)+/.test(out) ? out : undefined
  }, 30_000)
  const addrs = (heading: string): string[] => {
    const start = printed.indexOf(heading)
    const lines = printed.slice(start + heading.length).split('\n').slice(1)
    const out: string[] = []
    for (const line of lines) {
      if (!line.startsWith('    ')) break
      out.push(line.trim())
    }
    return out
  }
  return {
    pid: child.pid ?? 0,
    peerId: /relay (\S+)/.exec(printed)?.[1] ?? '',
    httpUrl: (/dashboard:\s+(\S+)\//.exec(printed)?.[1]) ?? '',
    nodeAddrs: addrs('BeatTarget for devnet nodes'),
    browserAddrs: addrs('dashboards dial:'),
    output: () => out,
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode == null) child.kill(signal)
      await exited
    }
  }
}

export interface ScratchRelay extends RelayProcess {
  tcp: string
  ws: string
  stop: () => Promise<void>
}

/**
 * The relay CLI as its own process (so its memory is its own) with a fresh data dir. With
 * `inspect`, it listens for the inspector on a free loopback port, so the benchmark can make
 * it collect garbage (bench/memory.ts, retainedBytes).
 */
export async function startRelayProcess (args: string[] = [], options: { inspect?: boolean } = {}): Promise<ScratchRelay> {
  const dataDir = await mkdtemp(join(tmpdir(), 'devnet-fault-'))
  const env: Record<string, string> = options.inspect === true ? { NODE_OPTIONS: '--inspect=127.0.0.1:0' } : {}
  const relay = await spawnRelayProcess(['--data-dir', dataDir, ...args], env)
  return {
    ...relay,
    tcp: relay.nodeAddrs.find(a => !a.includes('/ws')) ?? assert.fail('no TCP address'),
    ws: relay.browserAddrs[0] ?? assert.fail('no WebSocket address'),
    stop: async () => {
      await relay.kill()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
}
