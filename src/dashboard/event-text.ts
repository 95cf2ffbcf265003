// An event of the devnet as a line a person reads from across the room.
import { formatDuration, formatHeight, shortPeerId } from './format.ts'
import { FORK_BEGAN, FORK_ENDED } from '../protocol/forks.ts'
import type { DevnetEvent } from '../protocol/history.ts'

/** How an event reads: its words, its colour, and for a fork the panel's badge and a second
 *  line naming the nodes off the largest branch. `loud` and `calm` are the fork panel's tones. */
export interface EventLine {
  text: string
  tone: 'good' | 'bad' | 'neutral' | 'loud' | 'calm'
  /** shown before the text as the panel shows it: "FORK #3" on the alarm colour */
  badge?: string
  /** a second line: who */
  detail?: string
}

// Characters of names a fork's second line holds before the rest are "+N" (24 rem at the
// list's type); at least one name is always shown
const FORK_NAMES_CHARS = 26

/** The nodes off the largest side of a fork event's data, named as they were then, with the
 *  sides past the ones it lists (`otherSides`) in the counts; the relay wrote it, but the page
 *  checks what it reads. */
function minority (data: Record<string, unknown> | undefined, name: (peerId: string) => string): { names: string[], count: number, sides: number } {
  const names: string[] = []
  // a node without a nickname is named by its peer ID, after the ones with names
  const unnamed: string[] = []
  let count = 0
  const sides = (Array.isArray(data?.sides) ? data.sides as unknown[] : []).filter((side): side is Record<string, unknown> => typeof side === 'object' && side !== null)
  for (const side of sides) {
    if (side.largest === true) continue
    const before = names.length + unnamed.length
    for (const node of Array.isArray(side.nodes) ? side.nodes as unknown[] : []) {
      if (typeof node !== 'object' || node === null) continue
      const { nickname, peerId } = node as Record<string, unknown>
      if (typeof nickname === 'string' && nickname !== '') names.push(nickname)
      else if (typeof peerId === 'string') unnamed.push(name(peerId))
    }
    // the side's count: it names its first hundred
    const named = names.length + unnamed.length - before
    count += typeof side.nodeCount === 'number' && Number.isSafeInteger(side.nodeCount) ? Math.max(side.nodeCount, named) : named
  }
  names.sort((a, b) => a.localeCompare(b))
  names.push(...unnamed)
  // the relay lists a fork's first sides, the largest among them; the rest are off the largest
  // and named nowhere, so they are counted in the branches and the "+N"
  const other = typeof data?.otherSides === 'object' && data.otherSides !== null ? data.otherSides as Record<string, unknown> : {}
  const otherSides = wholeOf(other, 'count')
  const otherNodes = otherSides > 0 ? wholeOf(other, 'nodeCount') : 0
  return { names, count: count + otherNodes, sides: sides.length + otherSides }
}

/** "eve, fay +3": names while they fit the line, the rest counted ("31 nodes" with no name:
 *  the nodes of sides the relay counts but does not list). */
export function namesLine (names: readonly string[], count: number): string {
  if (names.length === 0) return `${count} node${count === 1 ? '' : 's'}`
  const shown: string[] = []
  let length = 0
  for (const n of names) {
    if (shown.length > 0 && length + 2 + n.length > FORK_NAMES_CHARS) break
    shown.push(n)
    length += (shown.length > 1 ? 2 : 0) + n.length
  }
  const more = count - shown.length
  return `${shown.join(', ')}${more > 0 ? ` +${more}` : ''}`
}

function forkLine (event: DevnetEvent, name: (peerId: string) => string): EventLine {
  const id = num(event.data, 'id')
  const badge = `FORK${id !== null ? ` #${id}` : ''}`
  const { names, count, sides } = minority(event.data, name)
  const who = count === 0 ? '' : namesLine(names, count)
  if (event.kind === FORK_BEGAN) {
    const split = num(event.data, 'splitHeight')
    return {
      badge,
      text: `began${split !== null ? ` · split after ${formatHeight(split)}` : ''}${sides > 2 ? ` · ${sides} branches` : ''}`,
      tone: 'loud',
      ...(who !== '' ? { detail: `${who} on ${sides > 2 ? 'other branches' : 'the other branch'}` } : {})
    }
  }
  const duration = num(event.data, 'durationMs')
  const depth = num(event.data, 'depth')
  const text = `${badge} ${event.data?.interrupted === true ? 'cut off: relay stopped' : 'over'}${duration !== null ? ` after ${formatDuration(duration)}` : ''}${depth !== null ? ` · ${depth} deep` : ''}`
  return { text, tone: 'calm', ...(who !== '' ? { detail: `${who} ${event.data?.interrupted === true ? 'were off the largest' : 'back on one chain'}` } : {}) }
}

/** A count in what the relay sent: 0 when it is not one. */
function wholeOf (data: Record<string, unknown>, key: string): number {
  const value = data[key]
  return Number.isSafeInteger(value) && (value as number) > 0 ? value as number : 0
}

function num (data: Record<string, unknown> | undefined, key: string): number | null {
  const value = data?.[key]
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/** `name(peerId)`: the node's nickname as the page knows it, or a short peer ID. */
export function eventText (event: DevnetEvent, name: (peerId: string) => string): EventLine {
  if (event.kind === FORK_BEGAN || event.kind === FORK_ENDED) return forkLine(event, name)
  const who = event.peers.length === 0 ? '' : event.peers.length === 1 ? name(event.peers[0] ?? '') : `${event.peers.length} nodes`
  const height = num(event.data, 'height')
  switch (event.kind) {
    case 'joined':
      return { text: event.data?.first === true ? `${who} joined for the first time` : `${who} joined`, tone: 'good' }
    case 'left':
      return { text: `${who} left`, tone: 'bad' }
    case 'stale':
      return { text: `${who} went quiet`, tone: 'bad' }
    case 'back': {
      const silent = num(event.data, 'silentMs')
      return { text: `${who} came back${silent !== null ? ` after ${formatDuration(silent)}` : ''}`, tone: 'good' }
    }
    case 'behind': {
      const lag = num(event.data, 'lag')
      // a watched node that said it was syncing: the table called it 'syncing' then
      const syncing = event.data?.syncing === true ? ', syncing' : ''
      return { text: `${who} fell behind${lag !== null ? ` by ${lag} block${lag === 1 ? '' : 's'}` : ''}${syncing}`, tone: 'bad' }
    }
    case 'caught_up':
      return { text: `${who} caught up`, tone: 'good' }
    case 'stalled':
      return { text: `Chain stalled${height !== null ? ` at ${formatHeight(height)}` : ''}`, tone: 'bad' }
    case 'resumed': {
      const stalled = num(event.data, 'sinceRiseMs')
      return { text: `Chain resumed${height !== null ? ` at ${formatHeight(height)}` : ''}${stalled !== null ? ` after ${formatDuration(stalled)}` : ''}`, tone: 'good' }
    }
    case 'record_gap': {
      const from = num(event.data, 'from')
      const to = num(event.data, 'to')
      return { text: `Nothing recorded for ${from !== null && to !== null ? formatDuration(to - from) : 'a while'} (${gapReason(event.data?.reason)})`, tone: 'neutral' }
    }
    default:
      return { text: `${event.kind}${who !== '' ? ` ${who}` : ''}`, tone: 'neutral' }
  }
}

export { shortPeerId }

/** Why the record has a gap, in words (a record_gap event's reason). */
export function gapReason (reason: unknown): string {
  return reason === 'disk_full' ? 'disk full' : reason === 'relay_down' ? 'relay down' : reason === 'io_error' ? 'write error' : 'not recorded'
}
