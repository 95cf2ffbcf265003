// The relay's record, read by the page: a window of every node's heights (/api/history, for
// the chart's reach back and time travel), every node at a moment (/api/state, ?at=), the fork
// panel at a moment (/api/branches, ?at=) and the events (/api/events, the event list). Everything read is checked (src/protocol/history.ts);
// a relay without a record (an older one, a viewer allowlist) answers otherwise, and the page
// goes on with what the feed gives.
import { laterLogger } from './later-logger.ts'
import { takeEarly } from './early-requests.ts'
import { parseBranchesAnswer } from '../protocol/forks.ts'
import { HeightsInterner, parseEventsAnswer, parseHistoryHeader, parseHistorySeries, parseStateAnswer } from '../protocol/history.ts'
import type { BranchesAnswer } from '../protocol/forks.ts'
import type { EventsAnswer, HistoryHeader, HistorySeries, StateAnswer } from '../protocol/history.ts'

const log = laterLogger('devnet:dashboard:history')

// A week of 1,000 nodes is under a megabyte and a second on a LAN; past this the page goes on
// without it
const HISTORY_TIMEOUT_MS = 15_000

// Points per node the page asks for a window: a step every ~4 px of a wall's chart. A line
// among a thousand shows no more, and the relay's work and the answer grow with it
export const WINDOW_POINTS = 300

// The most time one task spends reading an answer's node lines, ms: a thousand lines read in
// one go held the main thread 50 ms and more (a long task on a live page, where frames go on);
// between slices the thread is let go
const PARSE_SLICE_MS = 12

/** Lets the event loop run what waits (a frame, input) before the next slice of work. */
async function yieldToLoop (): Promise<void> {
  // scheduler.yield (Chromium 129+) resumes ahead of other tasks; a timer is the fallback
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler
  if (typeof scheduler?.yield === 'function') return await scheduler.yield()
  await new Promise<void>(resolve => { setTimeout(resolve, 0) })
}

export class HistoryUnavailableError extends Error {
  static name = 'HistoryUnavailableError'
  readonly status: number
  constructor (status: number, detail: string) {
    super(`the relay's history is not available (${status}): ${detail}`)
    this.name = 'HistoryUnavailableError'
    this.status = status
  }
}

export interface HistoryWindow {
  header: HistoryHeader
  series: HistorySeries[]
}

async function get (url: URL, signal?: AbortSignal): Promise<Response> {
  // what index.html asked for (early-requests.ts), bounded by its own HISTORY_TIMEOUT_MS
  const taken = signal == null ? takeEarly(url) : undefined
  let response: Response
  if (taken != null) {
    response = await taken.response
  } else {
    const timeout = AbortSignal.timeout(HISTORY_TIMEOUT_MS)
    response = await fetch(url, { signal: signal == null ? timeout : AbortSignal.any([signal, timeout]) })
  }
  if (!response.ok) {
    let detail = response.statusText
    try {
      const body = await response.json() as { error?: unknown }
      if (typeof body.error === 'string') detail = body.error
    } catch {}
    throw new HistoryUnavailableError(response.status, detail)
  }
  return response
}

export function historyUrl (base: string, query: { from: number, to: number, points: number, peers?: readonly string[] }): URL {
  const url = new URL('api/history', base)
  url.searchParams.set('from', String(Math.round(query.from)))
  url.searchParams.set('to', String(Math.round(query.to)))
  url.searchParams.set('points', String(Math.max(1, Math.round(query.points))))
  for (const peer of query.peers ?? []) url.searchParams.append('peer', peer)
  // a line that repeats an earlier one (nodes in step) names it instead (index.html asks so too)
  url.searchParams.set('same', '1')
  return url
}

export function stateUrl (base: string, at: number): URL {
  const url = new URL('api/state', base)
  url.searchParams.set('at', String(Math.round(at)))
  return url
}

/** `base`: the relay's HTTP root (where the page was served from, unless ?relay= says otherwise). */
export async function fetchHistory (base: string, query: { from: number, to: number, points: number, peers?: readonly string[] }, signal?: AbortSignal): Promise<HistoryWindow> {
  const response = await get(historyUrl(base, query), signal)
  if (response.headers.get('content-type')?.startsWith('application/x-ndjson') !== true) throw new HistoryUnavailableError(response.status, 'not an NDJSON answer')
  const lines = (await response.text()).split('\n')
  const header = parseHistoryHeader(JSON.parse(lines[0] ?? 'null'))
  const series: HistorySeries[] = []
  // every node line in order, undefined where one was not read: what `same` refers to
  const read: Array<HistorySeries | undefined> = []
  // nodes in step share their heights (a recorded moment builds and draws each line once)
  const interner = new HeightsInterner()
  let sliceStart = performance.now()
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k] ?? ''
    if (line === '') continue
    let node: HistorySeries | undefined
    try {
      node = parseHistorySeries(JSON.parse(line), header, interner, read)
      series.push(node)
    } catch (err) {
      log.error('dropped a history line - %e', err)
    }
    read.push(node)
    if (performance.now() - sliceStart > PARSE_SLICE_MS) {
      await yieldToLoop()
      sliceStart = performance.now()
    }
  }
  return { header, series }
}

export async function fetchState (base: string, at: number, signal?: AbortSignal): Promise<StateAnswer> {
  return parseStateAnswer(await (await get(stateUrl(base, at), signal)).json())
}

export function branchesUrl (base: string, at: number): URL {
  const url = new URL('api/branches', base)
  url.searchParams.set('at', String(Math.round(at)))
  return url
}

/** The fork panel at a moment, rebuilt by the relay from its record (?at=). */
export async function fetchBranches (base: string, at: number, signal?: AbortSignal): Promise<BranchesAnswer> {
  return parseBranchesAnswer(await (await get(branchesUrl(base, at), signal)).json())
}

export async function fetchEvents (base: string, query: { from: number, to: number, after?: number, limit?: number }, signal?: AbortSignal): Promise<EventsAnswer> {
  const url = new URL('api/events', base)
  url.searchParams.set('from', String(Math.round(query.from)))
  url.searchParams.set('to', String(Math.round(query.to)))
  if (query.after != null) url.searchParams.set('after', String(query.after))
  if (query.limit != null) url.searchParams.set('limit', String(query.limit))
  return parseEventsAnswer(await (await get(url, signal)).json())
}
