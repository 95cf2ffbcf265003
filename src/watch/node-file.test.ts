import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { NodeFileReloader, readNodeFile } from './node-file-reloader.ts'
import { parseNodeFile, redactUrl } from './node-file.ts'
import { tempDir } from '../testing/temp-dir.ts'
import type { NodeFileError } from './errors.ts'
import type { WatchedNodeSpec } from './node-file.ts'

const GOOD = {
  nodes: [
    { name: 'lotus-a', kind: 'filecoin', url: 'ws://10.0.0.5:1234/rpc/v1', tokenEnv: 'LOTUS_A_TOKEN', miner: 't01000' },
    { name: 'teku-1', kind: 'beacon', url: 'http://10.0.0.6:5051' },
    { name: 'geth-1', kind: 'execution', url: 'ws://10.0.0.7:8546' }
  ]
}

function refused (value: unknown): NodeFileError {
  try {
    parseNodeFile(JSON.stringify(value))
  } catch (err) {
    assert.equal((err as Error).name, 'NodeFileError')
    return err as NodeFileError
  }
  throw new Error(`accepted ${JSON.stringify(value)}`)
}

describe('the node file', () => {
  it('reads the issue\'s example: one node of each kind, with token variable and miner', () => {
    assert.deepEqual(parseNodeFile(JSON.stringify(GOOD)), GOOD.nodes)
  })

  it('refuses a bad entry with a message naming the entry and the field', () => {
    const cases: Array<[unknown, RegExp, string]> = [
      [{ nodes: [{ kind: 'beacon', url: 'http://x' }] }, /nodes\[0\]: name: must be a non-empty string/, 'name'],
      [{ nodes: [GOOD.nodes[1], { name: 'x', kind: 'bitcoin', url: 'http://x' }] }, /nodes\[1\] \("x"\): kind: must be one of filecoin, beacon, execution/, 'kind'],
      [{ nodes: [{ name: 'x', kind: 'beacon', url: 'ws://x:1' }] }, /nodes\[0\] \("x"\): url: a beacon node's URL starts with http:\/\/ or https:\/\//, 'url'],
      [{ nodes: [{ name: 'x', kind: 'beacon', url: 'not a url' }] }, /url: not a URL/, 'url'],
      [{ nodes: [{ name: 'x', kind: 'execution', url: 'http://user:secret@x:8545' }] }, /url: must not carry credentials/, 'url'],
      [{ nodes: [{ name: 'x', kind: 'filecoin', url: 'ws://x/rpc/v1', tokenEnv: 'not a name' }] }, /tokenEnv: must be the name of an environment variable/, 'tokenEnv'],
      [{ nodes: [{ name: 'x', kind: 'filecoin', url: 'ws://x/rpc/v1', miner: 42 }] }, /miner: must be a string/, 'miner'],
      [{ nodes: [{ name: 'x', kind: 'beacon', url: 'http://x', tokenenv: 'T' }] }, /nodes\[0\] \("x"\): tokenenv: unknown field/, 'tokenenv'],
      [{ nodes: [GOOD.nodes[1], GOOD.nodes[1]] }, /nodes\[1\] \("teku-1"\): name: the same name as nodes\[0\]/, 'name'],
      [{ nodes: [{ name: 'x'.repeat(129), kind: 'beacon', url: 'http://x' }] }, /name: at most 128 characters/, 'name']
    ]
    for (const [value, message, field] of cases) {
      const err = refused(value)
      assert.match(err.message, message)
      assert.equal(err.field, field)
    }
    assert.match(refused({ node: [] }).message, /expected an object with a "nodes" array/)
    assert.match(refused([]).message, /expected an object with a "nodes" array/)
    assert.throws(() => parseNodeFile('{ nodes: '), { name: 'NodeFileError', message: /not JSON/ })
  })

  it('logs URLs without credentials, query or fragment', () => {
    assert.equal(redactUrl('ws://10.0.0.5:1234/rpc/v1?token=secret#x'), 'ws://10.0.0.5:1234/rpc/v1?…')
    assert.equal(redactUrl('http://10.0.0.6:5051'), 'http://10.0.0.6:5051/')
  })
})

describe('the node file reloader', () => {
  it('picks up edits: a good one replaces the list, a broken one keeps it and says why once', async () => {
    const { dir, remove } = await tempDir()
    const file = join(dir, 'nodes.json')
    try {
      await writeFile(file, JSON.stringify({ nodes: [GOOD.nodes[1]] }))
      const lists: WatchedNodeSpec[][] = []
      const errors: string[] = []
      const reloader = new NodeFileReloader({ file, intervalMs: 60_000, onChange: list => { lists.push(list) }, onError: err => { errors.push(err.message) } })
      assert.deepEqual((await reloader.load()).map(node => node.name), ['teku-1'])

      await writeFile(file, JSON.stringify(GOOD))
      await reloader.check()
      assert.deepEqual(lists.at(-1)?.map(node => node.name), ['lotus-a', 'teku-1', 'geth-1'])

      await writeFile(file, JSON.stringify({ nodes: [{ name: 'geth-1', kind: 'execution' }] }))
      await reloader.check()
      assert.equal(lists.length, 1, 'a broken edit changes nothing')
      assert.match(errors[0] ?? '', /nodes\.json: nodes\[0\] \("geth-1"\): url: must be a string/)
      // the same broken file checked again (touched, unchanged) is not reported again
      await writeFile(file, JSON.stringify({ nodes: [{ name: 'geth-1', kind: 'execution' }] }))
      await reloader.check()
      assert.equal(errors.length, 1)

      await writeFile(file, JSON.stringify({ nodes: [GOOD.nodes[2]] }))
      await reloader.check()
      assert.deepEqual(lists.at(-1)?.map(node => node.name), ['geth-1'])
      reloader.stop()
    } finally {
      await remove()
    }
  })

  it('refuses a file that is too large or missing at the first read', async () => {
    const { dir, remove } = await tempDir()
    try {
      await assert.rejects(readNodeFile(join(dir, 'none.json')), { name: 'NodeFileError', message: /cannot read it \(ENOENT\)/ })
      const big = join(dir, 'big.json')
      await writeFile(big, ' '.repeat(4 * 1024 * 1024 + 1))
      await assert.rejects(readNodeFile(big), { name: 'NodeFileError', message: /larger than/ })
    } finally {
      await remove()
    }
  })
})
