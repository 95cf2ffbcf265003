import { memo, useMemo, useRef, useSyncExternalStore } from 'react'
import type { NodeView } from '../store/view.ts'
import { eventText, shortPeerId } from './event-text.ts'
import type { EventLine } from './event-text.ts'
import type { DevnetEvent } from '../protocol/history.ts'
import { formatClock } from './format.ts'
import { nicknamesOf } from './nicknames.ts'
import type { EventLog } from './event-log.ts'

// rows a wall's panel shows; older ones are in /api/events
const SHOWN = 40

/** nicknamesOf, remembered from one render to the next */
function useNicknames (nodes: readonly NodeView[]): ReadonlyMap<string, string> {
  const last = useRef<ReadonlyMap<string, string> | null>(null)
  return useMemo(() => {
    last.current = nicknamesOf(nodes, last.current)
    return last.current
  }, [nodes])
}

/** The devnet's events, newest first: what happened while nobody watched. */
export const EventList = memo(function EventList ({ log, nodes, clockOffsetMs }: { log: EventLog, nodes: readonly NodeView[], clockOffsetMs: number }) {
  const view = useSyncExternalStore(log.subscribe, log.getSnapshot)
  const names = useNicknames(nodes)
  // each event's words, kept while the names are the same: the list is drawn again for every
  // new event, and a fork's words sort its sides' names (a fork scenario's events came every
  // second or so, ~95 ms of the render row's first seconds in localeCompare)
  const lines = useRef<WeakMap<DevnetEvent, { names: ReadonlyMap<string, string>, line: EventLine }> | null>(null)
  // drawn again when the events, a name or the clock offset change, not on every view update
  const items = useMemo(() => {
    const name = (peerId: string): string => {
      const nickname = names.get(peerId)
      return nickname === undefined || nickname === '' ? shortPeerId(peerId) : nickname
    }
    // made once (an argument to useRef would be made on every render, and dropped)
    const cache = lines.current ??= new WeakMap()
    return view.events.slice(0, SHOWN).map(event => {
      let known = cache.get(event)
      if (known?.names !== names) {
        known = { names, line: eventText(event, name) }
        cache.set(event, known)
      }
      const { text, tone, badge, detail } = known.line
      return (
        <li key={event.id} className={`event event-${tone}`} data-kind={event.kind}>
          <time className='num'>{formatClock(event.at - clockOffsetMs)}</time>
          <div className='event-body'>
            <span className='event-text'>{badge !== undefined && <><b className='event-badge'>{badge}</b>{' '}</>}{text}</span>
            {detail !== undefined && <span className='event-detail'>{detail}</span>}
          </div>
        </li>
      )
    })
  }, [view.events, names, clockOffsetMs])
  return (
    <aside className='events' data-testid='events' aria-label='Events'>
      <h2>Events</h2>
      {view.problem !== null && <div className='events-note'>{view.problem}</div>}
      {view.available && view.events.length === 0 && <div className='events-note'>nothing has happened in the window</div>}
      <div className='events-lines'><ol>{items}</ol></div>
    </aside>
  )
})
