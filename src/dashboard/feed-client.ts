// The page's own libp2p node: WebSockets, noise and yamux only. It dials the relay, opens the
// feed stream and hands each line to the store; after any loss it redials with backoff, and a
// feed silent for longer than a few relay pings counts as lost. While the relay cannot be
// reached at all, the backoff is cut short when the host that served the page answers again
// (backoff-wait.ts), so a wall is back within a second or so of its relay.
import { noise } from '@chainsafe/libp2p-noise'
import { logger } from '@libp2p/logger'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerId, Stream } from '@libp2p/interface'
import { parseTarget } from '../p2p/addresses.ts'
import { forEachLine } from '../p2p/lines.ts'
import { lightLogger } from '../p2p/logger.ts'
import { devnetYamux } from '../p2p/muxer.ts'
import { FEED_PING_INTERVAL_MS, FEED_PROTOCOL, MAX_FEED_LINE_BYTES } from '../protocol/constants.ts'
import { FeedVersionMismatchError } from '../protocol/errors.ts'
import { checkFeedVersion, decodeFeedLine } from '../protocol/feed.ts'
import { decodeUtf8 } from '../protocol/ndjson.ts'
import type { FeedMessage } from '../protocol/feed.ts'
import type { ConnectionState } from '../store/view.ts'
import { backoffDelay } from './backoff.ts'
import { pageFetch, waitOutBackoff } from './backoff-wait.ts'
import { relayOnlyGater } from './gater.ts'
import { markOnce } from './feed-port.ts'
import { createWatchdog } from './watchdog.ts'
import type { RelayTarget } from './gater.ts'

const log = logger('devnet:dashboard:feed')

// The relay pings every 5 s; three missed pings is a dead feed, not a slow one
export const FEED_SILENCE_MS = 3 * FEED_PING_INTERVAL_MS
// A dial to a LAN relay takes milliseconds; past this the relay is down or unreachable
const DIAL_TIMEOUT_MS = 10_000
// A hidden tab's timers run up to a second late, a frozen one's not at all: a watchdog this
// late was held, and gives the lines that came meanwhile this long to be read (watchdog.ts)
const WATCHDOG_LATE_MS = 3_000
const WATCHDOG_GRACE_MS = 2_000

export class FeedSilentError extends Error {
  static name = 'FeedSilentError'
  constructor () {
    super(`the feed was silent for ${FEED_SILENCE_MS / 1000} s`)
    this.name = 'FeedSilentError'
  }
}

export class RelayAddressError extends Error {
  static name = 'RelayAddressError'
  constructor (detail: string) {
    super(detail)
    this.name = 'RelayAddressError'
  }
}

/** The host that served the page did not answer /relay.json at all (refused, reset, no route). */
export class RelayUnreachableError extends Error {
  static name = 'RelayUnreachableError'
  constructor () {
    super('the relay is unreachable')
    this.name = 'RelayUnreachableError'
  }
}

export interface FeedClientInit {
  /** where messages and connection states go (the store) */
  sink: {
    push: (message: FeedMessage) => void
    setConnection: (connection: ConnectionState) => void
  }
  /** ?relay= from the URL; null: fetch relayJsonUrl */
  relay: string | null
  relayJsonUrl: string
  /** the host that served the page, to prefer the matching relay address */
  pageHostname: string
  /** the relay speaks another feed version (before the client stops with version-mismatch) */
  onVersionMismatch: (relayVersion: number) => void
  onVersionMatch: () => void
  /** in [0, 1): the backoff's jitter and the spacing of probes while it runs */
  random?: () => number
  /** how /relay.json is asked for (and probed while the relay is away); default: fetch */
  fetch?: (url: string, init: RequestInit) => Promise<Response>
  /** the page's identity (see identity.ts), or its promise; a fresh one per node when absent */
  privateKey?: PrivateKey | Promise<PrivateKey>
  /** the first feed opened and the first snapshot read ('devnet:feed-open', 'devnet:synced');
   *  default: a User Timing mark, once (the benchmark reads them) */
  mark?: (name: string) => void
}

/** A started FeedClient. */
export function startFeedClient (init: FeedClientInit): FeedClient {
  const client = new FeedClient(init)
  client.start()
  return client
}

/**
 * The page's client of the relay's feed: start() runs the subscribe-and-redial loop until
 * stop(), which releases the libp2p node, the timers and the stream.
 */
export class FeedClient {
  readonly #init: FeedClientInit
  readonly #controller = new AbortController()
  readonly #signal = this.#controller.signal
  // the one address (and peer) the connection gater lets this page dial
  #target: RelayTarget | null = null
  #node: Libp2p | null = null
  #stream: Stream | null = null
  #running: Promise<void> | null = null

  constructor (init: FeedClientInit) {
    this.#init = init
  }

  start (): void {
    this.#running ??= this.#run().catch(err => { log.error('feed loop failed - %e', err) })
  }

  async stop (): Promise<void> {
    this.#controller.abort()
    this.#stream?.abort(new Error('dashboard closed'))
    // every wait in the loop ends on the abort; the node is stopped once nothing can use it
    await this.#running
    const node = this.#node
    this.#node = null
    await node?.stop()
  }

  async #run (): Promise<void> {
    const { sink } = this.#init
    let failures = 0
    // this attempt was made before its backoff ran out, because the relay answered a probe
    let early = false
    while (!this.#signal.aborted) {
      sink.setConnection({ state: 'connecting', attempt: failures + 1 })
      let reason = 'the feed ended'
      let synced = false
      let unreachable = false
      try {
        // the relay's address and the page's own node are independent: the first visit's key
        // generation and the node's start overlap the request for /relay.json
        const [target] = await Promise.all([this.#resolveTarget(), this.#libp2p()])
        synced = await this.#subscribe(target.peerId, target.multiaddr)
      } catch (err) {
        if (err instanceof FeedVersionMismatchError) {
          sink.setConnection({ state: 'version-mismatch', pageVersion: err.pageVersion, relayVersion: err.relayVersion })
          return
        }
        reason = describe(err)
        unreachable = err instanceof RelayUnreachableError
        log('feed lost - %e', err)
      }
      if (this.#signal.aborted) return
      // a subscription that got as far as a snapshot was a success: start the backoff over
      failures = synced ? 1 : failures + 1
      const delay = backoffDelay(failures, this.#init.random)
      // Only a relay that did not answer at all is watched for (#fetchRelayAddress, so only a
      // page served by its relay): one that answers and still turns the feed away gets its
      // backoff in full. An early redial that finds it unreachable again waits a whole backoff
      // before the next early one, so a relay whose HTTP comes and goes is not redialled
      // every second.
      const probe = unreachable && !early
      if (probe) reason += '; redialling as soon as it answers'
      sink.setConnection({ state: 'lost', retryAt: Date.now() + delay, reason })
      const outcome = await waitOutBackoff({
        delayMs: delay,
        signal: this.#signal,
        probeUrl: probe ? this.#init.relayJsonUrl : null,
        ...(this.#init.random != null ? { random: this.#init.random } : {}),
        ...(this.#init.fetch != null ? { fetch: this.#init.fetch } : {})
      })
      early = outcome === 'answered'
      if (early) log('the relay answers again: redialling before the %d ms backoff ran out', delay)
    }
  }

  async #resolveTarget (): Promise<{ peerId: PeerId, multiaddr: Multiaddr }> {
    const text = this.#init.relay ?? await this.#fetchRelayAddress()
    let target
    try {
      target = parseTarget(text)
    } catch (err) {
      throw new RelayAddressError((err as Error).message)
    }
    // the gater lets the page dial only the exact address it was given, so what a /dnsaddr
    // name resolves to could never be dialled: say so instead of failing at the dial
    if (target.multiaddr.getComponents().some(c => c.name === 'dnsaddr')) {
      throw new RelayAddressError(`${text} is a /dnsaddr address, which the dashboard does not resolve; give it the relay's WebSocket address (/ip4, /ip6 or /dns4 … /ws/p2p/…)`)
    }
    return target
  }

  /** Asks the host that served the page for the relay's WebSocket address. */
  async #fetchRelayAddress (): Promise<string> {
    let response: Response
    try {
      const fetchUrl = this.#init.fetch ?? pageFetch
      response = await fetchUrl(this.#init.relayJsonUrl, { cache: 'no-store', signal: AbortSignal.any([this.#signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) })
    } catch (err) {
      // fetch fails with a TypeError when nothing answered (refused, reset, no route), with
      // the signal's reason on a timeout or abort: a relay that is slow is not unreachable
      if ((err as Error | undefined)?.name === 'TypeError') throw new RelayUnreachableError()
      throw err
    }
    if (!response.ok) throw new RelayAddressError(`${this.#init.relayJsonUrl} answered ${response.status}`)
    const body: unknown = await response.json()
    const addrs = typeof body === 'object' && body !== null && 'multiaddrs' in body && Array.isArray(body.multiaddrs)
      ? body.multiaddrs.filter((addr: unknown): addr is string => typeof addr === 'string')
      : []
    const chosen = pickBrowserAddress(addrs, this.#init.pageHostname)
    if (chosen === null) throw new RelayAddressError(`${this.#init.relayJsonUrl} lists no WebSocket address`)
    return chosen
  }

  async #libp2p (): Promise<Libp2p> {
    if (this.#node !== null) return this.#node
    const privateKey = await this.#init.privateKey
    this.#node = await createLibp2p({
      ...(privateKey != null ? { privateKey } : {}),
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [devnetYamux()],
      connectionGater: relayOnlyGater(() => this.#target),
      // no `debug` instances for libp2p's components while localStorage.debug leaves them off
      logger: lightLogger(),
      // the feed's own pings and watchdog tell whether the relay is alive
      connectionMonitor: { enabled: false }
    })
    return this.#node
  }

  /** Reads the feed until it ends; resolves true if it got as far as a full snapshot. */
  async #subscribe (peerId: PeerId, addr: Multiaddr): Promise<boolean> {
    const { sink } = this.#init
    const mark = this.#init.mark ?? markOnce
    const node = await this.#libp2p()
    this.#target = { peerId, multiaddr: addr }
    const stream = await node.dialProtocol(addr, FEED_PROTOCOL, {
      signal: AbortSignal.any([this.#signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)])
    })
    this.#stream = stream
    mark('devnet:feed-open')
    let synced = false
    let heard = false
    const watchdog = createWatchdog({
      silenceMs: FEED_SILENCE_MS,
      lateMs: WATCHDOG_LATE_MS,
      graceMs: WATCHDOG_GRACE_MS,
      onSilent: () => { stream.abort(new FeedSilentError()) }
    })
    watchdog.arm()
    try {
      await forEachLine(stream, MAX_FEED_LINE_BYTES, bytes => {
        watchdog.arm()
        heard = true
        let message: FeedMessage
        try {
          message = decodeFeedLine(decodeUtf8(bytes))
        } catch (err) {
          // one bad line is the relay's bug; dropping it keeps the rest of the picture
          log.error('dropped a feed line - %e', err)
          return
        }
        if (message.t === 'hello') {
          try {
            checkFeedVersion(message)
          } catch (err) {
            if (err instanceof FeedVersionMismatchError) this.#init.onVersionMismatch(err.relayVersion)
            throw err
          }
          this.#init.onVersionMatch()
        }
        sink.push(message)
        if (message.t === 'synced' && !synced) {
          synced = true
          mark('devnet:synced')
          sink.setConnection({ state: 'live' })
        }
      })
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      // a relay that resets the feed before its hello turned this page away: an allowlist
      // or its viewer cap. Say so, with the peer ID an operator would have to list.
      if (!heard && !(err instanceof FeedSilentError) && !this.#signal.aborted) throw new RefusedError(node.peerId.toString())
      throw err
    } finally {
      watchdog.stop()
      this.#stream = null
      // a fresh connection next time: after a relay restart the old one is dead anyway
      await node.hangUp(peerId).catch(() => {})
    }
    return synced
  }
}

export class RefusedError extends Error {
  static name = 'RefusedError'
  constructor (pagePeerId: string) {
    super(`the relay refused this dashboard (viewer allowlist or cap); to allow it: --allow-viewer ${pagePeerId}`)
    this.name = 'RefusedError'
  }
}

/** A ws/wss multiaddr from /relay.json, preferring one on the host that served the page. */
export function pickBrowserAddress (addrs: readonly string[], pageHostname: string): string | null {
  const websocket = addrs.filter(addr => /\/wss?\/p2p\//.test(addr) || /\/tls\/ws\/p2p\//.test(addr))
  const onPageHost = websocket.find(addr => addr.split('/')[2] === pageHostname)
  return onPageHost ?? websocket[0] ?? null
}

function describe (err: unknown): string {
  if (err instanceof FeedSilentError || err instanceof RelayAddressError || err instanceof RefusedError || err instanceof RelayUnreachableError) return err.message
  const name = (err as Error | undefined)?.name ?? ''
  // libp2p passes on only the message of a failed noise handshake; it says why
  if (name === 'EncryptionFailedError') return `the encrypted handshake with the relay failed: ${(err as Error).message}`
  if (name === 'TimeoutError' || name === 'AbortError') return 'the relay did not answer'
  if (name === 'TypeError') return 'the relay is unreachable'
  return 'the connection to the relay failed'
}
