import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { serveHistory } from './history-routes.ts'
import { parseHistoryHeader, parseHistorySeries } from '../protocol/history.ts'
import type { HistorySeries } from '../protocol/history.ts'
import { FakeClock, headOf, manualRecord, T0, tempDir } from '../testing/record.ts'
import type { HistoryRecord } from './record/index.ts'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'

describe('history over HTTP', () => {
  const clock = new FakeClock()
  let record: HistoryRecord
  let remove: () => Promise<void>
  let server: Server
  let base = ''
  let allowlist = false

  before(async () => {
    const dir = await tempDir()
    remove = dir.remove
    record = manualRecord(dir.dir, clock)
    // 3 nodes for 20 minutes, a block every 4 s; c leaves at 10 minutes
    for (let t = T0 + 1_000; t <= T0 + 20 * 60_000; t += 1_000) {
      clock.t = t
      for (const peer of ['a', 'b', 'c']) {
        if (peer === 'c' && t >= T0 + 600_000) continue
        const height = 100 + Math.floor((t - T0) / 4_000)
        record.heartbeat(peer, t, { height, head: headOf(height), nickname: `node <${peer}>`, minerAddress: null, genesisCid: null })
      }
      if (t === T0 + 600_000) record.disconnected('c', t)
      if (t === T0 + 300_000) record.event(t, 'stalled', [], { height: 175 })
      record.flush()
    }
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://relay')
      serveHistory({ record, viewerAllowlist: allowlist, now: clock.now }, url, req, res)
        .then(handled => { if (!handled) { res.writeHead(404); res.end() } })
        .catch(() => { res.writeHead(500); res.end() })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    await new Promise<void>(resolve => { server.close(() => { resolve() }) })
    await record.stop()
    await remove()
  })

  it('streams a window as NDJSON: a header, then a line per node with heights as differences', async () => {
    const res = await fetch(`${base}/api/history?from=${T0 + 60_000}&to=-5m&points=60`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/)
    const lines = (await res.text()).trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>)
    const header = lines[0]!
    assert.equal(header.from, T0 + 60_000)
    assert.equal(header.to, clock.t - 300_000)
    assert.equal(header.buckets, 60)
    assert.equal(header.nodes, 3)
    const a = lines[1]!
    assert.equal(a.peerId, 'a')
    assert.equal(a.nickname, 'node <a>')
    const h = a.h as number[]
    assert.equal(h.length, 60)
    // bucket k ends at from + (k + 1) × 14 s (the last one at `to`, which it includes): the
    // height then, summed from the differences
    const step = header.stepMs as number
    let height = 0
    h.forEach((d, k) => {
      height = k === 0 ? d : height + d
      const end = k === 59 ? clock.t - 300_000 : T0 + 60_000 + (k + 1) * step - 1
      assert.equal(height, 100 + Math.floor((end - T0) / 4_000), `bucket ${k}`)
    })
    const c = lines[3]!
    assert.deepEqual(c.connection, [[0, 1], [Math.floor((540_000 - 1) / step), 0]])
  })

  it('with same=1, writes a line that repeats an earlier one as its index, and the page reads back the plain answer', async () => {
    const query = `from=${T0 + 60_000}&to=-5m&points=60`
    const plain = (await (await fetch(`${base}/api/history?${query}`)).text()).trim().split('\n')
    const short = (await (await fetch(`${base}/api/history?${query}&same=1`)).text()).trim().split('\n')
    assert.equal(short.length, plain.length)
    const repeats = short.slice(1).map(line => (JSON.parse(line) as { same?: number }).same)
    // a and b beat in step, c too until it left: its connection is its own, its heights not
    assert.ok(repeats.includes(0), `some line repeats the first: ${JSON.stringify(repeats)}`)
    assert.equal(repeats[0], undefined)
    assert.ok(short.join('\n').length < plain.join('\n').length)
    const header = parseHistoryHeader(JSON.parse(short[0]!))
    const read: HistorySeries[] = []
    for (const line of short.slice(1)) read.push(parseHistorySeries(JSON.parse(line), header, undefined, read))
    assert.deepEqual(read, plain.slice(1).map(line => parseHistorySeries(JSON.parse(line), header)))
    assert.equal((await fetch(`${base}/api/history?${query}&same=yes`)).status, 400)
  })

  it('gzips for a client that takes it, and gives only the peers asked for', async () => {
    const res = await fetch(`${base}/api/history?from=-10m&peer=b&peer=nobody`, { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(res.status, 200)
    const lines = (await res.text()).trim().split('\n')
    assert.equal(lines.length, 2)
    assert.equal((JSON.parse(lines[1]!) as { peerId: string }).peerId, 'b')
    // fetch took the gzip off: ask again without it to see the header on the wire
    const raw = await new Promise<{ encoding: string | undefined, body: Buffer }>((resolve, reject) => {
      import('node:http').then(({ get }) => {
        get(`${base}/api/history?from=-10m&peer=b`, { headers: { 'accept-encoding': 'gzip' } }, r => {
          const chunks: Buffer[] = []
          r.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => { resolve({ encoding: r.headers['content-encoding'], body: Buffer.concat(chunks) }) })
        }).on('error', reject)
      }).catch(reject)
    })
    assert.equal(raw.encoding, 'gzip')
    assert.equal(gunzipSync(raw.body).toString().trim().split('\n').length, 2)
  })

  it('gives every node as it was at a moment', async () => {
    const res = await fetch(`${base}/api/state?at=${new Date(T0 + 599_000).toISOString()}`)
    assert.equal(res.status, 200)
    const body = await res.json() as { at: number, nodes: Array<{ peerId: string, height: number, connected: boolean }> }
    assert.equal(body.at, T0 + 599_000)
    assert.deepEqual(body.nodes.map(n => [n.peerId, n.height, n.connected]), [['a', 249, true], ['b', 249, true], ['c', 249, true]])
    const later = await (await fetch(`${base}/api/state?at=-1s`)).json() as { nodes: Array<{ peerId: string, connected: boolean }> }
    assert.deepEqual(later.nodes.map(n => [n.peerId, n.connected]), [['a', true], ['b', true], ['c', false]])
  })

  it('gives the events of a window', async () => {
    const body = await (await fetch(`${base}/api/events?from=-20m`)).json() as { events: Array<{ kind: string, at: number, data: unknown }> }
    assert.deepEqual(body.events.map(e => [e.kind, e.at, e.data]), [['stalled', T0 + 300_000, { height: 175 }]])
  })

  it('answers a bad parameter with a 400 that says what to give', async () => {
    for (const [query, pattern] of [
      ['/api/history?from=yesterday', /from=yesterday is not a time/],
      ['/api/history?points=0', /points= must be a whole number/],
      ['/api/history?from=-1h&to=-2h', /to must be after from/],
      ['/api/state', /at= is required/],
      ['/api/events?after=x', /after= must be an event id/]
    ] as const) {
      const res = await fetch(base + query)
      assert.equal(res.status, 400, query)
      assert.match(((await res.json()) as { error: string }).error, pattern)
    }
    const many = Array.from({ length: 1_001 }, (_, k) => `peer=p${k}`).join('&')
    assert.equal((await fetch(`${base}/api/history?${many}`)).status, 400)
  })

  it('keeps the history to the feed when the relay picks its viewers', async () => {
    allowlist = true
    try {
      for (const path of ['/api/history', '/api/events', '/api/state?at=-1m']) assert.equal((await fetch(base + path)).status, 403)
    } finally {
      allowlist = false
    }
  })
})
