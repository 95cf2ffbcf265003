// Changes on their way from the heartbeat path to the record's next flush: a bounded queue of
// parallel arrays (no object per change), double-buffered so a flush writes one batch while
// the next fills. Pushing never waits: past the bound a change is dropped and counted.
import type { ChangeKind, NodeInfo } from './types.ts'

const INITIAL_CAPACITY = 1_024

export class ChangeBatch {
  kind: Uint8Array
  at: Float64Array
  /** height, finalized height, or syncing (0/1), by kind */
  num: Float64Array
  peer: string[]
  /** the head (beat) or the info (info), by kind */
  ref: Array<string | NodeInfo | undefined>
  /** a beat's head's parent, when the heartbeat reported one (ParentHead) */
  parent: Array<string | undefined>
  length = 0

  constructor (capacity = INITIAL_CAPACITY) {
    this.kind = new Uint8Array(capacity)
    this.at = new Float64Array(capacity)
    this.num = new Float64Array(capacity)
    this.peer = new Array<string>(capacity)
    this.ref = new Array<string | NodeInfo | undefined>(capacity)
    this.parent = new Array<string | undefined>(capacity)
  }

  get capacity (): number {
    return this.kind.length
  }

  grow (capacity: number): void {
    const kind = new Uint8Array(capacity)
    kind.set(this.kind)
    const at = new Float64Array(capacity)
    at.set(this.at)
    const num = new Float64Array(capacity)
    num.set(this.num)
    this.kind = kind
    this.at = at
    this.num = num
    this.peer.length = capacity
    this.ref.length = capacity
    this.parent.length = capacity
  }

  clear (): void {
    // drop references so strings and infos of nodes long gone can be collected
    this.peer.fill('', 0, this.length)
    this.ref.fill(undefined, 0, this.length)
    this.parent.fill(undefined, 0, this.length)
    this.length = 0
  }
}

export class ChangeQueue {
  readonly limit: number
  #active: ChangeBatch
  #spare: ChangeBatch | undefined
  /** changes dropped because the queue was full, since start */
  dropped = 0

  constructor (limit: number) {
    this.limit = limit
    this.#active = new ChangeBatch(Math.min(INITIAL_CAPACITY, limit))
    this.#spare = new ChangeBatch(Math.min(INITIAL_CAPACITY, limit))
  }

  get length (): number {
    return this.#active.length
  }

  push (kind: ChangeKind, at: number, peer: string, num: number, ref?: string | NodeInfo, parent?: string): boolean {
    const batch = this.#active
    if (batch.length >= this.limit) {
      this.dropped++
      return false
    }
    if (batch.length === batch.capacity) batch.grow(Math.min(this.limit, batch.capacity * 2))
    const k = batch.length++
    batch.kind[k] = kind
    batch.at[k] = at
    batch.num[k] = num
    batch.peer[k] = peer
    batch.ref[k] = ref
    batch.parent[k] = parent
    return true
  }

  /** What was queued; give it back with release() once written. */
  take (): ChangeBatch {
    const taken = this.#active
    this.#active = this.#spare ?? new ChangeBatch(Math.min(INITIAL_CAPACITY, this.limit))
    this.#spare = undefined
    return taken
  }

  release (batch: ChangeBatch): void {
    batch.clear()
    this.#spare = batch
  }
}
