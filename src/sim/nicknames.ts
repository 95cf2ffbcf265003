// Nicknames for simulated nodes. go-filecoin accepted letters only (its config validation
// rejected anything else), so these are two words run together: "BraveOtter".
import type { Random } from './random.ts'

const FIRST = [
  'Amber', 'Brave', 'Calm', 'Dusty', 'Eager', 'Fuzzy', 'Gentle', 'Happy', 'Icy', 'Jolly', 'Keen',
  'Lucky', 'Mellow', 'Nimble', 'Olive', 'Proud', 'Quick', 'Rusty', 'Silent', 'Tidy', 'Upbeat',
  'Vivid', 'Witty', 'Young', 'Zesty', 'Bold', 'Crisp', 'Dapper', 'Fancy', 'Grand', 'Misty', 'Sunny'
] as const

const SECOND = [
  'Otter', 'Badger', 'Heron', 'Lynx', 'Marmot', 'Newt', 'Owl', 'Panda', 'Quail', 'Raven', 'Stoat',
  'Tapir', 'Urchin', 'Vole', 'Walrus', 'Yak', 'Zebra', 'Bison', 'Crane', 'Dingo', 'Egret',
  'Ferret', 'Gecko', 'Ibis', 'Jackal', 'Koala', 'Lemur', 'Moose', 'Narwhal', 'Puffin', 'Robin', 'Seal'
] as const

/** Letters only, as go-filecoin required. */
export const NICKNAME_PATTERN = /^[A-Za-z]+$/

/**
 * The nickname of simulated node `index`: the first 1024 are distinct (a seeded shuffle of
 * every pair), later ones repeat, as nicknames may on a real devnet.
 */
export function nicknameFor (random: Random, index: number): string {
  const pairs = FIRST.length * SECOND.length
  // an affine map index → pair, with a multiplier coprime to 1024, so it is a permutation
  const multiplier = 2 * random.fork('nickname').int(0, 511) + 1
  const offset = random.fork('nickname-offset').int(0, pairs - 1)
  const pair = (index * multiplier + offset) % pairs
  return `${FIRST[Math.floor(pair / SECOND.length)] ?? 'Quiet'}${SECOND[pair % SECOND.length] ?? 'Node'}`
}
