// An event of the devnet as a line a person reads from across the room.
import { formatDuration, formatHeight, shortPeerId } from './format.ts'
import type { DevnetEvent } from '../protocol/history.ts'

function num (data: Record<string, unknown> | undefined, key: string): number | null {
  const value = data?.[key]
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/** `name(peerId)`: the node's nickname as the page knows it, or a short peer ID. */
export function eventText (event: DevnetEvent, name: (peerId: string) => string): { text: string, tone: 'good' | 'bad' | 'neutral' } {
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
      const reason = event.data?.reason === 'disk_full' ? 'disk full' : event.data?.reason === 'relay_down' ? 'relay down' : 'not recorded'
      return { text: `Nothing recorded for ${from !== null && to !== null ? formatDuration(to - from) : 'a while'} (${reason})`, tone: 'neutral' }
    }
    default:
      return { text: `${event.kind}${who !== '' ? ` ${who}` : ''}`, tone: 'neutral' }
  }
}

export { shortPeerId }
