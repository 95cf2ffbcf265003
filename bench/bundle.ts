// Dashboard bundle: the page built as `npm run build` builds it (vite.config.ts as it stands),
// into a scratch dir, and the gzip size of every JS chunk the page loads. Vite's manifest says
// which chunks those are: the entry's static imports and, loaded later, its dynamic ones and the
// feed's worker (a JS asset of the entry: `new Worker(new URL(…))`). Each chunk's source map
// splits its bytes by the package they came from.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js')
// zlib's default level: what Vite prints after a build and what Node's and nginx-style
// compression middleware send by default (the relay itself sends them at level 9, a few
// per cent smaller)
const GZIP_LEVEL = 6

/**
 * Builds the page into outDir. The manifest and "hidden" source maps (no sourceMappingURL
 * comment in the JS) are for this benchmark; the JS is otherwise what `npm run build` writes.
 */
export function buildPage (outDir: string): void {
  execFileSync(process.execPath, [VITE, 'build', '--outDir', outDir, '--emptyOutDir', '--manifest', '--sourcemap', 'hidden', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' })
}

export interface BundleResult {
  /** every JS chunk the page loads: file, bytes, gzip bytes, whether only a dynamic import loads it */
  chunks: Array<{ file: string, bytes: number, gzipBytes: number, dynamic: boolean }>
  gzipBytes: number
  bytes: number
  /** by package, largest first: minified bytes, the gzip size of those bytes on their own, and
   *  how many copies (install paths) of the package are bundled */
  packages: Array<{ name: string, bytes: number, gzipBytes: number, copies: number }>
}

interface ManifestChunk { file: string, isEntry?: boolean, imports?: string[], dynamicImports?: string[], assets?: string[] }

const gzipSize = (data: string | Buffer): number => gzipSync(data, { level: GZIP_LEVEL }).length

export function bundleSize (outDir: string): BundleResult {
  const manifest = JSON.parse(readFileSync(join(outDir, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>
  // breadth first from the entries: a chunk first reached through a dynamic import stays "dynamic"
  const reached = new Map<string, boolean>()
  const queue: Array<[string, boolean]> = Object.entries(manifest).filter(([, chunk]) => chunk.isEntry === true).map(([key]) => [key, false])
  for (let next = queue.shift(); next != null; next = queue.shift()) {
    const [key, dynamic] = next
    const chunk = manifest[key]
    if (chunk == null || reached.has(key)) continue
    reached.set(key, dynamic)
    for (const imported of chunk.imports ?? []) queue.push([imported, dynamic])
    for (const imported of chunk.dynamicImports ?? []) queue.push([imported, true])
  }
  // a worker is a file the page loads after its first paint (main.tsx starts the feed's then)
  const files = new Map<string, boolean>()
  for (const [key, dynamic] of reached) {
    const chunk = manifest[key]
    if (chunk == null) continue
    files.set(chunk.file, dynamic)
    for (const asset of chunk.assets ?? []) if (asset.endsWith('.js')) files.set(asset, true)
  }
  const chunks: BundleResult['chunks'] = []
  const packages = new Map<string, { texts: string[], roots: Set<string> }>()
  for (const [file, dynamic] of files) {
    if (!file.endsWith('.js')) continue
    const code = readFileSync(join(outDir, file), 'utf8')
    chunks.push({ file, bytes: Buffer.byteLength(code), gzipBytes: gzipSize(code), dynamic })
    // the bundler's own runtime helpers (a chunk with no source of ours) come without a map
    const mapFile = join(outDir, `${file}.map`)
    const pieces = existsSync(mapFile) ? piecesBySource(code, JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMap) : new Map([['(unmapped)', code]])
    for (const [source, text] of pieces) {
      const { name, root } = installOf(source)
      const entry = packages.get(name) ?? { texts: [], roots: new Set() }
      entry.texts.push(text)
      entry.roots.add(root)
      packages.set(name, entry)
    }
  }
  return {
    chunks,
    bytes: chunks.reduce((sum, c) => sum + c.bytes, 0),
    gzipBytes: chunks.reduce((sum, c) => sum + c.gzipBytes, 0),
    packages: [...packages].map(([name, { texts, roots }]) => {
      const text = texts.join('')
      return { name, bytes: Buffer.byteLength(text), gzipBytes: gzipSize(text), copies: roots.size }
    }).sort((a, b) => b.bytes - a.bytes)
  }
}

/**
 * Where a source file was installed from: `…/node_modules/a/node_modules/@libp2p/crypto/dist/…`
 * is `@libp2p/crypto` at `…/node_modules/a/node_modules/@libp2p/crypto`; `…/src/store/x.ts`
 * is `src/store`. Two roots for one name are two copies of that package in the bundle.
 */
export function installOf (source: string): { name: string, root: string } {
  const marker = 'node_modules/'
  const at = source.lastIndexOf(marker)
  if (at >= 0) {
    const [scope = '', name = ''] = source.slice(at + marker.length).split('/')
    const full = scope.startsWith('@') ? `${scope}/${name}` : scope
    return { name: full, root: source.slice(0, at + marker.length + full.length) }
  }
  const name = /(?:^|\/)(src\/[^/]+)\//.exec(source)?.[1] ?? source
  return { name, root: name }
}

interface SourceMap { sources: string[], mappings: string }

/**
 * The generated code split by original source: each mapping segment owns the text from its
 * column to the next segment's on the same line. Text before a line's first segment, or in a
 * segment with no source, goes to "(unmapped)".
 */
function piecesBySource (code: string, map: SourceMap): Map<string, string> {
  const out = new Map<string, string>()
  const add = (source: string, text: string): void => { out.set(source, (out.get(source) ?? '') + text) }
  const lines = code.split('\n')
  let sourceIndex = 0
  map.mappings.split(';').forEach((line, k) => {
    const text = (lines[k] ?? '') + '\n'
    let column = 0
    let owner = '(unmapped)'
    let from = 0
    for (const segment of line === '' ? [] : line.split(',')) {
      const fields = decodeVlq(segment)
      column += fields[0] ?? 0
      add(owner, text.slice(from, column))
      from = column
      if (fields.length >= 4) {
        sourceIndex += fields[1] ?? 0
        owner = map.sources[sourceIndex] ?? '(unmapped)'
      } else {
        owner = '(unmapped)'
      }
    }
    add(owner, text.slice(from))
  })
  return out
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** One source map segment: base64 VLQ numbers, each a sign bit and 5-bit groups, low first. */
function decodeVlq (segment: string): number[] {
  const values: number[] = []
  let value = 0
  let shift = 0
  for (const char of segment) {
    const digit = BASE64.indexOf(char)
    value += (digit & 31) * 2 ** shift
    if ((digit & 32) !== 0) {
      shift += 5
    } else {
      values.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2)
      value = 0
      shift = 0
    }
  }
  return values
}
