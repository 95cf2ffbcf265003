import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { copyMap, installedPackages, redirect } from './one-copy.ts'

const top = mkdtempSync(join(tmpdir(), 'one-copy-'))
after(() => { rmSync(top, { recursive: true, force: true }) })

/** Writes node_modules/<path>/package.json; path may go through nested node_modules. */
function install (path: string, version: string): string {
  const root = join(top, 'node_modules', ...path.split('/'))
  mkdirSync(root, { recursive: true })
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: path.split('/node_modules/').pop(), version }))
  return root
}

const list = install('list', '3.0.2')
const listInNoise = install('@chainsafe/noise/node_modules/list', '2.4.9')
const newerList = install('@chainsafe/yamux/node_modules/list', '3.1.0')
install('@chainsafe/yamux', '8.0.1')
install('@chainsafe/noise', '17.0.0')
const arraysInA = install('a/node_modules/arrays', '6.1.1')
const arraysInScoped = install('@x/b/node_modules/arrays', '6.1.1')
install('a', '1.0.0')
install('@x/b', '1.0.0')
const installed = installedPackages(join(top, 'node_modules'))

describe('one copy of each package', () => {
  it('finds packages at the top, in scopes and nested', () => {
    const found = installed.map(({ name, version }) => `${name}@${version}`).sort()
    assert.deepEqual(found, ['@chainsafe/noise@17.0.0', '@chainsafe/yamux@8.0.1', '@x/b@1.0.0', 'a@1.0.0', 'arrays@6.1.1', 'arrays@6.1.1', 'list@2.4.9', 'list@3.0.2', 'list@3.1.0'])
  })

  it('bundles copies of one version from the one nearest the top, and leaves different versions alone', () => {
    const map = copyMap(installed, {})
    const [kept, other] = arraysInA.length <= arraysInScoped.length ? [arraysInA, arraysInScoped] : [arraysInScoped, arraysInA]
    assert.equal(map.get(other), kept)
    assert.equal(map.has(kept), false)
    assert.equal(map.has(listInNoise), false, 'another version is not merged unless asked')
  })

  it('merges the listed older majors into the newest copy of the newer major', () => {
    const map = copyMap(installed, { list: { from: [2], into: 3 } })
    assert.equal(map.get(listInNoise), newerList)
    assert.equal(map.has(list), false, 'another minor of the newer major is left as it is')
    assert.equal(redirect(join(listInNoise, 'dist', 'src', 'index.js'), map), join(newerList, 'dist', 'src', 'index.js'))
  })

  it('refuses a merge that was not checked against what is installed', () => {
    assert.throws(() => copyMap(installed, { list: { from: [1], into: 3 } }), /list@2\.4\.9 is installed, which the merge into list@3\.x was not checked against/)
    assert.throws(() => copyMap(installed, { list: { from: [2, 3], into: 4 } }), /no list@4\.x is installed/)
  })

  it('redirects only files inside a replaced copy', () => {
    const map = new Map([[listInNoise, list]])
    assert.equal(redirect(join(top, 'src', 'main.ts'), map), null)
    assert.equal(redirect(join(list, 'index.js'), map), null)
    assert.equal(redirect(join(top, 'node_modules', '@chainsafe', 'noise', 'index.js'), map), null, 'the package that holds the copy is not the copy')
  })
})
