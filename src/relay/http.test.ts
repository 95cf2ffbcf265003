import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { FEED_PROTOCOL, FEED_VERSION } from '../protocol/index.ts'
import { acceptsGzip, GzipCache, SnapshotCache } from './http-server.ts'
import { ManualClock } from '../testing/clock.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import type { TestRelay } from '../testing/test-relay.ts'

/** A raw GET (paths like /../x reach the server unnormalised) with an optional
 *  Accept-Encoding, body as raw bytes (node:http never decodes it). */
async function fetchRaw (url: string, path: string, acceptEncoding?: string): Promise<{ status: number, headers: Record<string, unknown>, body: Buffer }> {
  const { hostname, port } = new URL(url)
  return await new Promise((resolve, reject) => {
    request({ hostname, port, path, method: 'GET', headers: acceptEncoding != null ? { 'accept-encoding': acceptEncoding } : {} }, res => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => { chunks.push(chunk) })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }) })
    }).on('error', reject).end()
  })
}

/** fetchRaw without Accept-Encoding, its body as text. */
async function rawGet (url: string, path: string): Promise<{ status: number, body: string, type: string }> {
  const { status, headers, body } = await fetchRaw(url, path)
  return { status, body: body.toString(), type: String(headers['content-type']) }
}

describe('relay HTTP', () => {
  let relay: TestRelay
  let site: string

  before(async () => {
    site = await mkdtemp(join(tmpdir(), 'devnet-site-'))
    await mkdir(join(site, 'assets'))
    await writeFile(join(site, 'index.html'), '<!doctype html><title>dashboard</title>')
    await writeFile(join(site, 'assets', 'app-1234.js'), 'console.log(1)')
    await writeFile(join(tmpdir(), 'devnet-secret.txt'), 'secret')
    relay = await startTestRelay({ staticDir: site })
  })
  after(async () => {
    await relay.destroy()
    await rm(site, { recursive: true, force: true })
    await rm(join(tmpdir(), 'devnet-secret.txt'), { force: true })
  })

  it('serves the dashboard at /, its assets, and the page for unknown app paths', async () => {
    const index = await rawGet(relay.httpUrl, '/')
    assert.equal(index.status, 200)
    assert.match(index.type, /text\/html/)
    assert.match(index.body, /dashboard/)
    const asset = await rawGet(relay.httpUrl, '/assets/app-1234.js')
    assert.equal(asset.status, 200)
    assert.match(asset.type, /javascript/)
    assert.equal((await rawGet(relay.httpUrl, '/wall?window=5m')).status, 200)
    assert.equal((await rawGet(relay.httpUrl, '/assets/missing.js')).status, 404)
  })

  it('answers an unknown API path with a JSON 404, never with the page', async () => {
    for (const path of ['/api/unknown', '/api/', '/api', '/api/nodes/extra', '/api/forks/extra', '/api/unknown?since=1']) {
      const res = await rawGet(relay.httpUrl, path)
      assert.equal(res.status, 404, path)
      assert.match(res.type, /^application\/json/, path)
      const body = JSON.parse(res.body) as { error?: unknown }
      assert.equal(typeof body.error, 'string', path)
      assert.doesNotMatch(res.body, /<title>dashboard/, path)
    }
    // known API paths still answer
    assert.equal((await rawGet(relay.httpUrl, '/api/nodes')).status, 200)
    assert.equal((await rawGet(relay.httpUrl, '/api/snapshot')).status, 200)
    assert.equal((await rawGet(relay.httpUrl, '/api/forks')).status, 200)
    // a path that only starts like the API is the page's
    assert.equal((await rawGet(relay.httpUrl, '/apiary')).status, 200)
  })

  it('answers a method other than GET or HEAD with 405 and Allow, in JSON under /api/', async () => {
    for (const [method, path] of [['POST', '/api/nodes'], ['DELETE', '/api/forks'], ['PUT', '/api/snapshot']] as const) {
      const res = await fetch(`${relay.httpUrl}${path}`, { method })
      assert.equal(res.status, 405, `${method} ${path}`)
      assert.equal(res.headers.get('allow'), 'GET, HEAD')
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
      assert.equal(typeof (await res.json() as { error?: unknown }).error, 'string')
    }
    const page = await fetch(`${relay.httpUrl}/`, { method: 'POST' })
    assert.equal(page.status, 405)
    await page.body?.cancel()
    const head = await fetch(`${relay.httpUrl}/api/unknown`, { method: 'HEAD' })
    assert.equal(head.status, 404)
  })

  it('sends text assets gzipped to a browser that takes gzip, and as they are to one that does not', async () => {
    const script = `console.log(${JSON.stringify('devnet '.repeat(2000))})\n`
    await writeFile(join(site, 'assets', 'big-5678.js'), script)
    const get = async (acceptEncoding?: string): Promise<{ headers: Record<string, unknown>, body: Buffer }> => {
      const res = await fetchRaw(relay.httpUrl, '/assets/big-5678.js', acceptEncoding)
      assert.equal(res.status, 200)
      return res
    }
    for (const header of ['gzip, deflate, br', 'br;q=1.0, gzip;q=0.8']) {
      const zipped = await get(header)
      assert.equal(zipped.headers['content-encoding'], 'gzip')
      assert.equal(zipped.headers.vary, 'accept-encoding')
      assert.equal(Number(zipped.headers['content-length']), zipped.body.length)
      assert.ok(zipped.body.length < script.length / 10, `gzipped to ${zipped.body.length} of ${script.length} bytes`)
      assert.equal(gunzipSync(zipped.body).toString(), script)
    }
    for (const header of [undefined, 'br', 'gzip;q=0']) {
      const plain = await get(header)
      assert.equal(plain.headers['content-encoding'], undefined)
      assert.equal(plain.body.toString(), script)
    }
  })

  it('gzips the page\'s files before they are asked for, once each', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devnet-warm-'))
    try {
      await mkdir(join(dir, 'assets'))
      await writeFile(join(dir, 'index.html'), '<!doctype html>')
      await writeFile(join(dir, 'assets', 'app-1.js'), 'one();')
      await writeFile(join(dir, 'assets', 'app-1.js.map'), '{}')
      await writeFile(join(dir, 'assets', 'logo.png'), 'png')
      const cache = new GzipCache()
      assert.equal(await cache.warm(dir), 2)
      // other bytes under the version warm() saw (its size and time): what is served is what
      // warm() gzipped, so it did the work
      const file = join(dir, 'assets', 'app-1.js')
      const warmed = await stat(file)
      await writeFile(file, 'two();')
      assert.equal(gunzipSync(await cache.get(file, warmed)).toString(), 'one();')
      // a new version (another time) is gzipped anew
      await utimes(file, warmed.atime, new Date(warmed.mtimeMs + 5_000))
      assert.equal(gunzipSync(await cache.get(file, await stat(file))).toString(), 'two();')
      // a dir with nothing built warms nothing
      assert.equal(await new GzipCache().warm(join(dir, 'missing')), 0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('reads Accept-Encoding as HTTP means it', () => {
    assert.equal(acceptsGzip('gzip'), true)
    assert.equal(acceptsGzip('deflate, x-gzip'), true)
    assert.equal(acceptsGzip('gzip;q=0.5'), true)
    assert.equal(acceptsGzip('gzip;q=0'), false)
    assert.equal(acceptsGzip('gzip; q=0.000'), false)
    assert.equal(acceptsGzip('gzipped, br'), false)
    assert.equal(acceptsGzip(undefined), false)
  })

  it('encodes /api/snapshot at most once a second however often it is asked for', async () => {
    const clock = new ManualClock(0)
    let encoded = 0
    const snapshots = new SnapshotCache(() => new TextEncoder().encode(`{"t":"synced"} ${++encoded}\n`), clock)
    const first = snapshots.get()
    for (let k = 0; k < 100; k++) assert.equal(snapshots.get(), first)
    assert.equal(encoded, 1)
    const zipped = await Promise.all([snapshots.gzipped(first ?? assert.fail()), snapshots.gzipped(first ?? assert.fail())])
    assert.equal(zipped[0], zipped[1], 'gzipped once too')
    assert.equal(gunzipSync(zipped[0]).toString(), '{"t":"synced"} 1\n')
    clock.advance(999)
    assert.equal(snapshots.get(), first, 'the same body until its second is up')
    clock.advance(1)
    assert.notEqual(snapshots.get(), first)
    assert.equal(encoded, 2)
    // and it is let go once its second is up, so an idle relay holds no copy
    clock.advance(999)
    assert.ok(snapshots.heldBytes > 0)
    clock.advance(1)
    assert.equal(snapshots.heldBytes, 0)
  })

  it('never serves a file outside the dashboard directory', async () => {
    for (const path of ['/../devnet-secret.txt', '/%2e%2e/devnet-secret.txt', '/assets/../../devnet-secret.txt', '/assets/..%2f..%2fdevnet-secret.txt', '/..%5cdevnet-secret.txt']) {
      const res = await rawGet(relay.httpUrl, path)
      assert.notEqual(res.body, 'secret', path)
    }
  })

  it('says how to build the dashboard when it is not built', async () => {
    const bare = await startTestRelay({ staticDir: join(site, 'nothing-here') })
    try {
      const res = await rawGet(bare.httpUrl, '/')
      assert.equal(res.status, 503)
      assert.match(res.body, /npm run build/)
    } finally {
      await bare.destroy()
    }
  })

  it('tells a page where the relay is in /relay.json, WebSocket addresses first', async () => {
    const info = JSON.parse((await rawGet(relay.httpUrl, '/relay.json')).body) as { peerId: string, multiaddrs: string[], feedProtocol: string, feedVersion: number }
    assert.equal(info.peerId, relay.peerId)
    assert.equal(info.feedProtocol, FEED_PROTOCOL)
    assert.equal(info.feedVersion, FEED_VERSION)
    assert.match(info.multiaddrs[0] ?? '', /\/ws\/p2p\//)
    assert.ok(info.multiaddrs.some(a => !a.includes('/ws')), 'TCP addresses for nodes are listed too')
    assert.ok(info.multiaddrs.every(a => a.endsWith(`/p2p/${relay.peerId}`)))
  })

  it('lists announced addresses first', async () => {
    const announced = await startTestRelay({ announce: ['/dns4/devnet.example/tcp/443/wss'] })
    try {
      const info = JSON.parse((await rawGet(announced.httpUrl, '/relay.json')).body) as { multiaddrs: string[] }
      assert.equal(info.multiaddrs[0], `/dns4/devnet.example/tcp/443/wss/p2p/${announced.peerId}`)
      assert.equal(announced.browserAddrs[0], info.multiaddrs[0])
      assert.equal(announced.nodeAddrs[0], info.multiaddrs[0])
    } finally {
      await announced.destroy()
    }
  })

  it('answers /healthz and /metrics in Prometheus text format', async () => {
    const health = await rawGet(relay.httpUrl, '/healthz')
    assert.equal(health.status, 200)
    assert.equal((JSON.parse(health.body) as { ok: boolean }).ok, true)
    const metrics = await rawGet(relay.httpUrl, '/metrics')
    assert.match(metrics.type, /text\/plain; version=0\.0\.4/)
    for (const name of ['devnet_nodes_connected', 'devnet_nodes_known', 'devnet_nodes_in_consensus', 'devnet_nodes_in_dispute', 'devnet_best_height', 'devnet_heartbeats_accepted_total', 'devnet_heartbeats_rejected_total', 'devnet_feed_subscribers', 'devnet_feed_events_coalesced_total']) {
      assert.match(metrics.body, new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'), name)
    }
  })
})
