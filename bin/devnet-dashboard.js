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

if (modern) {
  await import(join(here, '..', 'src', 'cli', 'main.ts'))
} else {
  let pinned
  try {
    pinned = join(dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node')
  } catch {}
  if (pinned == null || !existsSync(pinned)) {
    console.error(`devnet-dashboard needs Node 22.18 or later (this is ${process.version}); run \`npm install\` in the project to get it`)
    process.exit(1)
  }
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => {
    if (signal != null) process.kill(process.pid, signal)
    else process.exit(code ?? 1)
  })
}
