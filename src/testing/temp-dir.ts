// A fresh directory under the system's temp dir, and a way to remove it.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export async function tempDir (prefix = 'devnet-test-'): Promise<{ dir: string, remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, remove: async () => { await rm(dir, { recursive: true, force: true }) } }
}
