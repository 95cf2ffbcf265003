#!/usr/bin/env node
// The project's code is TypeScript that Node runs directly (type stripping, Node >= 22.18),
// and libp2p 3 needs Node 22 too. A machine's own Node may be older (Debian ships 20), so
// this plain-JS launcher re-runs itself under the Node that the project installs (the `node`
// package) whenever the one that started it is too old.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const [major, minor] = process.versions.node.split('.').map(Number)
const modern = major > 22 || (major === 22 && minor >= 18)

// Under a relay's steady allocation V8 grows the young generation to its 128 MiB cap (measured
// at 1,000 nodes: 128 MiB committed, 4-27 MiB in use). With 8 MiB semi-spaces the relay's RSS at
// 1,000 nodes went from ~305 to ~220 MiB, and the capacity benchmark was no worse (20,000
// heartbeats/s, p99 41 ms against 58). The flag only takes effect on Node's command line (or in
// NODE_OPTIONS, which wins when it sets one), so the launcher restarts itself with it.
const V8_FLAGS = ['--max-semi-space-size=8']
const hasFlags = V8_FLAGS.every(flag => {
  const name = flag.split('=')[0]
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some(arg => arg.split('=')[0] === name)
})
const self = fileURLToPath(import.meta.url)

if (modern && hasFlags) {
  await import(join(here, '..', 'src', 'cli', 'main.ts'))
} else if (modern && typeof process.execve === 'function') {
  // the same process (same pid, signals and stdio), restarted with the flags
  process.execve(process.execPath, [process.execPath, ...V8_FLAGS, ...process.execArgv, self, ...process.argv.slice(2)])
} else if (modern) {
  run(process.execPath)
} else {
  let pinned
  try {
    pinned = join(dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node')
  } catch {}
  if (pinned == null || !existsSync(pinned)) {
    console.error(`devnet-dashboard needs Node 22.18 or later (this is ${process.version}); run \`npm install\` in the project to get it`)
    process.exit(1)
  }
  run(pinned)
}

/** Runs this launcher again under `node` with the flags, as a child that this process mirrors. */
function run (node) {
  const child = spawn(node, [...V8_FLAGS, self, ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => {
    if (signal != null) process.kill(process.pid, signal)
    else process.exit(code ?? 1)
  })
}
