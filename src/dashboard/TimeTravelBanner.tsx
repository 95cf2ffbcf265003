import { useEffect, useState } from 'react'
import { formatClock, formatDuration } from './format.ts'
import { formatDate } from './format-date.ts'
import { gapReason } from './event-text.ts'
import type { TimeTravel } from './time-travel.ts'
import type { RecordGap } from '../protocol/history.ts'

// how far the slider reaches back: the relay's record keeps a week by default
const SLIDER_SPAN_MS = 7 * 86_400_000
// a slider drag asks for a moment once it rests this long
const SLIDER_SETTLE_MS = 300

/**
 * Says, unmistakably, that what is shown is a recorded moment and not the devnet now, which
 * moment, and how to get back to live; a person at the screen steps with the arrow keys
 * (Shift: ten times as far) or the slider. A wall stays on its moment until its URL changes.
 */
export function TimeTravelBanner ({ travel, at, loading, error, gap, stepMs, liveUrl, localNow }: {
  travel: TimeTravel, at: number, loading: boolean, error: string | null, gap?: RecordGap | undefined, stepMs: number, liveUrl: string, localNow: number
}) {
  const [slider, setSlider] = useState(at)
  useEffect(() => { setSlider(at) }, [at])
  useEffect(() => {
    if (slider === at) return
    const timer = setTimeout(() => { void travel.show(slider) }, SLIDER_SETTLE_MS)
    return () => { clearTimeout(timer) }
  }, [slider, at, travel])
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return
      event.preventDefault()
      void travel.step((event.key === 'ArrowLeft' ? -1 : 1) * stepMs * (event.shiftKey ? 10 : 1))
    }
    window.addEventListener('keydown', onKey)
    return () => { window.removeEventListener('keydown', onKey) }
  }, [travel, stepMs])
  const step = formatDuration(stepMs)
  return (
    <div className='time-travel' data-testid='time-travel' data-loading={loading} role='status'>
      <div className='time-travel-what'>
        <span className='time-travel-badge'>RECORDED</span>
        <span data-testid='time-travel-at'>The devnet at {formatClock(at)}, {formatDate(at)}</span>
        <span className='time-travel-ago'>{formatDuration(localNow - at)} ago · not live{loading ? ' · loading…' : ''}</span>
        {error !== null && <span className='time-travel-error'>{error}</span>}
      </div>
      <div className='time-travel-controls'>
        <button type='button' onClick={() => { void travel.step(-stepMs) }} title='Left arrow; Shift for ten times'>◀ {step}</button>
        <input
          type='range' aria-label='Moment shown' min={localNow - SLIDER_SPAN_MS} max={localNow} step={1000} value={slider}
          onChange={event => { setSlider(Number(event.currentTarget.value)) }}
        />
        <button type='button' onClick={() => { void travel.step(stepMs) }} title='Right arrow; Shift for ten times'>{step} ▶</button>
        <a className='time-travel-live' href={liveUrl} data-testid='back-to-live'>Back to live</a>
      </div>
      {/* a moment the record holds nothing for: what is shown is the record before it (a relay
          that went down marked its nodes disconnected), which read as an outage of the devnet */}
      {gap !== undefined && !loading && <div className='time-travel-gap' data-testid='time-travel-gap'>{gapText(gap)}</div>}
    </div>
  )
}

/** What the record says of a moment in one of its gaps. */
export function gapText (gap: RecordGap): string {
  const span = `${formatClock(gap.from)} to ${formatClock(gap.to)} (${formatDuration(gap.to - gap.from)})`
  return gap.reason === 'relay_down'
    ? `The relay was down from ${span}: nothing was recorded, and the nodes it had show offline`
    : `Nothing was recorded from ${span}, ${gapReason(gap.reason)}: the nodes are as last recorded`
}
