// The record over HTTP: /api/history (NDJSON, streamed), /api/events, /api/state and
// /api/branches (JSON).
// Times are parsed as the page's ?at= is (ISO, relative like -2h, or ms since the epoch).
// Every answer is bounded (points × nodes, events per page, queries at once).
import { once } from 'node:events'
import { createGzip } from 'node:zlib'
import { parseMoment } from '../protocol/moment.ts'
import { branchesAt } from './branches-at.ts'
import { acceptsGzip } from './http-server.ts'
import {
  DEFAULT_FORKS_PER_REQUEST, DEFAULT_HISTORY_POINTS, historyHeaderLine, historyNodeLine, InvalidQueryError, MAX_EVENTS_PER_REQUEST, MAX_FORKS_PER_REQUEST, MAX_HISTORY_POINTS,
  RecordBusyError, RecordUnavailableError, SameLines
} from './record/index.ts'
import type { ForkRecord } from '../protocol/forks.ts'
import type { EventsQuery, EventsResult, ForksQuery, HistoryQuery, HistoryResult, MomentAt, NodeAt } from './record/index.ts'
import type { ReplayChange } from './record/reader.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Writable } from 'node:stream'

// peers one history request may name; a URL of 1,000 peer IDs is ~55 KB, within what the
// HTTP server takes, and more than any one chart shows
export const MAX_PEERS_PER_REQUEST = 1_000

// characters of NDJSON written to the response (or its gzip stream) at once
const WRITE_BATCH_CHARS = 64 * 1024

// what a window defaults to without from= and to=: the last hour
const DEFAULT_WINDOW_MS = 3_600_000

export const HISTORY_PATHS = new Set(['/api/history', '/api/events', '/api/state', '/api/branches'])

/** What the routes ask of a record: the recording relay's, or a read-only one (replay). */
export interface RecordReadable {
  history: (query: HistoryQuery) => Promise<HistoryResult>
  stateAt: (at: number) => Promise<NodeAt[]>
  /** the nodes at a moment and the gap in the record it falls in (/api/state) */
  momentAt: (at: number) => Promise<MomentAt>
  events: (query: EventsQuery) => Promise<EventsResult>
  /** the fork log (a record before it has none: an older relay's replay reads it as empty) */
  forks?: (query: ForksQuery) => Promise<ForkRecord[]>
  /** every change recorded in (from, to] (the fork panel at a moment is rebuilt from them) */
  changes: (from: number, to: number, signal?: AbortSignal) => AsyncIterable<ReplayChange[]>
}

export interface HistoryRoutesInit {
  record: RecordReadable
  /** a relay that picks its viewers shows histories only over the feed, to them */
  viewerAllowlist: boolean
  now?: () => number
}

class BadParamError extends Error {
  static name = 'BadParamError'
  constructor (detail: string) {
    super(detail)
    this.name = 'BadParamError'
  }
}

const HEADERS = { 'cache-control': 'no-store', 'access-control-allow-origin': '*', 'x-content-type-options': 'nosniff' }

function sendJson (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...HEADERS, 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(body))
}

function moment (url: URL, name: string, fallback: number | undefined, now: number): number {
  const raw = url.searchParams.get(name)
  if (raw == null || raw === '') {
    if (fallback == null) throw new BadParamError(`${name}= is required: an ISO time, a time relative to now (-2h), or ms since the epoch`)
    return fallback
  }
  const at = parseMoment(raw, now)
  if (at == null) throw new BadParamError(`${name}=${raw.slice(0, 64)} is not a time: use an ISO time, a time relative to now (-2h), or ms since the epoch`)
  return at
}

function count (url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name)
  if (raw == null || raw === '') return fallback
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw new BadParamError(`${name}= must be a whole number from 1 to ${max}`)
  return Math.min(max, Number(raw))
}

async function write (out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain')
}

/** Answers a history path; false when the path is not one. */
export async function serveHistory (init: HistoryRoutesInit, url: URL, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (!HISTORY_PATHS.has(url.pathname)) return false
  if (init.viewerAllowlist) {
    sendJson(res, 403, { error: 'this relay has a viewer allowlist: its history is not public' })
    return true
  }
  const now = (init.now ?? Date.now)()
  const abort = new AbortController()
  res.once('close', () => { if (!res.writableFinished) abort.abort() })
  try {
    switch (url.pathname) {
      case '/api/state': {
        const at = moment(url, 'at', undefined, now)
        sendJson(res, 200, { at, ...await init.record.momentAt(at) })
        return true
      }
      case '/api/branches': {
        const at = moment(url, 'at', undefined, now)
        sendJson(res, 200, await branchesAt(init.record, at, abort.signal))
        return true
      }
      case '/api/events': {
        const to = moment(url, 'to', now, now)
        const from = moment(url, 'from', to - DEFAULT_WINDOW_MS, now)
        const after = url.searchParams.get('after')
        if (after != null && !/^\d{1,15}$/.test(after)) throw new BadParamError('after= must be an event id (the `next` of an earlier answer)')
        const limit = count(url, 'limit', MAX_EVENTS_PER_REQUEST, MAX_EVENTS_PER_REQUEST)
        sendJson(res, 200, await init.record.events({ from, to, limit, ...(after != null ? { after: Number(after) } : {}) }))
        return true
      }
      default: {
        const to = moment(url, 'to', now, now)
        const from = moment(url, 'from', to - DEFAULT_WINDOW_MS, now)
        const points = count(url, 'points', DEFAULT_HISTORY_POINTS, MAX_HISTORY_POINTS)
        const peers = url.searchParams.getAll('peer').flatMap(value => value.split(',')).map(p => p.trim()).filter(p => p !== '')
        if (peers.length > MAX_PEERS_PER_REQUEST) throw new BadParamError(`at most ${MAX_PEERS_PER_REQUEST} peer= per request`)
        const sameParam = url.searchParams.get('same')
        if (sameParam !== null && sameParam !== '0' && sameParam !== '1') throw new BadParamError('same= is 1 (a line that repeats an earlier one names it) or 0')
        const same = sameParam === '1' ? new SameLines() : null
        const result = await init.record.history({ from, to, points, signal: abort.signal, ...(peers.length > 0 ? { peers } : {}) })
        const gzip = acceptsGzip(req.headers['accept-encoding'])
        res.writeHead(200, { ...HEADERS, 'content-type': 'application/x-ndjson; charset=utf-8', vary: 'accept-encoding', ...(gzip ? { 'content-encoding': 'gzip' } : {}) })
        let out: Writable = res
        if (gzip) {
          // level 1: the heights are deltas, mostly 0 and 1, which any level shrinks ~10×
          const zip = createGzip({ level: 1 })
          zip.pipe(res)
          out = zip
        }
        // lines go out in batches of ~64 KB: a write (and a wait for drain) per line cost more
        // event-loop turns than encoding the lines
        let batch = historyHeaderLine(result)
        for (const series of result.nodes) {
          if (abort.signal.aborted) return true
          batch += historyNodeLine(series, same?.find(series))
          if (batch.length >= WRITE_BATCH_CHARS) {
            await write(out, batch)
            batch = ''
          }
        }
        out.end(batch)
        return true
      }
    }
  } catch (err) {
    if (res.headersSent) {
      res.destroy()
    } else if (err instanceof BadParamError || err instanceof InvalidQueryError) {
      sendJson(res, 400, { error: err.message })
    } else if (err instanceof RecordBusyError || err instanceof RecordUnavailableError) {
      res.setHeader('retry-after', '1')
      sendJson(res, 503, { error: err.message })
    } else if (abort.signal.aborted) {
      res.destroy()
    } else {
      throw err
    }
    return true
  }
}

/**
 * /api/forks: the fork log over [from, to] (from defaults to the record's beginning, to to
 * now), newest first, at most `limit`. Public like /api/nodes (a viewer allowlist keeps node
 * histories to the feed, not the fork log the relay always showed).
 */
export async function serveForks (read: (query: ForksQuery) => Promise<ForkRecord[]>, now: number, url: URL, res: ServerResponse): Promise<void> {
  try {
    const to = moment(url, 'to', now, now)
    const from = moment(url, 'from', 0, now)
    if (to <= from) throw new BadParamError('to= must be after from=')
    const limit = count(url, 'limit', DEFAULT_FORKS_PER_REQUEST, MAX_FORKS_PER_REQUEST)
    sendJson(res, 200, await read({ from, to, limit }))
  } catch (err) {
    if (err instanceof BadParamError || err instanceof InvalidQueryError) {
      sendJson(res, 400, { error: err.message })
    } else if (err instanceof RecordBusyError) {
      res.setHeader('retry-after', '1')
      sendJson(res, 503, { error: err.message })
    } else {
      throw err
    }
  }
}
