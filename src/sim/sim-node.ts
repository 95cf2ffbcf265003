// One simulated devnet node: its identity (derived from the seed), its libp2p node and the
// HeartbeatService that beats for it, and what trouble has done to it. Its head is read from
// the shared chain when it beats: a node holds no tipsets of its own.
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { lightLogger } from '../p2p/logger.ts'
import { devnetYamux } from '../p2p/muxer.ts'
import { HeartbeatService, withGenesisGetter, withMinerAddressGetter } from '../sender/index.ts'
import { MAIN_BRANCH, partialKey } from './chain.ts'
import { nicknameFor } from './nicknames.ts'
import type { SimChain, Tipset } from './chain.ts'
import type { Random } from './random.ts'
import type { TroubleKind } from './scenario.ts'
import type { NodeLogFactory } from './sim-log.ts'
import type { Clock, TipsetInfo } from '../sender/index.ts'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

const log = logger('devnet:sim')

// A share of nodes follow the chain late by one or two blocks, so "behind" is always visible
const SLOW_NODE_SHARE = 0.1
// Share of nodes that run a miner (t0…); the rest send go-filecoin's zero address
const MINER_SHARE = 0.8
// The first miner ID on a Filecoin devnet (t01000, t01001, …)
const FIRST_MINER_ID = 1000

export type NodeState = 'waiting' | 'starting' | 'up' | 'stalled' | 'down' | 'gone'

export interface SimulatedNodeInfo {
  nickname: string
  peerId: string
  /** the peer ID before a restart that changed it */
  previousPeerId?: string
}

/** What every node of one simulation shares. */
export interface SimNodeComponents {
  random: Random
  clock: Clock
  logFor: NodeLogFactory
  /** the simulation's chain; throws before the simulation has started */
  chain: () => SimChain
  /** the simulation is stopping: start nothing new */
  stopped: () => boolean
}

export interface SimNodeInit {
  /** the relay's BeatTarget */
  target: string
  beatPeriod: number | string
  reconnectPeriod: number | string
  blockTimeMs: number
}

export class SimNode {
  readonly index: number
  readonly nickname: string
  readonly minerAddress: string | null
  /** how long after a round this node adopts its tipset */
  readonly delayMs: number
  peerId = ''
  branch = MAIN_BRANCH
  /** set while lagging: the head it is stuck on */
  frozen?: Tipset
  /** sees each round without its last block (a partial step) */
  partial = false
  /** set while on a chain of another genesis: it follows that chain and reports its genesis */
  foreign?: SimChain
  trouble?: TroubleKind
  state: NodeState = 'waiting'
  readonly #components: SimNodeComponents
  readonly #init: SimNodeInit
  /** bumped by a restart that changes the peer ID, so the key changes too */
  #generation = 0
  #privateKey?: PrivateKey
  #libp2p?: Libp2p
  #service?: HeartbeatService
  #controller?: AbortController
  #running?: Promise<void>
  /** beats sent by services this node no longer has */
  #beatsBefore = 0

  constructor (components: SimNodeComponents, init: SimNodeInit, index: number) {
    this.#components = components
    this.#init = init
    this.index = index
    const { random } = components
    const own = random.fork(`node:${index}`)
    const slow = own.chance(SLOW_NODE_SHARE)
    const blockTimeMs = init.blockTimeMs
    this.nickname = nicknameFor(random, index)
    this.minerAddress = own.chance(MINER_SHARE) ? `t0${FIRST_MINER_ID + index}` : null
    this.delayMs = slow ? own.int(blockTimeMs, 2 * blockTimeMs) : own.int(Math.min(100, blockTimeMs / 4), blockTimeMs / 2)
  }

  info (previousPeerId?: string): SimulatedNodeInfo {
    return previousPeerId != null && previousPeerId !== this.peerId
      ? { nickname: this.nickname, peerId: this.peerId, previousPeerId }
      : { nickname: this.nickname, peerId: this.peerId }
  }

  /** Heartbeat lines this node has written, over all its services. */
  get beats (): number {
    return this.#beatsBefore + (this.#service?.beatsSent ?? 0)
  }

  /** Up, with an open heartbeat stream. */
  get connected (): boolean {
    return this.#service?.stream != null && this.state === 'up'
  }

  /** Its key, derived from seed, index and generation: a repeated run has the same peer IDs. */
  async takeIdentity (): Promise<void> {
    this.#privateKey ??= await generateKeyPairFromSeed('Ed25519', this.#components.random.fork(`key:${this.index}:${this.#generation}`).bytes32())
    this.peerId = peerIdFromPrivateKey(this.#privateKey).toString()
  }

  /** The next restart comes back as a new node: a new key, so a new peer ID. */
  newIdentity (): void {
    this.#generation++
    this.#privateKey = undefined
  }

  /** Makes its libp2p node and heartbeat service, and starts beating. */
  async boot (): Promise<void> {
    this.state = 'starting'
    await this.takeIdentity()
    const libp2p = await createLibp2p({
      ...(this.#privateKey != null ? { privateKey: this.#privateKey } : {}),
      // senders only dial; no listener, no port per node
      addresses: { listen: [] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [devnetYamux()],
      // a thousand senders in one process: no per-connection loggers while logging is off, and
      // no pings of their own (a sender's beats show it is there; the relay probes only silent
      // ones, and a sender answers that probe even without a ping handler)
      logger: lightLogger(),
      connectionMonitor: { enabled: false }
    })
    this.peerId = libp2p.peerId.toString()
    if (this.#components.stopped()) {
      await libp2p.stop()
      return
    }
    this.#libp2p = libp2p
    const chain = this.#components.chain()
    this.#service = new HeartbeatService(
      { host: libp2p, clock: this.#components.clock, log: this.#components.logFor(this.nickname) },
      { beatTarget: this.#init.target, beatPeriod: this.#init.beatPeriod, reconnectPeriod: this.#init.reconnectPeriod, nickname: this.nickname },
      () => this.#head(),
      withMinerAddressGetter(() => this.minerAddress),
      withGenesisGetter(() => (this.foreign ?? chain).genesisCid)
    )
    this.run()
  }

  /** Runs its heartbeat service (again, after a stall) until halted or stopped. */
  run (): void {
    const service = this.#service
    if (service == null || this.#components.stopped()) return
    const controller = new AbortController()
    this.#controller = controller
    this.state = 'up'
    this.#running = service.start(controller.signal).catch(err => { log.error('%s: heartbeat service failed: %e', this.nickname, err) })
  }

  /**
   * Stops beating without closing anything, as a hung node does (Go's Run returns on cancel
   * without closing the stream); with keepConnection false its stream is closed too.
   */
  async stall (keepConnection: boolean): Promise<void> {
    this.state = 'stalled'
    this.#controller?.abort()
    if (!keepConnection) await this.#service?.closeStream()
  }

  /** Beats again after a stall, on a fresh stream that replaces the silent one (a relay takes
   *  one heartbeat stream per peer). */
  async recover (): Promise<void> {
    await this.#running
    await this.#service?.closeStream()
    this.trouble = undefined
    this.run()
  }

  /** Stops its service; stops its libp2p node, which closes its connection: the relay sees it go. */
  async halt (state: NodeState): Promise<void> {
    this.state = state
    this.#controller?.abort()
    await this.#running
    this.#beatsBefore += this.#service?.beatsSent ?? 0
    this.#service = undefined
    this.#controller = undefined
    this.#running = undefined
    const libp2p = this.#libp2p
    this.#libp2p = undefined
    await libp2p?.stop()
  }

  /** Stops beating at once; halt() waits for what is under way. */
  abort (): void {
    this.#controller?.abort()
  }

  /** Waits for its heartbeat loop to end (after an abort). */
  async settled (): Promise<void> {
    await this.#running
  }

  /** The head it reports now: the chain as it stood delayMs ago on its branch (or on the chain
   *  of another genesis), or a frozen one; seen in part during a partial step. With it, the
   *  tipset it was built on (whole: its miners saw all of it). */
  #head (): TipsetInfo {
    const at = this.#components.clock.now() - this.delayMs
    const tipset = this.frozen ?? (this.foreign != null ? this.foreign.viewAt(MAIN_BRANCH, at) : this.#components.chain().viewAt(this.branch, at))
    const info: TipsetInfo = { head: this.partial ? partialKey(tipset) : tipset.key, height: tipset.height }
    if (tipset.parent !== undefined) info.parent = tipset.parent
    return info
  }
}
