// Installs the real nodes the watcher's tests run (scripts/real-nodes/<name>/), on demand and
// once: into a cache dir outside the project tree, keyed by the lock file's hash, so a changed
// lock installs afresh and an unchanged one is reused. Concurrent test processes wait for one
// install (a lock directory). Run directly, it installs the ones named (default: all):
//   node scripts/real-nodes.ts [lodestar] [hardhat]
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type RealNodeName = 'lodestar' | 'hardhat'

const HERE = join(dirname(fileURLToPath(import.meta.url)), 'real-nodes')
// an install is ~1 minute here; ten is a machine in trouble
const INSTALL_TIMEOUT_MS = 10 * 60_000
// a lock older than an install can take was left by a process that died
const STALE_LOCK_MS = INSTALL_TIMEOUT_MS + 60_000
const MARKER = '.installed'

export interface InstalledNode {
  name: RealNodeName
  /** where its node_modules is */
  dir: string
  /** the Node binary that runs it */
  node: string
}

export function cacheRoot (): string {
  return process.env.DEVNET_REAL_NODES_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'devnet-dashboard', 'real-nodes')
}

/** The Node that runs each one: Lodestar 1.5.1 needs 18-22; Hardhat 3 runs on ours. */
export function nodeFor (name: RealNodeName): string | undefined {
  if (name === 'hardhat') return process.execPath
  if (process.env.LODESTAR_NODE != null && process.env.LODESTAR_NODE !== '') return process.env.LODESTAR_NODE
  // npm scripts put node_modules/.bin (the project's Node 24) first on PATH: look past it
  for (const entry of (process.env.PATH ?? '').split(delimiter)) {
    if (entry === '' || entry.includes('node_modules')) continue
    const candidate = join(entry, 'node')
    if (!existsSync(candidate)) continue
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout?.trim() ?? ''
    const major = Number(/^v(\d+)\./.exec(version)?.[1])
    if (major >= 18 && major <= 22) return candidate
  }
  return undefined
}

async function lockHash (name: RealNodeName): Promise<string> {
  return createHash('sha256').update(await readFile(join(HERE, name, 'package-lock.json'))).digest('hex').slice(0, 12)
}

async function takeLock (lock: string): Promise<void> {
  const deadline = Date.now() + STALE_LOCK_MS
  while (true) {
    try {
      await mkdir(lock)
      return
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs
    if (age > STALE_LOCK_MS || Date.now() > deadline) {
      await rm(lock, { recursive: true, force: true })
      continue
    }
    // another process is installing: its marker, not this delay, is what is waited for
    await new Promise(resolve => setTimeout(resolve, 1000))
  }
}

async function npmCi (dir: string, node: string, log: (line: string) => void): Promise<void> {
  // npm runs under the Node that will run the package, so anything it builds fits that Node
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-4000) }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const timer = setTimeout(() => { child.kill('SIGKILL') }, INSTALL_TIMEOUT_MS)
    child.on('error', err => { clearTimeout(timer); reject(err) })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(new Error(`npm ci in ${dir} failed (${signal ?? `exit ${String(code)}`}): ${output.trim()}`))
    })
  })
  log(`installed in ${dir}`)
}

/**
 * The installed node, installing it first if this lock file has not been installed yet.
 * Throws when no suitable Node is found (for Lodestar) or the install fails.
 */
export async function ensureRealNode (name: RealNodeName, log: (line: string) => void = () => {}): Promise<InstalledNode> {
  const node = nodeFor(name)
  if (node == null) throw new Error(`no Node 18-22 found on PATH for ${name} (set LODESTAR_NODE to one)`)
  const dir = join(cacheRoot(), `${name}-${await lockHash(name)}`)
  if (existsSync(join(dir, MARKER))) return { name, dir, node }
  await mkdir(cacheRoot(), { recursive: true })
  const lock = `${dir}.lock`
  await takeLock(lock)
  try {
    if (existsSync(join(dir, MARKER))) return { name, dir, node }
    log(`installing ${name} into ${dir} (once; about a minute)`)
    const staging = `${dir}.staging-${process.pid}`
    await rm(staging, { recursive: true, force: true })
    await mkdir(staging, { recursive: true })
    for (const file of await readdir(join(HERE, name))) await copyFile(join(HERE, name, file), join(staging, file))
    try {
      await npmCi(staging, node, log)
      await rm(dir, { recursive: true, force: true })
      await rename(staging, dir)
      await writeFile(join(dir, MARKER), new Date().toISOString() + '\n')
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
    return { name, dir, node }
  } finally {
    await rm(lock, { recursive: true, force: true })
  }
}

if (process.argv[1] != null && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2) as RealNodeName[]
  for (const name of names.length > 0 ? names : ['hardhat', 'lodestar'] as RealNodeName[]) {
    const installed = await ensureRealNode(name, line => { console.log(`${name}: ${line}`) })
    console.log(`${name}: ready in ${installed.dir} (runs on ${installed.node})`)
  }
}
