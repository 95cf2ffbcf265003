// The fork panel as it was at a moment (/api/branches?at=, shown by the page's ?at=). The
// record keeps every change of height and head, not the fork monitor's state, so the state is
// rebuilt: the nodes as they were BRANCHES_LOOKBACK_MS before the moment, then every recorded
// change up to it played into a fresh ForkMonitor, evaluated every EVALUATE_STEP_MS of record
// time as the live relay evaluates it. A beat that changed nothing was not recorded; the record
// says instead whether a node was beating (connected, not stale), so a beating node beats its
// head again every DEFAULT_BEAT_PERIOD_MS of record time, as replay's do (replay-target.ts):
// else a side of a fork that makes no new block would look silent, and be dropped from it.
// Heads go in with their parents where the record has them
// (senders that report ParentHead, recorded since schema 3), so a split is called after one
// block on each side as the live monitor calls it; without (older senders, older records) the
// monitor's two-block evidence, as live. The open fork's id, start and call are then the fork
// log's (the live relay's numbering), not the rebuilt monitor's.
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { DEFAULT_BEAT_PERIOD_MS } from '../protocol/status-rules.ts'
import { ForkMonitor } from './fork-monitor.ts'
import type { BranchesAnswer, ForkRecord } from '../protocol/forks.ts'
import type { ForksQuery, NodeAt } from './record/index.ts'
import type { ReplayChange } from './record/reader.ts'

// as far back as the rebuilt monitor starts: the panel's 12 heights at blocks up to 25 s
export const BRANCHES_LOOKBACK_MS = 5 * 60_000
// how often the rebuilt monitor is evaluated, in record time: 300 evaluations over the lookback
// (a live relay evaluates 4 a second; a fork is called a little later here, never missed)
const EVALUATE_STEP_MS = 1_000
// evaluations between two turns of the event loop (1,000 nodes: a few ms each), so heartbeats
// are taken while a panel is rebuilt
const EVALUATIONS_PER_TURN = 8
// the fork log searched for the fork open at the moment: as far back as the record keeps by default
const FORK_LOG_LOOKBACK_MS = 7 * 24 * 3_600_000

/** What rebuilding the panel reads of a record (the recording relay's, or replay's). */
export interface BranchesRecord {
  stateAt: (at: number) => Promise<NodeAt[]>
  changes: (from: number, to: number, signal?: AbortSignal) => AsyncIterable<ReplayChange[]>
  forks?: (query: ForksQuery) => Promise<ForkRecord[]>
}

/** A node as the rebuilt monitor was last told of it. */
interface Rebuilt {
  readonly i: number
  genesis: string | null
  height: number
  /** '' before its first beat */
  head: string
  parent: string | undefined
  connected: boolean
  stale: boolean
  beatAt: number
}

/** The fork panel of every network at `at`, as the record has the nodes' heads before it. */
export async function branchesAt (record: BranchesRecord, at: number, signal?: AbortSignal): Promise<BranchesAnswer> {
  const from = at - BRANCHES_LOOKBACK_MS
  const monitor = new ForkMonitor()
  const peers: string[] = []
  const nodes = new Map<string, Rebuilt>()
  const nodeOf = (peerId: string): Rebuilt => {
    let node = nodes.get(peerId)
    if (node === undefined) {
      node = { i: peers.push(peerId) - 1, genesis: null, height: 0, head: '', parent: undefined, connected: false, stale: false, beatAt: -Infinity }
      nodes.set(peerId, node)
    }
    return node
  }
  const beat = (node: Rebuilt, t: number): void => {
    node.beatAt = t
    node.connected = true
    monitor.beat(node.i, node.genesis, node.height, node.head, t, node.parent)
  }

  for (const state of await record.stateAt(from)) {
    const node = nodeOf(state.peerId)
    node.genesis = state.genesisCid
    node.height = state.height
    node.head = state.head
    node.parent = state.parentHead
    node.stale = state.stale
    if (state.connected) beat(node, Math.min(from, state.lastHeartbeatAt))
  }
  let next = from + EVALUATE_STEP_MS
  let evaluated = 0
  const evaluateUntil = async (t: number): Promise<void> => {
    for (; next <= t; next += EVALUATE_STEP_MS) {
      // nodes that were beating beat their head again (the record kept only changes)
      for (const node of nodes.values()) {
        if (node.connected && !node.stale && node.head !== '' && next - node.beatAt >= DEFAULT_BEAT_PERIOD_MS) beat(node, next)
      }
      monitor.evaluate(next)
      if (++evaluated % EVALUATIONS_PER_TURN === 0) {
        await yieldToLoop()
        signal?.throwIfAborted()
      }
    }
  }
  for await (const batch of record.changes(from, at, signal)) {
    for (const change of batch) {
      if (change.t >= next) await evaluateUntil(change.t)
      const node = nodeOf(change.peerId)
      switch (change.kind) {
        case 'beat':
          node.height = change.height
          node.head = change.head
          node.parent = change.parent
          node.stale = false
          beat(node, change.t)
          break
        case 'info':
          node.genesis = change.info.genesisCid
          break
        case 'connected':
          node.connected = true
          node.stale = false
          monitor.connected(node.i, change.t)
          break
        case 'disconnected':
          node.connected = false
          node.stale = false
          monitor.disconnected(node.i)
          break
        case 'stale':
          node.stale = true
          break
        case 'back':
          node.stale = false
          break
        case 'forgotten':
          // heard again, it is a new node to the monitor (under the same index in the answer)
          monitor.forget(node.i)
          Object.assign(node, { height: 0, head: '', parent: undefined, connected: false, stale: false, beatAt: -Infinity })
          break
      }
    }
  }
  await evaluateUntil(at - 1)
  monitor.evaluate(at)
  const networks = monitor.panels(at)

  // the fork open then as the log has it: the id the live relay gave it, its start and call
  const logged = record.forks == null ? [] : await record.forks({ from: at - FORK_LOG_LOOKBACK_MS, to: at, limit: 20 })
  for (const panel of networks) {
    if (panel.fork === null) continue
    const open = logged.find(fork => fork.endedAt === null && fork.genesis === panel.genesis)
    if (open !== undefined) panel.fork = { ...panel.fork, id: open.id, startedAt: open.startedAt, calledAt: open.calledAt }
  }
  // each node's median propagation then: the live relay's `prop`, from the recorded times of
  // new heads (the re-beats above repeat a head a node had, so they measure nothing)
  return { at, peers, networks, medians: monitor.medians() }
}
