// index.html asks for a moment's state and window before the page's code has loaded (?at=);
// the page takes those answers only by the exact URL it would ask for itself. These tests run
// the inline script as the browser would and check that, for the URLs it handles, it asks for
// exactly what the page asks for, and that for the others it asks for nothing (a request the
// page would not take is relay work for nothing).
import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { runInNewContext } from 'node:vm'
import { releaseEarly } from './early-requests.ts'
import { fetchState, historyUrl, stateUrl, WINDOW_POINTS } from './history-api.ts'
import { parseParams } from './url-params.ts'

const html = readFileSync(new URL('../../index.html', import.meta.url), 'utf8')
const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(m => m[1] ?? '')

const NOW = Date.parse('2026-03-01T12:00:00Z')

/** The URLs the inline script fetches for a page at `href`. */
function earlyRequests (href: string): string[] {
  const asked: string[] = []
  const context: Record<string, unknown> = {
    location: new URL(href),
    URL,
    URLSearchParams,
    AbortController,
    Date: class extends Date { static now (): number { return NOW } },
    setTimeout: () => 0,
    fetch: async (url: string) => { asked.push(String(url)); return await new Promise(() => {}) }
  }
  context.window = context
  for (const script of inline) runInNewContext(script, context)
  return asked.sort()
}

/** What the page itself asks for first: live, the relay's snapshot (main.tsx); a moment
 *  (time-travel.ts), the state at it and the window before it (the fork panel then is asked
 *  for once they are shown). */
function pageRequests (href: string): string[] {
  const url = new URL(href)
  const params = parseParams(url.search, NOW)
  if (params.relay !== null) return []
  if (params.at === null) return [new URL('api/snapshot', href).toString()]
  return [stateUrl(href, params.at).href, historyUrl(href, { from: params.at - params.windowMs, to: params.at, points: WINDOW_POINTS }).href].sort()
}

describe('index.html early requests', () => {
  it('has one inline script', () => {
    assert.equal(inline.length, 1)
  })

  for (const search of ['?at=2026-03-01T11:00:00Z&window=1h', '?at=2026-03-01T11:00:00.250Z&window=7d', '?at=1772362800000&window=90s', '?at=2026-03-01T11:00:00%2B02:00', '?window=30&at=2026-02-28T11:00Z&theme=light']) {
    it(`asks for exactly what the page asks for: ${search}`, () => {
      const href = `http://127.0.0.1:8080/dash/${search}`
      const page = pageRequests(href)
      assert.equal(page.length, 2)
      assert.deepEqual(earlyRequests(href), page)
    })
  }

  for (const search of ['', '?window=1h', '?theme=light&filter=bench']) {
    it(`asks a live page's snapshot as the page asks for it: ${search === '' ? '(live)' : search}`, () => {
      const href = `http://127.0.0.1:8080/dash/${search}`
      assert.deepEqual(pageRequests(href).length, 1)
      assert.deepEqual(earlyRequests(href), pageRequests(href))
    })
  }

  for (const search of ['?at=-2h&window=1h', '?at=now', '?at=2026-03-01&window=1h', '?at=2026-03-01T11:00:00Z&window=1h30m', '?at=2026-03-02T11:00:00Z', '?at=2026-03-01T11:00:00Z&relay=/ip4/127.0.0.1/tcp/1/ws', '?relay=/ip4/127.0.0.1/tcp/1/ws', '?at=garbage']) {
    it(`leaves the rest to the page: ${search}`, () => {
      assert.deepEqual(earlyRequests(`http://127.0.0.1:8080/${search}`), [])
    })
  }
})

describe('the page takes what index.html asked for', () => {
  it('by its exact URL, and aborts the rest', async () => {
    const base = 'http://127.0.0.1:9/'
    const aborted: string[] = []
    const state = { at: 1000, nodes: [] }
    const early = {
      responses: {
        [stateUrl(base, 1000).href]: Promise.resolve(new Response(JSON.stringify(state), { headers: { 'content-type': 'application/json' } })),
        [historyUrl(base, { from: 0, to: 1000, points: WINDOW_POINTS }).href]: new Promise<Response>(() => {})
      },
      abort: (url: string) => { aborted.push(url) }
    }
    const global = globalThis as { devnetEarly?: unknown }
    global.devnetEarly = early
    try {
      // nothing listens on port 9: an answer can only be the early one
      assert.deepEqual(await fetchState(base, 1000), state)
      releaseEarly()
      assert.deepEqual(aborted, [historyUrl(base, { from: 0, to: 1000, points: WINDOW_POINTS }).href])
      assert.equal(global.devnetEarly, undefined)
    } finally {
      delete global.devnetEarly
    }
  })
})
