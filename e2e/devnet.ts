// Starts pieces of a devnet (relay, simulator, hand-driven sender) as child processes for the
// browser tests, on free ports and in temp data dirs, and stops them after.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import type { Page } from '@playwright/test'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
// the project's pinned Node (libp2p 3 and .ts files need 22.18+; the system one may be older)
const NODE = join(ROOT, 'node_modules', '.bin', 'node')
const FIXTURE = join(ROOT, 'e2e', 'fixtures', 'devnet-process.ts')
// starting a libp2p node, or fifty, takes a couple of seconds on a busy 2-core machine
const READY_TIMEOUT_MS = 30_000

export interface Piece<T> {
  info: T
  /** a line on the process's stdin; resolves when it acknowledges */
  command: (line: string) => Promise<void>
  /** SIGTERM and wait */
  stop: () => Promise<void>
  /** SIGKILL and wait: the process dies as in a crash */
  kill: () => Promise<void>
  /** false once the process has exited, whether stopped or not */
  running: () => boolean
}

export interface RelayInfo { peerId: string, httpUrl: string, nodeAddrs: string[], browserAddrs: string[] }
export interface SimInfo { nodes: Array<{ nickname: string }> }
export interface SenderInfo { peerId: string }

const running = new Set<ChildProcessWithoutNullStreams>()
// processes a test or stopAll stopped on purpose
const stopped = new WeakSet<ChildProcessWithoutNullStreams>()

async function start<T> (kind: string, options: object): Promise<Piece<T>> {
  const child = spawn(NODE, [FIXTURE, kind, JSON.stringify(options)], { cwd: ROOT, env: { ...process.env, DEBUG: '' } })
  running.add(child)
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000) })
  const exited = new Promise<void>(resolve => child.once('exit', (code, signal) => {
    running.delete(child)
    // a piece that dies under a test is what the test then fails on: say so, with its last words
    if (!stopped.has(child)) console.error(`the ${kind} process exited by itself (${signal ?? `code ${code}`}): ${stderr}`)
    resolve()
  }))
  const acks: Array<(line: string) => void> = []
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${kind} not ready after ${READY_TIMEOUT_MS} ms: ${stderr}`)) }, READY_TIMEOUT_MS)
    void exited.then(() => { clearTimeout(timer); reject(new Error(`${kind} exited before it was ready: ${stderr}`)) })
    createInterface({ input: child.stdout }).on('line', line => {
      let message: { ready?: T, ack?: string }
      try { message = JSON.parse(line) } catch { return }
      if (message.ready !== undefined) { clearTimeout(timer); resolve(message.ready) }
      if (message.ack !== undefined) acks.shift()?.(message.ack)
    })
  })
  const signal = async (name: NodeJS.Signals): Promise<void> => {
    stopped.add(child)
    if (child.exitCode === null && child.signalCode === null) child.kill(name)
    await exited
  }
  return {
    info,
    command: async line => {
      const acked = new Promise<string>(resolve => acks.push(resolve))
      child.stdin.write(line + '\n')
      await acked
    },
    stop: async () => {
      const force = setTimeout(() => child.kill('SIGKILL'), 5000)
      await signal('SIGTERM')
      clearTimeout(force)
    },
    kill: async () => { await signal('SIGKILL') },
    running: () => child.exitCode === null && child.signalCode === null
  }
}

export interface RelayOptions { dataDir: string, httpPort?: number, tcpPort?: number, wsPort?: number, allowViewers?: string[], staticDir?: string }

export async function startRelayProcess (options: RelayOptions): Promise<Piece<RelayInfo>> {
  return await start<RelayInfo>('relay', { httpPort: 0, tcpPort: 0, wsPort: 0, ...options })
}

/** The ports a relay got, to restart it on the same ones. */
export function relayPorts (info: RelayInfo): { httpPort: number, tcpPort: number, wsPort: number } {
  const port = (addr: string): number => Number(addr.split('/')[4])
  const tcp = info.nodeAddrs.find(addr => !addr.includes('/ws')) ?? ''
  return { httpPort: Number(new URL(info.httpUrl).port), tcpPort: port(tcp), wsPort: port(info.browserAddrs[0] ?? '') }
}

export function tcpTarget (info: RelayInfo): string {
  const target = info.nodeAddrs.find(addr => !addr.includes('/ws'))
  if (target === undefined) throw new Error('the relay lists no TCP address')
  return target
}

export interface SimOptions {
  target: string
  nodes: number
  scenario: string
  seed?: number
  blockTime?: string
  beatPeriod?: string
  reconnectPeriod?: string
}

export async function startSimProcess (options: SimOptions): Promise<Piece<SimInfo>> {
  // short periods keep the suite fast; the page learns each node's beat period itself
  return await start<SimInfo>('sim', { seed: 42, blockTime: '1s', beatPeriod: '500ms', reconnectPeriod: '1s', ...options })
}

export interface SenderOptions { target: string, nickname: string, periodMs?: number, height?: number }

export async function startSenderProcess (options: SenderOptions): Promise<Piece<SenderInfo>> {
  return await start<SenderInfo>('sender', { periodMs: 400, height: 100, ...options })
}

export interface FeedOptions { version: number, silent?: boolean }

/** A stand-in relay feed on its own WebSocket port (see devnet-process.ts). */
export async function startFakeFeedProcess (options: FeedOptions): Promise<Piece<{ addr: string }>> {
  return await start<{ addr: string }>('feed', { silent: false, ...options })
}

export async function tempDir (): Promise<string> {
  return await mkdtemp(join(tmpdir(), 'devnet-e2e-'))
}

export async function removeDir (dir: string): Promise<void> {
  // a process killed a moment ago (a browser's helpers) may still have had a file open in it
  await rm(dir, { recursive: true, force: true, maxRetries: 3 })
}

/** Stops every piece still running (afterEach), so a failed test leaves no process behind. */
export async function stopAll (): Promise<void> {
  await Promise.all([...running].map(async child => {
    stopped.add(child)
    child.kill('SIGKILL')
    await new Promise(resolve => child.once('exit', resolve))
  }))
}

/** Where a test's screenshot goes, for a person to look at after the run. */
export function artifactPath (file: string): string {
  return join(ROOT, 'e2e', 'artifacts', file)
}

/** Screenshots at 1080p and 4K into e2e/artifacts, for a person to look at. */
export async function saveScreenshots (page: Page, name: string): Promise<void> {
  for (const [label, width, height] of [['1080p', 1920, 1080], ['4k', 3840, 2160]] as const) {
    await page.setViewportSize({ width, height })
    await settle(page)
    await page.screenshot({ path: artifactPath(`${name}-${label}.png`) })
  }
  await page.setViewportSize({ width: 1920, height: 1080 })
  await settle(page)
}

/** Waits until a resize has been laid out and painted: two animation frames. */
export async function settle (page: Page): Promise<void> {
  // a string, because this file is type-checked as Node code, without the DOM
  await page.evaluate('new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))')
}
