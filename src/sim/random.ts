// A small seeded PRNG, so a scenario and a seed replay the same devnet: same chain, same
// nicknames, same peer IDs, same nodes in trouble.

export interface Random {
  /** uniform in [0, 1) */
  next: () => number
  /** integer in [min, max] */
  int: (min: number, max: number) => number
  /** true with probability p */
  chance: (p: number) => boolean
  /** one element of a non-empty array */
  pick: <T>(items: readonly T[]) => T
  /** k distinct elements (fewer if the array is shorter), in random order */
  sample: <T>(items: readonly T[], k: number) => T[]
  /** 32 random bytes, e.g. an Ed25519 seed */
  bytes32: () => Uint8Array
  /** a new generator whose sequence depends on this one's seed and the label only */
  fork: (label: string) => Random
}

// mulberry32: 32-bit state, fast, good enough for scripting a demo (not for keys that guard
// anything: the simulated nodes' keys are meant to be reproducible)
function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function hashLabel (seed: number, label: string): number {
  // FNV-1a over the seed and the label
  let h = 0x811c9dc5 ^ (seed >>> 0)
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

export function createRandom (seed: number): Random {
  const next = mulberry32(seed)
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: p => next() < p,
    pick: items => {
      const item = items[Math.floor(next() * items.length)]
      if (item === undefined) throw new RangeError('pick from an empty array')
      return item
    },
    sample: (items, k) => {
      const copy = items.slice()
      const out = []
      for (let i = 0; i < k && copy.length > 0; i++) {
        const j = Math.floor(next() * copy.length)
        const last = copy.pop()
        if (last === undefined) break
        if (j < copy.length) {
          out.push(copy[j] as typeof last)
          copy[j] = last
        } else {
          out.push(last)
        }
      }
      return out
    },
    bytes32: () => {
      const out = new Uint8Array(32)
      for (let i = 0; i < 32; i += 4) {
        const word = Math.floor(next() * 4294967296)
        out[i] = word & 0xff
        out[i + 1] = (word >>> 8) & 0xff
        out[i + 2] = (word >>> 16) & 0xff
        out[i + 3] = (word >>> 24) & 0xff
      }
      return out
    },
    fork: label => createRandom(hashLabel(seed, label))
  }
  return random
}
