// One copy of each package in the page's bundle. npm installs a package again, nested, wherever
// a dependant's version range cannot share the copy above it, and the bundler then bundles
// every installed copy that something imports: the same code twice when the versions match,
// and near-identical code when they differ only in a major number bumped for a dependency.
// This maps every installed copy of a package to one of them, by path, for the page's build.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, sep } from 'node:path'

/**
 * Packages whose older versions are bundled as a newer one, with the versions whose code was
 * compared: `from` versions are replaced by `into`. Anything installed besides these versions
 * is an error, so that a dependency update is looked at again before it is merged blind.
 */
export type Merges = Readonly<Record<string, { readonly from: readonly string[], readonly into: string }>>

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
        if (typeof version === 'string') found.push({ name, version, root })
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
 * version listed in `merges` go to the kept copy of its `into` version.
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
      const into = kept.get(merge.into)
      if (into == null) throw new Error(`${name}@${merge.into} is not installed: check the merges of ${name} against the installed packages`)
      const unexpected = [...kept.keys()].filter(version => version !== merge.into && !merge.from.includes(version))
      if (unexpected.length > 0) throw new Error(`${name}@${unexpected.join(', ')} is installed, which the merge into ${merge.into} was not checked against`)
      for (const version of merge.from) kept.set(version, into)
    }
    for (const { version, root } of copies) {
      const to = kept.get(version)
      if (to != null && to !== root) map.set(root, to)
    }
  }
  return map
}

/** The path of `file` in the copy that replaces the package it belongs to, or null if none does. */
export function redirect (file: string, map: ReadonlyMap<string, string>): string | null {
  const marker = `${sep}node_modules${sep}`
  const at = file.lastIndexOf(marker)
  if (at < 0) return null
  const rest = file.slice(at + marker.length).split(sep)
  const nameParts = rest[0]?.startsWith('@') === true ? 2 : 1
  const root = file.slice(0, at + marker.length) + rest.slice(0, nameParts).join(sep)
  const to = map.get(root)
  return to == null ? null : to + file.slice(root.length)
}
