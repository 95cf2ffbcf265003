// The watcher: every node in the node file watched through its own API (NodeWatch), and beaten
// for to the relay as fil/heartbeat/1.0.0 by a HeartbeatService of its own, with the node's own
// libp2p identity from the data dir. To the relay a watched node is a node like any other. A
// node is beaten for only while its API answers: a node that goes down has its heartbeat
// stream closed at once, so the relay shows it offline; one that comes back dials again and
// beats at once. A new head is beaten at once too, besides every BeatPeriod.
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { logger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { parseTarget } from '../p2p/addresses.ts'
import { lightLogger } from '../p2p/logger.ts'
import { devnetYamux } from '../p2p/muxer.ts'
import { HeartbeatService, withExtraGetter, withMinerAddressGetter } from '../sender/index.ts'
import {
  DEFAULT_WATCH_BEAT_PERIOD_MS, DEFAULT_WATCH_RECONNECT_PERIOD_MS, FAILURE_LOG_INTERVAL_MS, MIN_IMMEDIATE_BEAT_GAP_MS, ROSTER_FILE
} from './constants.ts'
import { createDriver as defaultCreateDriver } from './drivers.ts'
import { NodeKeyStore } from './identity-store.ts'
import { NodeFileReloader } from './node-file-reloader.ts'
import { redactUrl, sameSpec } from './node-file.ts'
import { defaultWatchLog, NodeWatch, sleep } from './node-watch.ts'
import type { NodeFacts } from './facts.ts'
import type { HeartbeatExtra } from '../protocol/index.ts'
import type { WatchedNodeSpec, NodeKind } from './node-file.ts'
import type { DriverFactory, NodeWatchChange, NodeWatchState, WatchLog } from './node-watch.ts'
import type { HeartbeatLogSink } from '../sender/index.ts'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

const debug = logger('devnet:watch:watcher')

export interface WatcherInit {
  /** the relay's BeatTarget, ending in /p2p/<relay peer id> */
  target: string
  /** where the nodes' keys and the roster are kept */
  dataDir: string
  /** the node file, reloaded on every edit; or */
  nodesFile?: string
  /** a fixed list (embedders, tests) */
  nodes?: WatchedNodeSpec[]
  /** every watched node's BeatPeriod, ms; default 3 s (go-filecoin's) */
  beatPeriodMs?: number
  /** every watched node's ReconnectPeriod to the relay, ms; default 10 s (go-filecoin's) */
  reconnectPeriodMs?: number
  /** a node without subscriptions is polled this often; default 1 s */
  pollIntervalMs?: number
  /** each request to a node API; default half the beat period */
  requestTimeoutMs?: number
  /** API reconnect backoff bounds (tests shorten them) */
  apiReconnectMinMs?: number
  apiReconnectMaxMs?: number
  /** where tokens are read from (tokenEnv); default process.env */
  env?: Record<string, string | undefined>
  log?: WatchLog
  createDriver?: DriverFactory
  /** called with the roster after every list applied (the relay's expected nodes) */
  onRoster?: (roster: RosterEntry[]) => void
}

/** A node the relay should expect: its nickname and the peer ID it beats with. */
export interface RosterEntry {
  name: string
  peerId: string
}

export interface WatchedNodeInfo {
  name: string
  kind: NodeKind
  /** the peer ID its heartbeats come from */
  peerId: string
  /** its API answers */
  up: boolean
  /** a heartbeat stream to the relay is open */
  beating: boolean
  head: string
  height: number
  /** the head's parent, where its API gave it */
  parent: string | undefined
  facts: NodeFacts
  /** why its API is down, when it is */
  error: string | undefined
  beatsSent: number
}

export interface Watcher {
  /** Loads the node file (throws NodeFileError on a bad one) and starts every node. */
  start: () => Promise<void>
  stop: () => Promise<void>
  nodes: () => WatchedNodeInfo[]
  roster: () => RosterEntry[]
  /** the file the roster is written to */
  readonly rosterFile: string
}

/** What the API told of the node, as the heartbeat's optional fields (only what is known). */
export function extraOf (facts: NodeFacts): HeartbeatExtra | undefined {
  const extra: HeartbeatExtra = {}
  if (facts.client != null) extra.client = facts.client
  if (facts.clientVersion != null) extra.clientVersion = facts.clientVersion
  if (facts.nodePeerId != null) extra.nodePeerId = facts.nodePeerId
  if (facts.syncing != null) extra.syncing = facts.syncing
  if (facts.finalizedHeight != null) extra.finalizedHeight = facts.finalizedHeight
  return Object.keys(extra).length > 0 ? extra : undefined
}

class WatchedNode {
  readonly spec: WatchedNodeSpec
  readonly peerId: string
  readonly watch: NodeWatch
  readonly #key: PrivateKey
  readonly #owner: WatcherImpl
  #libp2p: Libp2p | undefined
  #service: HeartbeatService | undefined
  #session: AbortController | undefined
  #running: Promise<void> | undefined
  #lastImmediate = -Infinity
  #immediateTimer: ReturnType<typeof setTimeout> | undefined
  #stopped = false

  constructor (owner: WatcherImpl, spec: WatchedNodeSpec, key: PrivateKey, token: string | undefined) {
    this.#owner = owner
    this.spec = spec
    this.#key = key
    this.peerId = peerIdFromPrivateKey(key).toString()
    this.watch = new NodeWatch({
      spec,
      token,
      createDriver: owner.createDriver,
      onChange: (change, state) => { this.#onChange(change, state) },
      beatPeriodMs: owner.beatPeriodMs,
      ...(owner.init.pollIntervalMs != null ? { pollIntervalMs: owner.init.pollIntervalMs } : {}),
      ...(owner.init.requestTimeoutMs != null ? { requestTimeoutMs: owner.init.requestTimeoutMs } : {}),
      ...(owner.init.apiReconnectMinMs != null ? { reconnectMinMs: owner.init.apiReconnectMinMs } : {}),
      ...(owner.init.apiReconnectMaxMs != null ? { reconnectMaxMs: owner.init.apiReconnectMaxMs } : {}),
      log: owner.log
    })
  }

  get beating (): boolean {
    return this.#service?.stream != null
  }

  get beatsSent (): number {
    return this.#service?.beatsSent ?? 0
  }

  start (): void {
    this.watch.start()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    await this.watch.stop()
    await this.#endSession()
    const libp2p = this.#libp2p
    this.#libp2p = undefined
    await libp2p?.stop()
  }

  #onChange (change: NodeWatchChange, state: Readonly<NodeWatchState>): void {
    if (this.#stopped) return
    if (change === 'up') {
      this.#startSession()
    } else if (change === 'down') {
      void this.#endSession()
    } else {
      // a new head, or what the node says of itself (syncing, finalized, version) changed
      this.#beatSoon()
    }
    debug('%s: %s (head %s at %d)', this.spec.name, change, state.head, state.height)
  }

  /** A beat now, or as soon as the gap since the last one allows (the latest head then). */
  #beatSoon (): void {
    if (this.#immediateTimer != null) return
    const wait = this.#lastImmediate + MIN_IMMEDIATE_BEAT_GAP_MS - Date.now()
    if (wait <= 0) {
      this.#lastImmediate = Date.now()
      this.#service?.beatNow()
      return
    }
    this.#immediateTimer = setTimeout(() => {
      this.#immediateTimer = undefined
      this.#lastImmediate = Date.now()
      this.#service?.beatNow()
    }, wait)
  }

  #startSession (): void {
    if (this.#session != null) return
    const session = new AbortController()
    this.#session = session
    // a session that is still closing (a node down and up again at once) finishes first, so
    // its hang-up cannot cut the new connection
    const previous = this.#running
    this.#running = (async () => {
      await previous
      if (!session.signal.aborted) await this.#beat(session.signal)
    })().catch(err => { debug.error('%s: heartbeat loop failed: %e', this.spec.name, err) })
  }

  async #endSession (): Promise<void> {
    if (this.#immediateTimer != null) clearTimeout(this.#immediateTimer)
    this.#immediateTimer = undefined
    const session = this.#session
    this.#session = undefined
    session?.abort()
    await this.#running
  }

  async #host (): Promise<Libp2p> {
    this.#libp2p ??= await createLibp2p({
      privateKey: this.#key,
      // it only dials: no listener, no port per watched node
      addresses: { listen: [] },
      transports: [tcp(), webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [devnetYamux()],
      // many nodes in one process: no per-connection loggers while logging is off, and no pings
      // (a node's beats show it is there; the relay probes only silent ones)
      logger: lightLogger(),
      connectionMonitor: { enabled: false }
    })
    return this.#libp2p
  }

  /** Beats while the session lasts: connect, run, and redial every ReconnectPeriod on loss. */
  async #beat (signal: AbortSignal): Promise<void> {
    const host = await this.#host()
    if (signal.aborted) return
    const service = this.#service ??= new HeartbeatService(
      { host, log: this.#owner.heartbeatLog(this.spec.name) },
      { beatTarget: this.#owner.init.target, beatPeriod: this.#owner.beatPeriodMs, reconnectPeriod: this.#owner.reconnectPeriodMs, nickname: this.spec.name },
      () => {
        const { head, height, parent } = this.watch.state
        return parent === undefined ? { head, height } : { head, height, parent }
      },
      withMinerAddressGetter(() => this.spec.miner ?? null),
      withExtraGetter(() => extraOf(this.watch.state.facts))
    )
    try {
      while (!signal.aborted) {
        try {
          await service.connect({ signal: AbortSignal.any([signal, AbortSignal.timeout(this.#owner.reconnectPeriodMs)]) })
        } catch (err) {
          if (signal.aborted) break
          this.#owner.relayUnreachable(this.spec.name, err as Error)
          await sleep(this.#owner.reconnectPeriodMs, signal)
          continue
        }
        const running = service.run(signal)
        // what the node has is news to the relay: beat it now, not a BeatPeriod from now
        this.#lastImmediate = Date.now()
        service.beatNow()
        const err = await running
        if (err != null && !signal.aborted) {
          this.#owner.relayUnreachable(this.spec.name, err)
          await sleep(this.#owner.reconnectPeriodMs, signal)
        }
      }
    } finally {
      // the relay shows the node offline as soon as its heartbeat stream closes
      await service.closeStream()
      const { peerId } = parseTarget(this.#owner.init.target)
      await host.hangUp(peerId).catch(() => {})
    }
  }
}

class WatcherImpl implements Watcher {
  readonly init: WatcherInit
  readonly log: WatchLog
  readonly createDriver: DriverFactory
  readonly beatPeriodMs: number
  readonly reconnectPeriodMs: number
  readonly rosterFile: string
  readonly #nodes = new Map<string, WatchedNode>()
  #store: NodeKeyStore | undefined
  #reloader: NodeFileReloader | undefined
  /** lists are applied one after another */
  #applying: Promise<void> = Promise.resolve()
  #stopped = false
  #relayFailures = 0
  #relayLoggedAt = -Infinity

  constructor (init: WatcherInit) {
    parseTarget(init.target)
    if (init.nodesFile == null && init.nodes == null) throw new Error('the watcher needs nodesFile or nodes')
    this.init = init
    this.log = init.log ?? defaultWatchLog
    this.createDriver = init.createDriver ?? defaultCreateDriver
    this.beatPeriodMs = init.beatPeriodMs ?? DEFAULT_WATCH_BEAT_PERIOD_MS
    this.reconnectPeriodMs = init.reconnectPeriodMs ?? DEFAULT_WATCH_RECONNECT_PERIOD_MS
    this.rosterFile = join(init.dataDir, ROSTER_FILE)
  }

  async start (): Promise<void> {
    await mkdir(this.init.dataDir, { recursive: true })
    this.#store = await NodeKeyStore.open(this.init.dataDir)
    let nodes = this.init.nodes ?? []
    if (this.init.nodesFile != null) {
      const reloader = new NodeFileReloader({
        file: this.init.nodesFile,
        onChange: list => {
          this.log.info(`node file changed: now watching ${list.length} node(s)`)
          this.#apply(list)
        },
        onError: err => { this.log.warn(`${err.message}; keeping the last good list (${this.#nodes.size} node(s))`) }
      })
      nodes = await reloader.load()
      this.#reloader = reloader
    }
    this.#apply(nodes)
    await this.#applying
    this.#reloader?.start()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    this.#reloader?.stop()
    await this.#applying
    await Promise.all([...this.#nodes.values()].map(async node => { await node.stop() }))
    this.#nodes.clear()
  }

  nodes (): WatchedNodeInfo[] {
    return [...this.#nodes.values()].map(node => {
      const state = node.watch.state
      return {
        name: node.spec.name,
        kind: node.spec.kind,
        peerId: node.peerId,
        up: state.up,
        beating: node.beating,
        head: state.head,
        height: state.height,
        parent: state.parent,
        facts: { ...state.facts },
        error: state.error?.message,
        beatsSent: node.beatsSent
      }
    })
  }

  roster (): RosterEntry[] {
    return [...this.#nodes.values()].map(node => ({ name: node.spec.name, peerId: node.peerId }))
  }

  /** The heartbeat service's own lines: connect details at debug. */
  heartbeatLog (name: string): HeartbeatLogSink {
    return {
      debug: message => { debug.trace('%s: %s', name, message) },
      info: message => { debug('%s: %s', name, message) },
      warn: message => { debug('%s: %s', name, message) },
      error: message => { debug('%s: %s', name, message) }
    }
  }

  /** The relay could not be reached for a node: one line a minute for all nodes together. */
  relayUnreachable (name: string, err: Error): void {
    this.#relayFailures++
    const now = Date.now()
    if (now - this.#relayLoggedAt < FAILURE_LOG_INTERVAL_MS) return
    this.#relayLoggedAt = now
    this.log.warn(`cannot beat to the relay at ${this.init.target} (${name}: ${err.message}); ${this.#relayFailures} failed attempt(s) in the last minute, retrying every ${this.reconnectPeriodMs / 1000} s`)
    this.#relayFailures = 0
  }

  #apply (list: WatchedNodeSpec[]): void {
    this.#applying = this.#applying.then(async () => {
      if (this.#stopped) return
      await this.#applyNow(list)
    }).catch(err => { this.log.warn(`could not apply the node list: ${(err as Error).message}`) })
  }

  async #applyNow (list: WatchedNodeSpec[]): Promise<void> {
    const store = this.#store
    if (store == null) return
    const wanted = new Map(list.map(spec => [spec.name, spec]))
    const going: WatchedNode[] = []
    for (const [name, node] of this.#nodes) {
      const spec = wanted.get(name)
      if (spec == null || !sameSpec(spec, node.spec)) {
        going.push(node)
        this.#nodes.delete(name)
      }
    }
    await Promise.all(going.map(async node => {
      debug('%s: %s', node.spec.name, wanted.has(node.spec.name) ? 'changed; restarting its watch' : 'removed from the node file')
      await node.stop()
    }))
    const keys = await store.keysFor(list.map(spec => spec.name))
    const env = this.init.env ?? process.env
    for (const spec of list) {
      if (this.#nodes.has(spec.name)) continue
      const key = keys.get(spec.name)
      if (key == null) continue
      let token: string | undefined
      if (spec.tokenEnv != null) {
        token = env[spec.tokenEnv]
        // the variable's name may be printed; its value never is
        if (token == null || token === '') this.log.warn(`${spec.name}: ${spec.tokenEnv} is not set; calling ${redactUrl(spec.url)} without a token`)
      }
      const node = new WatchedNode(this, spec, key, token === '' ? undefined : token)
      this.#nodes.set(spec.name, node)
      node.start()
    }
    await this.#writeRoster()
  }

  async #writeRoster (): Promise<void> {
    const roster = this.roster()
    const tmp = `${this.rosterFile}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify({ nodes: roster }, null, 2) + '\n')
    await rename(tmp, this.rosterFile)
    this.init.onRoster?.(roster)
  }
}

/** Builds (does not start) a watcher. Throws InvalidTargetError for a bad target. */
export function createWatcher (init: WatcherInit): Watcher {
  return new WatcherImpl(init)
}
