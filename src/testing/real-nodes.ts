// Real nodes for tests, as processes: a Hardhat node (execution JSON-RPC) and Lodestar beacon
// nodes (the beacon API), installed on demand by scripts/real-nodes.ts. Every process listens
// on 127.0.0.1 on free ports, runs under `timeout` (so even an orphan ends), in a process group
// of its own that stop() kills by its PID.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { ensureRealNode } from '../../scripts/real-nodes.ts'
import type { ChildProcess } from 'node:child_process'
import type { AddressInfo } from 'node:net'

// no test keeps a real node longer than this, whatever happens to the test process
const MAX_LIFETIME_S = 600

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) killGroup(child)
})

function killGroup (child: ChildProcess): void {
  if (child.pid == null || child.exitCode !== null || child.signalCode !== null) return
  try { process.kill(-child.pid, 'SIGKILL') } catch {}
}

/** A port free on 127.0.0.1 now (the OS picks it; a process takes it moments later). */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => { resolve(port) })
    })
  })
}

export interface RealProcess {
  readonly pid: number
  /** the last 8 KB of its output, for failure messages */
  output: () => string
  stop: () => Promise<void>
}

function startProcess (node: string, args: string[], cwd: string, env: Record<string, string> = {}): RealProcess {
  const child = spawn('timeout', ['--kill-after=5', String(MAX_LIFETIME_S), node, ...args], {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  running.add(child)
  let output = ''
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-8000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>(resolve => child.once('exit', () => { running.delete(child); resolve() }))
  return {
    pid: child.pid ?? -1,
    output: () => output,
    stop: async () => {
      killGroup(child)
      await exited
    }
  }
}

/** Waits until probe() holds, polling every 250 ms, or fails with the process's output. */
async function until (what: string, probe: () => Promise<boolean>, timeoutMs: number, proc: RealProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms; its output:\n${proc.output()}`)
}

async function rpc (url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(10_000) })
  const answer = await response.json() as { result?: unknown, error?: { message: string } }
  if (answer.error != null) throw new Error(`${method}: ${answer.error.message}`)
  return answer.result
}

export interface HardhatNode extends RealProcess {
  port: number
  httpUrl: string
  wsUrl: string
  /** evm_mine: one block now; resolves with its number */
  mine: () => Promise<number>
  call: (method: string, params?: unknown[]) => Promise<unknown>
}

/** A Hardhat 3 node (EDR) on a free port; blocks only when mined. */
export async function startHardhat (): Promise<HardhatNode> {
  const installed = await ensureRealNode('hardhat')
  const port = await freePort()
  const proc = startProcess(installed.node, [join(installed.dir, 'node_modules', 'hardhat', 'dist', 'src', 'cli.js'), 'node', '--hostname', '127.0.0.1', '--port', String(port)], installed.dir)
  const httpUrl = `http://127.0.0.1:${port}`
  try {
    await until('hardhat node', async () => typeof await rpc(httpUrl, 'web3_clientVersion') === 'string', 60_000, proc)
  } catch (err) {
    await proc.stop()
    throw err
  }
  return {
    ...proc,
    port,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    call: async (method, params = []) => await rpc(httpUrl, method, params),
    mine: async () => {
      await rpc(httpUrl, 'evm_mine')
      return Number.parseInt(String(await rpc(httpUrl, 'eth_blockNumber')), 16)
    }
  }
}

export interface LodestarInit {
  /** shared by every node of one devnet, seconds since epoch */
  genesisTime: number
  /** e.g. "0..3" */
  validators: string
  dataDir: string
  /** another node's ENR, to peer from the start */
  bootnode?: string
}

export interface LodestarNode extends RealProcess {
  restPort: number
  p2pPort: number
  restUrl: string
  get: (path: string) => Promise<unknown>
  /** this node's libp2p peer ID (/eth/v1/node/identity) */
  peerId: () => Promise<string>
  /** its head as its own API reports it (/eth/v1/beacon/headers/head) */
  head: () => Promise<{ root: string, slot: number }>
  /** dials another node (Lodestar's own API, namespace "lodestar") */
  connect: (other: LodestarNode) => Promise<void>
}

/** A Lodestar 1.5.1 dev node (minimal preset: 6 s slots) with interop validators. */
export async function startLodestar (init: LodestarInit): Promise<LodestarNode> {
  const installed = await ensureRealNode('lodestar')
  const restPort = await freePort()
  const p2pPort = await freePort()
  const args = [
    join(installed.dir, 'node_modules', '.bin', 'lodestar'), 'dev',
    '--genesisValidators', '8', '--startValidators', init.validators, '--genesisTime', String(init.genesisTime), '--reset',
    '--listenAddress', '127.0.0.1', '--port', String(p2pPort),
    '--rest.address', '127.0.0.1', '--rest.port', String(restPort), '--rest.namespace', '*',
    // its validator client talks to 9596 unless told where its own REST API is
    '--server', `http://127.0.0.1:${restPort}`,
    '--dataDir', init.dataDir,
    ...(init.bootnode != null
      ? ['--bootnodes', init.bootnode, '--network.connectToDiscv5Bootnodes']
      : ['--discv5', 'false'])
  ]
  const proc = startProcess(installed.node, args, installed.dir, { LODESTAR_PRESET: 'minimal' })
  const restUrl = `http://127.0.0.1:${restPort}`
  const get = async (path: string): Promise<unknown> => {
    const response = await fetch(restUrl + path, { signal: AbortSignal.timeout(10_000) })
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`)
    return await response.json()
  }
  try {
    await until('lodestar REST API', async () => (await get('/eth/v1/node/version') as { data?: { version?: string } }).data?.version != null, 90_000, proc)
  } catch (err) {
    await proc.stop()
    throw err
  }
  const peerId = async (): Promise<string> => (await get('/eth/v1/node/identity') as { data: { peer_id: string } }).data.peer_id
  return {
    ...proc,
    restPort,
    p2pPort,
    restUrl,
    get,
    peerId,
    head: async () => {
      const answer = await get('/eth/v1/beacon/headers/head') as { data: { root: string, header: { message: { slot: string } } } }
      return { root: answer.data.root, slot: Number(answer.data.header.message.slot) }
    },
    connect: async (other) => {
      const response = await fetch(`${restUrl}/eth/v1/lodestar/connect_peer?peerId=${await other.peerId()}&multiaddr=/ip4/127.0.0.1/tcp/${other.p2pPort}`, { method: 'POST', signal: AbortSignal.timeout(10_000) })
      if (!response.ok) throw new Error(`connect_peer: ${response.status} ${await response.text()}`)
    }
  }
}
