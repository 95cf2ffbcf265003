// The fork panel as it was at a moment (/api/branches?at=, shown by the page's ?at=). The
// record keeps every change of height and head, not the fork monitor's state, so the state is
// rebuilt: the nodes as they were BRANCHES_LOOKBACK_MS before the moment, then every recorded
// change up to it played into a fresh ForkMonitor, evaluated every EVALUATE_STEP_MS of record
// time as the live relay evaluates it. The open fork's id, start and call are then the fork
// log's (the live relay's numbering), not the rebuilt monitor's.
import { setImmediate as yieldToLoop } from 'node:timers/promises'
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

/** The fork panel of every network at `at`, as the record has the nodes' heads before it. */
export async function branchesAt (record: BranchesRecord, at: number, signal?: AbortSignal): Promise<BranchesAnswer> {
  const from = at - BRANCHES_LOOKBACK_MS
  const monitor = new ForkMonitor()
  const peers: string[] = []
  const index = new Map<string, number>()
  const genesis = new Map<string, string | null>()
  const indexOf = (peerId: string): number => {
    let i = index.get(peerId)
    if (i === undefined) {
      i = peers.push(peerId) - 1
      index.set(peerId, i)
    }
    return i
  }

  for (const node of await record.stateAt(from)) {
    genesis.set(node.peerId, node.genesisCid)
    if (node.connected) monitor.beat(indexOf(node.peerId), node.genesisCid, node.height, node.head, Math.min(from, node.lastHeartbeatAt))
  }
  let next = from + EVALUATE_STEP_MS
  let evaluated = 0
  const evaluateUntil = async (t: number): Promise<void> => {
    for (; next <= t; next += EVALUATE_STEP_MS) {
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
      switch (change.kind) {
        case 'beat':
          monitor.beat(indexOf(change.peerId), genesis.get(change.peerId) ?? null, change.height, change.head, change.t)
          break
        case 'info':
          genesis.set(change.peerId, change.info.genesisCid)
          break
        case 'connected':
          monitor.connected(indexOf(change.peerId), change.t)
          break
        case 'disconnected':
          monitor.disconnected(indexOf(change.peerId))
          break
        case 'forgotten':
          monitor.forget(indexOf(change.peerId))
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
  return { at, peers, networks }
}
