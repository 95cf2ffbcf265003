// What two heads at one height say about each other, the same for the relay (which tracks
// branches) and the page (which counts heads at the best height). A Filecoin head is a tipset:
// the blocks of one round that a node has seen. Nodes that saw a round in part (2 of its 3
// blocks) hold tipsets that share blocks: one round, not a fork. Tipsets with no block in
// common are two rounds at one height: a fork, once it outlasts propagation. An Ethereum head
// is one hash, its own single block, so the same rule holds trivially. Pure string work.

/**
 * The blocks of a head: the CIDs of a tipset key (go-filecoin's `{ a b }`, or Lotus's own
 * `{a,b}` should a sender use it), or an opaque hash as a block of its own. `{ }` (the node
 * could not read its head) has none.
 */
export function headBlocks (head: string): string[] {
  const braced = head.startsWith('{') && head.endsWith('}')
  const inner = braced ? head.slice(1, -1) : head
  const blocks = inner.split(/[\s,]+/).filter(part => part.length > 0)
  // the same block twice in one key says nothing more
  return blocks.length > 1 ? [...new Set(blocks)] : blocks
}

/** How two heads at one height relate. */
export type HeadRelation =
  /** the same blocks (the same tipset, spelt alike or not) */
  | 'same'
  /** some blocks in common: one round, seen in part by one or both */
  | 'partial'
  /** no block in common: two rounds */
  | 'disjoint'
  /** one of them has no blocks (`{ }`): nothing can be said */
  | 'unknown'

export function compareHeads (a: string, b: string): HeadRelation {
  if (a === b) return headBlocks(a).length === 0 ? 'unknown' : 'same'
  const left = headBlocks(a)
  const right = headBlocks(b)
  if (left.length === 0 || right.length === 0) return 'unknown'
  const set = new Set(left)
  let shared = 0
  for (const block of right) if (set.has(block)) shared++
  if (shared === 0) return 'disjoint'
  return shared === set.size && shared === right.length ? 'same' : 'partial'
}

/** Two heads at one height are one round when they share at least one block. */
export function sameRound (a: string, b: string): boolean {
  const relation = compareHeads(a, b)
  return relation === 'same' || relation === 'partial'
}

/**
 * Heads held at one height, grouped into rounds: heads joined by shared blocks, directly or
 * through another head ({a b} and {b c} are one round with {a b c}). Heads without blocks are
 * rounds of their own. Groups keep the order in which their first head came; heads within a
 * group likewise.
 */
export function groupRounds (heads: Iterable<string>): string[][] {
  const groups: Array<{ heads: string[], blocks: Set<string> } | null> = []
  const byBlock = new Map<string, number>()
  const seen = new Set<string>()
  // a group merged into another is left null here, and its index forwarded to the one that took it in
  const forwarded = new Map<number, number>()
  const root = (k: number): number => {
    while (groups[k] === null) k = forwarded.get(k) ?? -1
    return k
  }
  for (const head of heads) {
    if (seen.has(head)) continue
    seen.add(head)
    const blocks = headBlocks(head)
    const joined = new Set<number>()
    for (const block of blocks) {
      const k = byBlock.get(block)
      if (k !== undefined) joined.add(root(k))
    }
    let target: number
    if (joined.size === 0) {
      target = groups.length
      groups.push({ heads: [], blocks: new Set() })
    } else {
      // the earliest group takes the others in, so order stays that of first arrival
      const [first, ...rest] = [...joined].sort((x, y) => x - y)
      target = first ?? 0
      const into = groups[target]
      for (const k of rest) {
        const from = groups[k]
        if (into == null || from == null) continue
        into.heads.push(...from.heads)
        for (const block of from.blocks) into.blocks.add(block)
        groups[k] = null
        forwarded.set(k, target)
      }
    }
    const group = groups[target]
    if (group == null) continue
    group.heads.push(head)
    for (const block of blocks) {
      group.blocks.add(block)
      byBlock.set(block, target)
    }
  }
  return groups.filter(group => group !== null).map(group => group.heads)
}
