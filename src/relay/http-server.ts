// The relay's HTTP side: the built dashboard at /, /relay.json (how a page finds the relay),
// /api/nodes, /api/forks, /api/snapshot, /healthz and /metrics. Read-only; every response is bounded by
// the state size.
import { createReadStream } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import type { Stats } from 'node:fs'
import { logger } from '@libp2p/logger'
import { systemClock } from '../p2p/clock.ts'
import { PortInUseError } from './port-in-use.ts'
import type { Clock, ClockTimer } from '../p2p/clock.ts'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

const log = logger('devnet:relay:http')

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8'
}

// text a browser takes gzipped: the page's script is ~610 KB as built and ~190 KB gzipped
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt', '.map'])
// the built dashboard is a few files; this bounds the cache whatever the static dir holds
const GZIP_CACHE_BYTES = 32 * 1024 * 1024
const gzipAsync = promisify(gzip)

// the files warm() gzips at start: the built page is index.html and a dozen assets
const WARM_FILES_MAX = 64

/** Each static file gzipped once per version (path, size, mtime), off the event loop. */
export class GzipCache {
  readonly #entries = new Map<string, Buffer>()
  /** being gzipped: a second request for the file waits for the same work */
  readonly #pending = new Map<string, Promise<Buffer>>()
  #bytes = 0

  async get (file: string, info: Stats): Promise<Buffer> {
    const key = `${file}\0${info.size}\0${info.mtimeMs}`
    const known = this.#entries.get(key) ?? this.#pending.get(key)
    if (known !== undefined) return await known
    const zipping = readFile(file).then(async plain => await gzipAsync(plain, { level: 9 }))
    this.#pending.set(key, zipping)
    try {
      const zipped = await zipping
      if (zipped.length <= GZIP_CACHE_BYTES) this.#keep(key, zipped)
      return zipped
    } finally {
      this.#pending.delete(key)
    }
  }

  /**
   * Gzips the page's files (index.html and what assets/ holds, source maps aside) one after
   * another, so the first browser after a start is not the one that waits for level 9 (~0.1 s
   * for the page's script here). Resolves with how many were gzipped; a missing dir is none.
   */
  async warm (staticDir: string): Promise<number> {
    const names = ['index.html', ...(await readdir(join(staticDir, 'assets')).catch(() => [])).map(name => join('assets', name))]
    let warmed = 0
    for (const name of names) {
      if (warmed >= WARM_FILES_MAX) break
      if (!COMPRESSIBLE.has(extname(name)) || name.endsWith('.map')) continue
      const file = join(staticDir, name)
      const info = await stat(file).catch(() => undefined)
      if (info?.isFile() !== true) continue
      await this.get(file, info)
      warmed++
    }
    return warmed
  }

  #keep (key: string, zipped: Buffer): void {
    if (this.#entries.has(key)) return
    this.#entries.set(key, zipped)
    this.#bytes += zipped.length
    // oldest out first: a rebuilt dashboard's old versions go
    for (const [old, bytes] of this.#entries) {
      if (this.#bytes <= GZIP_CACHE_BYTES) break
      this.#entries.delete(old)
      this.#bytes -= bytes.length
    }
  }
}

// A page's first paint reads /api/snapshot once; a client asking in a loop gets the same bytes
// for this long, so it costs the relay one encoding (and one gzip) per interval at most
const SNAPSHOT_REUSE_MS = 1_000

export interface Snapshot {
  readonly plain: Uint8Array
  gzipped: Promise<Buffer> | null
  zipped: Buffer | null
}

/**
 * /api/snapshot's body, reused for SNAPSHOT_REUSE_MS; gzipped off the event loop on demand.
 * It is let go once that time is up: a relay a page loaded from once does not keep a copy of
 * every node's history for the rest of its life.
 */
export class SnapshotCache {
  readonly #encode: () => Uint8Array | null
  readonly #clock: Clock
  #latest: { at: number, snapshot: Snapshot | null } | null = null
  #release?: ClockTimer

  constructor (encode: () => Uint8Array | null, clock: Clock = systemClock) {
    this.#encode = encode
    this.#clock = clock
  }

  /** Bytes held now (the body, and its gzip once made). */
  get heldBytes (): number {
    const snapshot = this.#latest?.snapshot
    return snapshot == null ? 0 : snapshot.plain.length + (snapshot.zipped?.length ?? 0)
  }

  get (): Snapshot | null {
    const now = this.#clock.now()
    if (this.#latest === null || now - this.#latest.at >= SNAPSHOT_REUSE_MS) {
      const plain = this.#encode()
      const latest = { at: now, snapshot: plain === null ? null : { plain, gzipped: null, zipped: null } }
      this.#latest = latest
      if (this.#release != null) this.#clock.clearTimeout(this.#release)
      this.#release = this.#clock.setTimeout(() => { if (this.#latest === latest) this.#latest = null }, SNAPSHOT_REUSE_MS)
    }
    return this.#latest.snapshot
  }

  /** Lets go of the body now, and of the timer that would have. */
  clear (): void {
    if (this.#release != null) this.#clock.clearTimeout(this.#release)
    this.#release = undefined
    this.#latest = null
  }

  async gzipped (snapshot: Snapshot): Promise<Buffer> {
    snapshot.gzipped ??= gzipAsync(snapshot.plain, { level: 6 }).then(zipped => { snapshot.zipped = zipped; return zipped })
    return await snapshot.gzipped
  }
}

/** Whether the request's Accept-Encoding takes gzip (and does not refuse it with q=0). */
export function acceptsGzip (header: string | undefined): boolean {
  return (header ?? '').split(',').some(part => {
    const [coding, ...params] = part.trim().split(';').map(piece => piece.trim())
    return (coding === 'gzip' || coding === 'x-gzip') && !params.some(param => /^q=0(\.0*)?$/.test(param))
  })
}

export interface HttpRoutes {
  relayInfo: () => unknown
  nodes: () => unknown
  /** the feed's opening lines as NDJSON; null when the feed has a viewer allowlist */
  snapshot: () => Uint8Array | null
  health: () => { ok: boolean, [key: string]: unknown }
  /** Prometheus text exposition format 0.0.4 */
  metrics: () => Promise<string>
  /** /api/forks: the fork log, newest first (answers the request itself: it reads the record) */
  forks: (url: URL, res: ServerResponse) => Promise<void>
  /** answers the history record's paths (/api/history, /api/events, /api/state); false for others */
  history?: (url: URL, req: IncomingMessage, res: ServerResponse) => Promise<boolean>
}

const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../dist/', import.meta.url))
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8'

export interface HttpServerInit {
  /** default 127.0.0.1 */
  host?: string
  /** default 8080; 0 picks a free port */
  port?: number
  /** the built dashboard; default <project>/dist */
  staticDir?: string
  /** what time it is, and the timer that lets /api/snapshot's body go; default the real clock */
  clock?: Clock
}

export interface HttpServerComponents {
  /** what each API path answers */
  routes: HttpRoutes
}

function sendJson (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'access-control-allow-origin': '*' })
  res.end(text)
}

function sendText (res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  res.end(text)
}

/** A request path as a path inside the static dir; null when it cannot be one. */
function staticPath (pathname: string): string | null {
  let relative: string
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '')
  } catch {
    return null
  }
  return relative.split(sep).includes('..') ? null : relative
}

/** The file a static path serves (a directory's index.html), if there is one. */
async function findFile (staticDir: string, relative: string): Promise<{ file: string, info: Stats } | null> {
  let file = join(staticDir, relative === '' ? 'index.html' : relative)
  let info = await stat(file).catch(() => undefined)
  if (info?.isDirectory() === true) {
    file = join(file, 'index.html')
    info = await stat(file).catch(() => undefined)
  }
  if (info != null && info.isFile()) return { file, info }
  // the dashboard is one page: unknown paths without an extension get it, so links with
  // parameters and paths keep working; a missing asset is a plain 404
  if (extname(relative) !== '') return null
  file = join(staticDir, 'index.html')
  info = await stat(file).catch(() => undefined)
  return info != null && info.isFile() ? { file, info } : null
}

async function serveStatic (staticDir: string, pathname: string, req: IncomingMessage, res: ServerResponse, gzipCache: GzipCache): Promise<void> {
  const relative = staticPath(pathname)
  if (relative === null) {
    sendText(res, 400, 'bad path\n')
    return
  }
  const found = await findFile(staticDir, relative)
  if (found === null) {
    if (extname(relative) === '') sendText(res, 503, 'The dashboard is not built: run `npm run build` (npm start does it for you).\n')
    else sendText(res, 404, 'not found\n')
    return
  }
  const { file, info } = found
  // Vite's hashed assets never change; index.html must be re-read to pick up a new build
  const immutable = relative.startsWith('assets' + sep)
  const headers = {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff'
  }
  const compressible = COMPRESSIBLE.has(extname(file))
  if (compressible && acceptsGzip(req.headers['accept-encoding'])) {
    sendGzipped(res, headers, await gzipCache.get(file, info))
    return
  }
  res.writeHead(200, { ...headers, 'content-length': info.size, ...(compressible ? { vary: 'accept-encoding' } : {}) })
  createReadStream(file).pipe(res)
}

/** A 200 with a gzipped body, for a client whose Accept-Encoding took it. */
function sendGzipped (res: ServerResponse, headers: Record<string, string>, zipped: Buffer): void {
  res.writeHead(200, { ...headers, 'content-length': zipped.length, 'content-encoding': 'gzip', vary: 'accept-encoding' })
  res.end(zipped)
}

async function sendSnapshot (req: IncomingMessage, res: ServerResponse, snapshots: SnapshotCache): Promise<void> {
  const snapshot = snapshots.get()
  if (snapshot === null) {
    // a relay that picks its viewers shows node histories only over the feed, to them
    sendText(res, 403, 'this relay has a viewer allowlist: subscribe to the feed\n')
    return
  }
  const headers = { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' }
  if (acceptsGzip(req.headers['accept-encoding'])) {
    sendGzipped(res, headers, await snapshots.gzipped(snapshot))
    return
  }
  res.writeHead(200, { ...headers, 'content-length': snapshot.plain.length, vary: 'accept-encoding' })
  res.end(snapshot.plain)
}

export function httpServer (init: HttpServerInit = {}): (components: HttpServerComponents) => HttpServer {
  return components => new HttpServer(components, init)
}

/** The relay's HTTP side as a service: listening between start() and stop(). */
export class HttpServer {
  readonly host: string
  readonly #port: number
  readonly #staticDir: string
  readonly #routes: HttpRoutes
  readonly #gzipCache = new GzipCache()
  readonly #snapshots: SnapshotCache
  #server: Server | undefined

  constructor (components: HttpServerComponents, init: HttpServerInit = {}) {
    this.host = init.host ?? '127.0.0.1'
    this.#port = init.port ?? 8080
    this.#staticDir = init.staticDir ?? DEFAULT_STATIC_DIR
    this.#routes = components.routes
    this.#snapshots = new SnapshotCache(components.routes.snapshot, init.clock)
  }

  /** The port listened on (the one picked, for port 0). */
  get port (): number {
    const address = this.#server?.address()
    return typeof address === 'object' && address != null ? address.port : this.#port
  }

  /** Resolves once bound; rejects with PortInUseError. */
  async start (): Promise<void> {
    if (this.#server != null) return
    const server = createServer((req, res) => {
      this.#handle(req, res).catch(err => {
        log.error('HTTP %s %s failed: %e', req.method, req.url, err)
        if (!res.headersSent) sendText(res, 500, 'internal error\n')
        else res.destroy()
      })
    })
    // a browser's keep-alive sockets must not hold the relay open on stop
    server.keepAliveTimeout = 5_000
    server.headersTimeout = 10_000
    server.requestTimeout = 10_000
    server.maxConnections = 1_000
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE' ? new PortInUseError(this.#port, '--http-port') : err)
      })
      server.listen(this.#port, this.host, () => { resolve() })
    })
    this.#server = server
    // in the background: a request meanwhile waits for its file's own gzip, as before
    this.#gzipCache.warm(this.#staticDir).then(
      count => { log('gzipped %d static files at start', count) },
      (err: Error) => { log.error('could not gzip the static files at start - %e', err) }
    )
  }

  /** Stops listening and closes every connection, keep-alive ones included. */
  async stop (): Promise<void> {
    const server = this.#server
    this.#server = undefined
    this.#snapshots.clear()
    if (server == null) return
    await new Promise<void>(resolve => {
      server.close(() => { resolve() })
      server.closeAllConnections()
    })
  }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://relay')
    // an API client is answered in JSON, never with the dashboard's page
    const api = url.pathname === '/api' || url.pathname.startsWith('/api/')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      if (api) sendJson(res, 405, { error: `method ${String(req.method).slice(0, 16)} not allowed: the API answers GET and HEAD` })
      else sendText(res, 405, 'method not allowed\n')
      return
    }
    const routes = this.#routes
    if (routes.history != null && await routes.history(url, req, res)) return
    switch (url.pathname) {
      case '/relay.json':
        sendJson(res, 200, routes.relayInfo())
        return
      case '/api/nodes':
        sendJson(res, 200, routes.nodes())
        return
      case '/api/forks':
        await routes.forks(url, res)
        return
      case '/api/snapshot':
        await sendSnapshot(req, res, this.#snapshots)
        return
      case '/healthz': {
        const health = routes.health()
        sendJson(res, health.ok ? 200 : 503, health)
        return
      }
      case '/metrics':
        sendText(res, 200, await routes.metrics(), PROMETHEUS_TEXT)
        return
      default:
        if (api) {
          // the path is echoed (bounded) so a typo is easy to see; JSON, so it is never markup
          sendJson(res, 404, { error: `no such API path: ${url.pathname.slice(0, 200)}` })
          return
        }
        await serveStatic(this.#staticDir, url.pathname, req, res, this.#gzipCache)
    }
  }
}
