import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CID } from 'multiformats/cid'
import { tipsetCids } from '../protocol/index.ts'
import { compareHeads } from '../protocol/index.ts'
import { blockCid, FORK_BRANCH, MAIN_BRANCH, partialKey, SimChain, TIPSETS_KEPT, tipsetKey } from './chain.ts'

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0)
  }
  return a.length - b.length
}

describe('tipset keys as go-filecoin renders them', () => {
  it('makes CIDv1 dag-cbor sha2-256 block CIDs, base32', () => {
    const cid = blockCid('hello')
    assert.equal(cid.version, 1)
    assert.equal(cid.code, 0x71)
    assert.equal(cid.multihash.code, 0x12)
    // sha256("hello") = 2cf24dba…; CIDv1 dag-cbor sha2-256 of it, in base32
    assert.equal(cid.toString(), 'bafyreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq')
    assert.equal(CID.parse(cid.toString()).equals(cid), true)
  })

  it('writes `{ cid1 cid2 }`, sorted by CID bytes, not by their base32 text', () => {
    const cids = Array.from({ length: 40 }, (_, i) => blockCid(`block ${i}`))
    const { key, cids: ordered } = tipsetKey(cids)
    assert.match(key, /^\{ (bafy[a-z2-7]+ )+\}$/)
    assert.deepEqual(tipsetCids(key), ordered)
    const byBytes = cids.slice().sort((a, b) => compareBytes(a.bytes, b.bytes)).map(cid => cid.toString())
    assert.deepEqual(ordered, byBytes)
    // base32's digits (2-7) sort before its letters as text but encode larger values, so the
    // two orders differ for some set of these; make sure this one shows it
    assert.notDeepEqual(byBytes, byBytes.slice().sort(), 'this set should tell byte order from text order')
  })

  it('renders an empty tipset as `{ }` and one block as `{ cid }`', () => {
    assert.equal(tipsetKey([]).key, '{ }')
    const cid = blockCid('one')
    assert.equal(tipsetKey([cid]).key, `{ ${cid.toString()} }`)
  })
})

describe('SimChain', () => {
  it('produces a tipset of 1..3 blocks per round, the same for the same seed', () => {
    const a = new SimChain({ seed: 7, genesisAt: 0 })
    const b = new SimChain({ seed: 7, genesisAt: 0 })
    const c = new SimChain({ seed: 8, genesisAt: 0 })
    const sizes = new Set<number>()
    for (let round = 1; round <= 50; round++) {
      a.produce(round * 1000)
      b.produce(round * 1000)
      c.produce(round * 1000)
      assert.equal(a.head().height, round)
      assert.equal(a.head().key, b.head().key)
      assert.notEqual(a.head().key, c.head().key)
      sizes.add(a.head().cids.length)
    }
    assert.deepEqual([...sizes].sort(), [1, 2, 3])
    assert.equal(a.genesisCid, b.genesisCid)
    assert.notEqual(a.genesisCid, c.genesisCid)
  })

  it('gives each node the view at its own delay', () => {
    const chain = new SimChain({ seed: 1, genesisAt: 0 })
    for (let round = 1; round <= 5; round++) chain.produce(round * 1000)
    assert.equal(chain.viewAt(MAIN_BRANCH, 5000).height, 5)
    assert.equal(chain.viewAt(MAIN_BRANCH, 4999).height, 4)
    assert.equal(chain.viewAt(MAIN_BRANCH, 500).height, 0)
  })

  it('forks: two heads at the same height, then a reorg to the main one', () => {
    const chain = new SimChain({ seed: 3, genesisAt: 0 })
    chain.produce(1000)
    const shared = chain.head().key
    chain.fork()
    assert.throws(() => chain.fork(), { name: 'ForkError' })
    assert.equal(chain.head(FORK_BRANCH).key, shared, 'the branches share history up to the fork')
    chain.produce(2000)
    chain.produce(3000)
    assert.equal(chain.head(MAIN_BRANCH).height, chain.head(FORK_BRANCH).height)
    assert.notEqual(chain.head(MAIN_BRANCH).key, chain.head(FORK_BRANCH).key)
    assert.equal(chain.viewAt(FORK_BRANCH, 1500).key, shared)
    // each tipset names the one it was built on: both branches' first on the shared one
    const firsts = [MAIN_BRANCH, FORK_BRANCH].map(branch => chain.viewAt(branch, 2000))
    assert.deepEqual(firsts.map(tipset => tipset.parent), [shared, shared])
    assert.deepEqual([MAIN_BRANCH, FORK_BRANCH].map(branch => chain.head(branch).parent), firsts.map(tipset => tipset.key))
    chain.reorg()
    assert.equal(chain.forked, false)
    assert.equal(chain.viewAt(FORK_BRANCH, 3000).key, chain.head(MAIN_BRANCH).key, 'a node left on the fork sees the main head')
  })

  it('makes full rounds on demand, which a node can see in part: one round, not two', () => {
    const plain = new SimChain({ seed: 5, genesisAt: 0 })
    const chain = new SimChain({ seed: 5, genesisAt: 0 })
    chain.fullRounds(true)
    for (let round = 1; round <= 10; round++) {
      plain.produce(round * 1000)
      chain.produce(round * 1000)
      const tipset = chain.head()
      assert.equal(tipset.cids.length, 3, 'every round has 3 blocks')
      const part = partialKey(tipset)
      assert.equal(tipsetCids(part).length, 2)
      assert.equal(compareHeads(part, tipset.key), 'partial')
    }
    chain.fullRounds(false)
    plain.produce(11_000)
    chain.produce(11_000)
    assert.equal(chain.head().cids.length, plain.head().cids.length, 'the seed gives the same rounds after as without it')
    const single = { ...chain.head(), cids: ['bafyone'], key: '{ bafyone }' }
    assert.equal(partialKey(single), '{ bafyone }', 'one block is seen whole')
  })

  it('runs a chain of another genesis beside it, at the same heights, until ended', () => {
    const chain = new SimChain({ seed: 6, genesisAt: 0 })
    for (let round = 1; round <= 4; round++) chain.produce(round * 1000)
    const foreign = chain.startForeign(4000)
    assert.throws(() => chain.startForeign(4000), { name: 'ForkError' })
    assert.notEqual(foreign.genesisCid, chain.genesisCid)
    assert.equal(foreign.head().height, 4)
    chain.produce(5000)
    assert.equal(foreign.head().height, 5)
    assert.equal(compareHeads(foreign.head().key, chain.head().key), 'disjoint')
    chain.endForeign()
    assert.equal(chain.foreign, undefined)
  })

  it('keeps a bounded history per branch', () => {
    const chain = new SimChain({ seed: 4, genesisAt: 0 })
    for (let round = 1; round <= TIPSETS_KEPT * 3; round++) chain.produce(round)
    // anything older than the kept window reads as the oldest kept tipset
    assert.equal(chain.viewAt(MAIN_BRANCH, 0).height, TIPSETS_KEPT * 2 + 1)
  })
})
