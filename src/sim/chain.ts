// One simulated chain shared by every simulated node: a round per block time, each producing
// a tipset of 1..k blocks with real CIDv1s (dag-cbor, sha256), keyed as go-filecoin renders a
// tipset key. A fork adds a second branch whose tipsets differ at the same heights until the
// reorg drops it. Nodes never hold tipsets; they ask for the view at their own delay.
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { createRandom } from './random.ts'
import type { Random } from './random.ts'

// multicodec codes: blocks are dag-cbor, hashed with sha2-256 (as Filecoin blocks are)
const DAG_CBOR = 0x71
const SHA2_256 = 0x12

// A node's view lags the chain by at most a few block times; tipsets older than this many
// rounds are never asked for, so each branch keeps only these (a bounded history)
export const TIPSETS_KEPT = 64

// Filecoin devnets had 1..~5 blocks per round; the weights make one or two blocks usual
const BLOCK_COUNT_WEIGHTS = [0.5, 0.3, 0.15, 0.05]

export const MAIN_BRANCH = 0
export const FORK_BRANCH = 1

export interface Tipset {
  height: number
  /** go-filecoin's SortedCidSet.String(): `{ cid1 cid2 }`, CIDs sorted by their bytes */
  key: string
  /** the block CIDs in key order */
  cids: readonly string[]
  /** ms since epoch (simulation clock) when the round produced it */
  producedAt: number
  branch: number
  /** the key of the tipset it was built on (the one before it on its branch); none at genesis */
  parent?: string
}

export class ForkError extends Error {
  static name = 'ForkError'

  constructor (detail: string) {
    super(detail)
    this.name = 'ForkError'
  }
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** A block CID: CIDv1, dag-cbor, sha2-256 of the given bytes (base32 `bafy…` as a string). */
export function blockCid (content: string): CID {
  const digest = createHash('sha256').update(content).digest()
  return CID.createV1(DAG_CBOR, createDigest(SHA2_256, new Uint8Array(digest)))
}

/**
 * go-filecoin's tipset key string for a set of block CIDs: sorted by their bytes (SortedCidSet
 * compares KeyString, the binary form), base32 strings, space separated, inside `{ }`.
 */
export function tipsetKey (cids: readonly CID[]): { key: string, cids: string[] } {
  const sorted = cids.slice().sort((a, b) => compareBytes(a.bytes, b.bytes)).map(cid => cid.toString())
  return { key: sorted.length === 0 ? '{ }' : `{ ${sorted.join(' ')} }`, cids: sorted }
}

/**
 * The key a node that has seen only part of a round holds: the tipset without its last block
 * (2 of a round's 3), as when one miner's block reached it late. A tipset of one block is
 * seen whole.
 */
export function partialKey (tipset: Tipset): string {
  if (tipset.cids.length < 2) return tipset.key
  return `{ ${tipset.cids.slice(0, -1).join(' ')} }`
}

export interface SimChainInit {
  seed: number
  /** most blocks per tipset; default 3 */
  maxBlocks?: number
  /** clock time of genesis */
  genesisAt: number
  /** the height of the first tipset (a chain of another genesis begun beside a running one);
   *  default 0 */
  startHeight?: number
}

export class SimChain {
  readonly genesisCid: string
  readonly #random: Random
  readonly #seed: number
  readonly #maxBlocks: number
  /** per branch, the newest TIPSETS_KEPT tipsets, oldest first */
  readonly #branches = new Map<number, Tipset[]>()
  #height = 0
  /** rounds made full (every block a round may have) while this is above 0 */
  #fullRounds = 0
  #foreign: SimChain | undefined

  constructor (init: SimChainInit) {
    this.#seed = init.seed
    this.#random = createRandom(init.seed).fork('chain')
    this.#maxBlocks = Math.max(1, Math.min(init.maxBlocks ?? 3, BLOCK_COUNT_WEIGHTS.length))
    const genesis = blockCid(`devnet-sim:${init.seed}:genesis`)
    this.genesisCid = genesis.toString()
    this.#height = init.startHeight ?? 0
    const { key, cids } = tipsetKey([genesis])
    this.#branches.set(MAIN_BRANCH, [{ height: this.#height, key, cids, producedAt: init.genesisAt, branch: MAIN_BRANCH }])
  }

  /** The chain of another genesis produced beside this one, while a node is on it. */
  get foreign (): SimChain | undefined {
    return this.#foreign
  }

  /** Starts a chain of another genesis at this one's height, produced in step with it from
   *  the next round on; throws ForkError while one runs. */
  startForeign (at: number): SimChain {
    if (this.#foreign != null) throw new ForkError('a chain of another genesis already runs')
    this.#foreign = new SimChain({ seed: this.#seed + 0x5eed, maxBlocks: this.#maxBlocks, genesisAt: at, startHeight: this.#height })
    return this.#foreign
  }

  endForeign (): void {
    this.#foreign = undefined
  }

  /** While on, every round has the most blocks a round may have (so nodes can see it in part). */
  fullRounds (on: boolean): void {
    this.#fullRounds = Math.max(0, this.#fullRounds + (on ? 1 : -1))
  }

  /** height of the newest tipset */
  get height (): number {
    return this.#height
  }

  get forked (): boolean {
    return this.#branches.has(FORK_BRANCH)
  }

  /** the newest tipset of a branch (the main branch if that branch does not exist) */
  head (branch = MAIN_BRANCH): Tipset {
    const tipsets = this.#branches.get(branch) ?? this.#main()
    const last = tipsets[tipsets.length - 1]
    if (last == null) throw new Error('a branch is never empty')
    return last
  }

  /**
   * What a node on `branch` sees at time `at`: the newest tipset produced at or before it.
   * A node whose branch was dropped sees the main branch (the reorg).
   */
  viewAt (branch: number, at: number): Tipset {
    const tipsets = this.#branches.get(branch) ?? this.#main()
    // nodes ask for recent views, so scanning from the newest end is a few steps
    for (let i = tipsets.length - 1; i >= 0; i--) {
      const tipset = tipsets[i]
      if (tipset != null && tipset.producedAt <= at) return tipset
    }
    const oldest = tipsets[0]
    if (oldest == null) throw new Error('a branch is never empty')
    return oldest
  }

  /** One round: every branch gets a tipset at the next height. */
  produce (at: number): void {
    this.#height++
    this.#foreign?.produce(at)
    for (const [branch, tipsets] of this.#branches) {
      // drawn either way, so a partial round does not change what the seed gives later
      const drawn = this.#blockCount()
      const count = this.#fullRounds > 0 ? this.#maxBlocks : drawn
      const blocks: CID[] = []
      for (let b = 0; b < count; b++) blocks.push(blockCid(`devnet-sim:${this.#seed}:${branch}:${this.#height}:${b}`))
      const { key, cids } = tipsetKey(blocks)
      const parent = tipsets[tipsets.length - 1]?.key
      tipsets.push(parent === undefined ? { height: this.#height, key, cids, producedAt: at, branch } : { height: this.#height, key, cids, producedAt: at, branch, parent })
      if (tipsets.length > TIPSETS_KEPT) tipsets.shift()
    }
  }

  /** Starts a second branch sharing the history so far; its next tipsets differ. */
  fork (): number {
    if (this.forked) throw new ForkError('the chain is already forked')
    this.#branches.set(FORK_BRANCH, this.#main().slice())
    return FORK_BRANCH
  }

  /** Ends the fork: the fork branch is dropped and its nodes see the main branch (reorg). */
  reorg (): void {
    this.#branches.delete(FORK_BRANCH)
  }

  #main (): Tipset[] {
    const main = this.#branches.get(MAIN_BRANCH)
    if (main == null) throw new Error('the main branch always exists')
    return main
  }

  #blockCount (): number {
    let r = this.#random.next()
    for (let i = 0; i < this.#maxBlocks; i++) {
      r -= BLOCK_COUNT_WEIGHTS[i] ?? 0
      if (r < 0) return i + 1
    }
    return 1
  }
}
