#!/usr/bin/env node
// Starts the CLI. In the repository that is src/cli/main.ts, TypeScript that Node runs
// directly (type stripping, Node >= 22.18); an installed package has no src/ and ships it
// compiled to lib/ (`npm pack` builds it), since Node strips no types inside node_modules.
// libp2p 3 needs Node 22 either way. A machine's own Node may be older (Debian ships 20), so
// in the repository this plain-JS launcher re-runs itself under the Node that the project
// installs (the `node` package) whenever the one that started it is too old.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const source = join(here, '..', 'src', 'cli', 'main.ts')
const inRepository = existsSync(source)
const entry = inRepository ? source : join(here, '..', 'lib', 'cli', 'main.js')
const [major, minor] = process.versions.node.split('.').map(Number)
const modern = inRepository ? major > 22 || (major === 22 && minor >= 18) : major >= 22

// V8 flags for the relay's memory, measured with the memory and capacity benchmarks (README,
// Benchmarks): V8 grew the young generation to its 128 MiB cap under a relay's steady
// allocation (4-27 MiB of it in use), and let the old generation grow to 3.4 times what it
// held live (720 MiB committed for 210 MiB live at 5,000 nodes). 8 MiB semi-spaces and a 1.75
// growth factor took the relay from 155 to 73-94 KiB of RSS per node at 5,000 nodes, and from
// ~180 to 65-102 at 1,000 (RSS swings from run to run), with no loss of capacity; a 1.5 factor
// cost a third of the headroom above 20,000 heartbeats/s. A flag already given (command line,
// or NODE_OPTIONS for the semi-space size) is left as it is.
const V8_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=75']
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].map(arg => arg.split('=')[0])
const missing = V8_FLAGS.filter(flag => !given.includes(flag.split('=')[0]))
const self = fileURLToPath(import.meta.url)

if (modern && missing.length === 0) {
  await import(entry)
} else if (modern && typeof process.execve === 'function') {
  // the same process (same pid, signals and stdio), restarted with the flags
  process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, self, ...process.argv.slice(2)])
} else if (modern) {
  run(process.execPath)
} else if (!inRepository) {
  console.error(`devnet-dashboard needs Node 22 or later (this is ${process.version})`)
  process.exit(1)
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
  const child = spawn(node, [...missing, self, ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => {
    if (signal != null) process.kill(process.pid, signal)
    else process.exit(code ?? 1)
  })
}
