// One copy of each package in the page's bundle. npm installs a package again, nested, wherever
// a dependant's version range cannot share the copy above it, and the bundler then bundles
// every installed copy that something imports: the same code twice when the versions match,
// and near-identical code when they differ only in a major number bumped for a dependency.
// This maps every installed copy of a package to one of them, by path, for the page's build.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, sep } from 'node:path'

// module ids in Vite and Rollup use forward slashes on every platform; so do the roots here
const toId = (path: string): string => path.split(sep).join('/')

/**
 * Packages whose older majors are bundled as a newer one: copies of a `from` major are replaced
 * by the newest installed copy of the `into` major. Majors, not versions, so that patch and
 * minor updates go through; a major installed besides these is an error, so that it is
 * compared before it is merged.
 */
export type Merges = Readonly<Record<string, { readonly from: readonly number[], readonly into: number }>>

interface Installed { name: string, version: string, root: string }

/** Every package installed under nodeModules, nested node_modules included. */
export function installedPackages (nodeModules: string): Installed[] {
  const found: Installed[] = []
  const visit = (dir: string): void => {
    let entries: string[]
    try {
      entries = readdirSync(dir)
    } catch {
      return
    }
    for (const entry of entries) {
      if (entry.startsWith('.')) continue
      const names = entry.startsWith('@') ? readdirSync(join(dir, entry)).map(name => `${entry}/${name}`) : [entry]
      for (const name of names) {
        const root = join(dir, name)
        const manifest = join(root, 'package.json')
        if (!existsSync(manifest)) continue
        const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }
        if (typeof version === 'string') found.push({ name, version, root: toId(root) })
        visit(join(root, 'node_modules'))
      }
    }
  }
  visit(nodeModules)
  return found
}

/**
 * For each installed copy that is not the one to bundle, the root of the one to bundle. Of
 * several copies of one version, the one nearest the top (shortest path) is kept; copies of a
 * `from` major in `merges` go to the kept copy of the newest version of its `into` major.
 */
export function copyMap (installed: readonly Installed[], merges: Merges): Map<string, string> {
  const byName = new Map<string, Installed[]>()
  for (const pkg of installed) byName.set(pkg.name, [...byName.get(pkg.name) ?? [], pkg])
  const map = new Map<string, string>()
  for (const [name, copies] of byName) {
    const kept = new Map<string, string>()
    for (const { version, root } of [...copies].sort((a, b) => a.root.length - b.root.length || (a.root < b.root ? -1 : 1))) {
      if (!kept.has(version)) kept.set(version, root)
    }
    const merge = merges[name]
    if (merge != null) {
      const newest = [...kept.keys()].filter(version => majorOf(version) === merge.into).sort(byVersion).pop()
      const into = newest == null ? undefined : kept.get(newest)
      if (into == null) throw new Error(`no ${name}@${merge.into}.x is installed: check the merges of ${name} against the installed packages`)
      const unexpected = [...kept.keys()].filter(version => majorOf(version) !== merge.into && !merge.from.includes(majorOf(version)))
      if (unexpected.length > 0) throw new Error(`${name}@${unexpected.join(', ')} is installed, which the merge into ${name}@${merge.into}.x was not checked against`)
      for (const version of kept.keys()) {
        if (merge.from.includes(majorOf(version))) kept.set(version, into)
      }
    }
    for (const { version, root } of copies) {
      const to = kept.get(version)
      if (to != null && to !== root) map.set(root, to)
    }
  }
  return map
}

const majorOf = (version: string): number => Number.parseInt(version, 10)

/** Ascending by major, minor and patch (prerelease tags are not told apart). */
function byVersion (a: string, b: string): number {
  const [x, y] = [a, b].map(version => version.split('.').map(part => Number.parseInt(part, 10)))
  for (let k = 0; k < 3; k++) {
    const d = (x?.[k] ?? 0) - (y?.[k] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** The id of `file` (a module id) in the copy that replaces its package, or null if none does. */
export function redirect (file: string, map: ReadonlyMap<string, string>): string | null {
  const marker = '/node_modules/'
  const at = file.lastIndexOf(marker)
  if (at < 0) return null
  const rest = file.slice(at + marker.length).split('/')
  const nameParts = rest[0]?.startsWith('@') === true ? 2 : 1
  const root = file.slice(0, at + marker.length) + rest.slice(0, nameParts).join('/')
  const to = map.get(root)
  return to == null ? null : to + file.slice(root.length)
}
