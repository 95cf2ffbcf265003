import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { NodeKeyStore } from './identity-store.ts'
import { NODE_KEYS_FILE } from './constants.ts'
import { tempDir } from '../testing/temp-dir.ts'

describe('the watched nodes\' identities', () => {
  it('gives each name its own key, kept in the data dir (0600), the same after a restart', async () => {
    const { dir, remove } = await tempDir()
    try {
      const store = await NodeKeyStore.open(dir)
      const keys = await store.keysFor(['a', 'b'])
      const a = store.peerIdOf('a')
      assert.match(a ?? '', /^12D3KooW/)
      assert.notEqual(a, store.peerIdOf('b'))
      assert.equal(keys.size, 2)
      const mode = (await stat(join(dir, NODE_KEYS_FILE))).mode & 0o777
      assert.equal(mode, 0o600)

      const again = await NodeKeyStore.open(dir)
      assert.equal(again.peerIdOf('a'), a, 'the peer ID survives a restart')
      await again.keysFor(['c'])
      assert.equal(again.peerIdOf('a'), a)
      assert.equal((await NodeKeyStore.open(dir)).peerIdOf('c'), again.peerIdOf('c'))
      assert.ok(JSON.parse(await readFile(join(dir, NODE_KEYS_FILE), 'utf8')).keys.b != null, 'a name no longer used keeps its key')
    } finally {
      await remove()
    }
  })

  it('refuses a damaged key file instead of giving every node a new peer ID', async () => {
    const { dir, remove } = await tempDir()
    try {
      await writeFile(join(dir, NODE_KEYS_FILE), '{"version":1,"keys":{"a":"bm90IGEga2V5"}}')
      await assert.rejects(NodeKeyStore.open(dir), /cannot be read .*move it away/)
    } finally {
      await remove()
    }
  })
})
