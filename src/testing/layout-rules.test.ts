// The layout's rules (DESIGN.md, "Layout and its rules"), checked on every file under src/ so
// that they keep holding: which folder may import which, that relay, sim, watch and dashboard
// never import each other (their tests neither, except through src/testing), and that no
// production file imports the test helpers in src/testing.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative, sep } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..')

// what each folder's files may import of ours (every folder may import itself)
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  protocol: [],
  p2p: ['protocol'],
  sender: ['protocol', 'p2p'],
  relay: ['protocol', 'p2p'],
  sim: ['protocol', 'p2p', 'sender'],
  watch: ['protocol', 'p2p', 'sender'],
  store: ['protocol'],
  dashboard: ['protocol', 'p2p', 'store'],
  cli: ['protocol', 'p2p', 'sender', 'relay', 'sim', 'watch'],
  // test helpers start real relays and simulations; nothing but tests imports them
  testing: ['protocol', 'p2p', 'sender', 'relay', 'sim', 'watch', 'store', 'dashboard', 'cli']
}
// folders whose production code runs in a browser, or must stay free of Node to be shared
const NO_NODE_BUILTINS = new Set(['protocol', 'store', 'dashboard'])

export interface SourceFile {
  /** relative to src/, with forward slashes */
  readonly path: string
  readonly text: string
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*'([^']+)'|(?:^|\n)\s*import\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g

function specifiers (text: string): string[] {
  return Array.from(text.matchAll(IMPORT), match => match[1] ?? match[2] ?? match[3] ?? '')
}

const isTest = (path: string): boolean => /\.test\.tsx?$/.test(path)

/** Every broken rule, as `file: what` lines; empty when the layout holds. */
export function layoutViolations (files: readonly SourceFile[]): string[] {
  const out: string[] = []
  for (const file of files) {
    const parts = file.path.split('/')
    const folder = parts[0] ?? ''
    if (parts.length < 2) {
      out.push(`${file.path}: a file directly in src/; every file belongs to a folder of the layout`)
      continue
    }
    const allowed = MAY_IMPORT[folder]
    if (allowed == null) {
      out.push(`${file.path}: src/${folder} is not a folder of the layout (add it to DESIGN.md and to this test)`)
      continue
    }
    for (const spec of specifiers(file.text)) {
      if (spec.startsWith('node:')) {
        if (NO_NODE_BUILTINS.has(folder) && !isTest(file.path)) out.push(`${file.path}: imports ${spec}; src/${folder} runs without Node`)
        continue
      }
      if (!spec.startsWith('.')) continue
      const target = normalize(join(dirname(file.path), spec)).split(sep).join('/')
      if (target.startsWith('../')) {
        if (folder !== 'testing') out.push(`${file.path}: imports ${spec}, outside src/`)
        continue
      }
      const to = target.split('/')[0] ?? ''
      if (to === folder) continue
      if (to === 'testing') {
        if (!isTest(file.path)) out.push(`${file.path}: production code imports the test helpers (${spec})`)
        continue
      }
      if (!allowed.includes(to)) out.push(`${file.path}: src/${folder} may not import src/${to} (${spec})`)
    }
  }
  return out
}

function sourceFiles (): SourceFile[] {
  return readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map(entry => {
      const full = join(entry.parentPath, entry.name)
      return { path: relative(SRC, full).split(sep).join('/'), text: readFileSync(full, 'utf8') }
    })
}

describe('layout rules', () => {
  it('hold for every file under src/', () => {
    const files = sourceFiles()
    assert.ok(files.length > 50, `found only ${files.length} source files under ${SRC}`)
    assert.deepEqual(layoutViolations(files), [])
  })

  it('catch each kind of break', () => {
    const broken: SourceFile[] = [
      { path: 'relay/feed.ts', text: "import { createSimulation } from '../sim/index.ts'\n" },
      { path: 'sim/chain.test.ts', text: "import {\n  startRelay\n} from '../relay/index.ts'\n" },
      { path: 'dashboard/App.tsx', text: "export { waitFor } from '../testing/wait-for.ts'\n" },
      { path: 'store/store.ts', text: "import { readFile } from 'node:fs/promises'\n" },
      { path: 'cli/main.ts', text: "const m = await import('../testing/cli.ts')\n" },
      { path: 'protocol/x.ts', text: "import '../p2p/lines.ts'\n" },
      { path: 'extra/x.ts', text: '' },
      { path: 'loose.ts', text: '' }
    ]
    const found = layoutViolations(broken)
    assert.equal(found.length, broken.length, found.join('\n'))
    for (const file of broken) assert.ok(found.some(line => line.startsWith(`${file.path}:`)), `${file.path} not caught`)
  })

  it('let tests reach other folders through src/testing, and the CLI put the parts together', () => {
    assert.deepEqual(layoutViolations([
      { path: 'sim/simulation.test.ts', text: "import { startTestRelay } from '../testing/test-relay.ts'\nimport assert from 'node:assert/strict'\n" },
      { path: 'cli/relay-command.ts', text: "import { startRelay } from '../relay/index.ts'\nimport { createSimulation } from '../sim/index.ts'\n" },
      { path: 'sim/simulation.ts', text: "import { HeartbeatService } from '../sender/index.ts'\n" },
      { path: 'testing/test-relay.ts', text: "import { startRelay } from '../relay/index.ts'\n" }
    ]), [])
  })
})
