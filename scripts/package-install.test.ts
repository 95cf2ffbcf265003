// The package as npm users get it: `npm pack`, then `npm install -g` of the tarball into a
// scratch prefix, then `devnet-dashboard relay --sim 8` from there on free ports, under the
// project's Node 24. It must serve the built page and /relay.json, take the simulated nodes'
// beats, and run with the patches applied in its own node_modules (the package's postinstall).
// `npm run test:package` (part of `npm test`); about a minute, most of it the page's build and
// the install (from the registry, or npm's cache when it has the packages).
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { ChildProcess } from 'node:child_process'
import { patchFiles, unappliedHunks } from '../patches/applied.ts'
import { waitFor } from '../src/testing/wait-for.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const NAME = 'devnet-dashboard'
// an install from the registry mirror takes 15-30 s on this machine; a stuck one must end
const INSTALL_TIMEOUT_MS = 180_000
const run = promisify(execFile)

let scratch: string
let installed: string
let installLog: string
let relay: ChildProcess | undefined
let output = ''
const ports = { http: 0, tcp: 0, ws: 0 }

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address !== null ? address.port : 0) })
    })
  })
}

/** In a wait's probe: a relay that has exited is named as the reason the wait timed out. */
function relayAlive (): void {
  if (relay?.exitCode != null) throw new Error(`the relay exited (${relay.exitCode})`)
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'devnet-package-'))
  // prepack builds the page and lib/, and puts the lockfile in as npm-shrinkwrap.json;
  // postpack removes lib/ and the shrinkwrap again
  const packed = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: INSTALL_TIMEOUT_MS })
  const [{ filename = '' } = {}] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename?: string }>
  const tarball = join(scratch, filename)
  assert.ok(existsSync(tarball), `npm pack wrote no ${tarball}`)
  const prefix = join(scratch, 'prefix')
  // --foreground-scripts: the postinstall's output (patch-package's list) comes back here
  const install = await run('npm', ['install', '-g', '--prefix', prefix, '--foreground-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: scratch, maxBuffer: 64 * 1024 * 1024, timeout: INSTALL_TIMEOUT_MS })
  installLog = install.stdout + install.stderr
  installed = join(prefix, 'lib', 'node_modules', NAME)
})

/** SIGTERM, then SIGKILL if the relay has not exited within `ms`; resolves with how it ended. */
async function stopRelay (ms: number): Promise<{ code: number | null, signal: NodeJS.Signals | null }> {
  const child = relay
  if (child?.pid == null) return { code: null, signal: null }
  if (child.exitCode != null || child.signalCode != null) return { code: child.exitCode, signal: child.signalCode }
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => {
    child.once('exit', (code, signal) => { resolve({ code, signal }) })
  })
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, ms)
  const how = await exited
  clearTimeout(timer)
  return how
}

after(async () => {
  await stopRelay(10_000)
  rmSync(scratch, { recursive: true, force: true })
  // a pack that failed half way does not run postpack: a shrinkwrap left here would take the
  // place of package-lock.json in the next `npm install`
  rmSync(join(ROOT, 'npm-shrinkwrap.json'), { force: true })
})

test('npm pack leaves no build of the package in the repository', () => {
  for (const leftover of ['lib', 'npm-shrinkwrap.json']) assert.ok(!existsSync(join(ROOT, leftover)), `npm pack left ${leftover} in the repository`)
})

test('the package ships JavaScript, the built page and the patches, and no TypeScript source', () => {
  const files = (dir: string): string[] => readdirSync(join(installed, dir), { recursive: true, encoding: 'utf8' })
  assert.ok(existsSync(join(installed, 'lib', 'cli', 'main.js')))
  assert.ok(!existsSync(join(installed, 'src')), 'the package holds src/')
  assert.deepEqual(files('lib').filter(f => f.endsWith('.ts')), [])
  assert.ok(files('lib').filter(f => f.endsWith('.js')).every(f => !/from '\.{1,2}\/[^']*\.ts'|import\('\.{1,2}\/[^']*\.ts'\)/.test(readFileSync(join(installed, 'lib', f), 'utf8'))), 'a .ts import specifier is left in lib/')
  assert.ok(readFileSync(join(installed, 'dist', 'index.html'), 'utf8').includes('<div id="root">'))
  assert.deepEqual(readdirSync(join(installed, 'patches')).filter(f => f.endsWith('.patch')), patchFiles())
})

test('its postinstall applied every patch to its own node_modules', () => {
  assert.match(installLog, /patch-package/)
  for (const file of patchFiles()) assert.deepEqual(unappliedHunks(file, installed), [], `${file} is not applied in the installed package`)
})

test('`devnet-dashboard relay --sim 8` from the install serves the page and /relay.json, and takes the beats', async () => {
  ports.http = await freePort()
  ports.tcp = await freePort()
  ports.ws = await freePort()
  const node = join(ROOT, 'node_modules', '.bin', 'node')
  const bin = join(scratch, 'prefix', 'bin', NAME)
  relay = spawn(node, [bin, 'relay', '--sim', '8', '--host', '127.0.0.1', '--http-port', String(ports.http), '--tcp-port', String(ports.tcp), '--ws-port', String(ports.ws), '--data-dir', join(scratch, 'data')], {
    cwd: scratch,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  relay.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  relay.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const base = `http://127.0.0.1:${ports.http}`

  const page = await waitFor('the page', async () => {
    relayAlive()
    const response = await fetch(`${base}/`)
    return response.ok ? await response.text() : undefined
  }, 30_000, () => output)
  assert.match(page, /<div id="root">/)
  // the page's own script, as the installed dist/ holds it
  const script = /<script type="module"[^>]*src="\.\/(assets\/[^"]+\.js)"/.exec(page)?.[1] ?? assert.fail(`no module script in the page:\n${page}`)
  const js = await fetch(`${base}/${script}`)
  assert.equal(js.status, 200)
  assert.equal(await js.text(), readFileSync(join(installed, 'dist', script), 'utf8'))

  const relayJson = await (await fetch(`${base}/relay.json`)).json() as { peerId: string, multiaddrs: string[] }
  assert.ok(relayJson.multiaddrs.includes(`/ip4/127.0.0.1/tcp/${ports.ws}/ws/p2p/${relayJson.peerId}`), JSON.stringify(relayJson))

  // a simulated node's beat has reached the relay: a node with a height
  const nodes = await waitFor('a simulated node\'s heartbeat', async () => {
    relayAlive()
    const list = await (await fetch(`${base}/api/nodes`)).json() as Array<{ height?: number }>
    return list.some(n => typeof n.height === 'number' && n.height > 0) ? list : undefined
  }, 60_000, () => output)
  assert.ok(nodes.length >= 1)
})

test('the installed relay stops on SIGTERM with its record closed, having logged no error', async () => {
  assert.ok(relay != null, 'the relay did not start')
  const how = await stopRelay(30_000)
  assert.deepEqual(how, { code: 0, signal: null }, `the relay did not exit on SIGTERM by itself:\n${output}`)
  // the CLI prints every devnet:*:error line on stderr: the record (and its checkpoint worker,
  // which the package loads as JavaScript) ran without one
  assert.doesNotMatch(output, /devnet:[\w:]*:error/, output)
  assert.ok(existsSync(join(scratch, 'data', 'history.sqlite')), 'no record in the data dir')
})
