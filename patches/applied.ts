// What `patch --dry-run --reverse` would say of each patch here, for the tests: whether every
// hunk's patched text is in the installed file. Tests only; patch-package applies them.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PATCH_DIR = fileURLToPath(new URL('.', import.meta.url))

export const patchFiles = (): string[] => readdirSync(PATCH_DIR).filter(name => name.endsWith('.patch')).sort()

/**
 * The hunks of one patch file that are not applied under root (a directory holding the
 * node_modules the patch names), each as its patched text; empty when all of them are.
 */
export function unappliedHunks (patchFile: string, root: string): string[] {
  const text = readFileSync(join(PATCH_DIR, patchFile), 'utf8')
  const sections = text.split(/^diff --git /m).slice(1)
  if (sections.length === 0) return [`${patchFile} changes no file`]
  const missing: string[] = []
  for (const section of sections) {
    const target = /^\+\+\+ b\/(.+)$/m.exec(section)?.[1]
    if (target == null) {
      missing.push(`${patchFile}: a section names no file`)
      continue
    }
    let installed: string
    try {
      installed = readFileSync(join(root, target), 'utf8')
    } catch {
      missing.push(`${target} is not installed`)
      continue
    }
    for (const hunk of section.split(/^@@ .* @@.*$/m).slice(1)) {
      const lines = hunk.split('\n').filter(line => line !== '' && line[0] !== '\\')
      const patched = lines.filter(line => line[0] !== '-').map(line => line.slice(1)).join('\n')
      if (!installed.includes(patched)) missing.push(`${target}:\n${patched}`)
    }
  }
  return missing
}
