// Two real Lodestar 1.5.1 beacon nodes on one dev chain (6 s slots), half the validators each
// and not peered, watched through a relay process (`relay --watch`): each builds its own branch
// until the test joins them (`b.connect(a)`), and then one reorgs onto the other's
// (lodestar.spec.ts: what the watcher reports of them, and the fork monitor's view). Lodestar
// is installed on demand outside the project (scripts/real-nodes.ts), once.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { spawnRelayProcess } from '../src/testing/relay-process.ts'
import { startLodestar } from '../src/testing/real-nodes.ts'
import type { RelayProcess } from '../src/testing/relay-process.ts'
import type { LodestarNode } from '../src/testing/real-nodes.ts'

export const LODESTAR_NAMES = ['lodestar-a', 'lodestar-b'] as const

export interface SplitLodestar {
  a: LodestarNode
  b: LodestarNode
  relay: RelayProcess
  /** the relay, then both nodes; each stopped by its own PID */
  stop: () => Promise<void>
}

/** Starts the pair and a relay that watches them; stops what it started if a piece fails. */
export async function startSplitLodestar (dataDir: string): Promise<SplitLodestar> {
  // the nodes take ~10 s to start; a genesis they miss by a little is fine (they start mid-chain)
  const genesisTime = Math.floor(Date.now() / 1000) + 20
  const started = await Promise.allSettled([
    startLodestar({ genesisTime, validators: '0..3', dataDir: join(dataDir, 'a') }),
    startLodestar({ genesisTime, validators: '4..7', dataDir: join(dataDir, 'b') })
  ])
  const nodes = started.flatMap(result => result.status === 'fulfilled' ? [result.value] : [])
  const stopNodes = async (): Promise<void> => { await Promise.all(nodes.map(async node => { await node.stop() })) }
  const [a, b] = nodes
  if (a === undefined || b === undefined) {
    await stopNodes()
    throw started.flatMap(result => result.status === 'rejected' ? [result.reason] : [])[0]
  }
  try {
    const file = join(dataDir, 'nodes.json')
    await writeFile(file, JSON.stringify({ nodes: [
      { name: LODESTAR_NAMES[0], kind: 'beacon', url: a.restUrl },
      { name: LODESTAR_NAMES[1], kind: 'beacon', url: b.restUrl }
    ] }))
    const relay = await spawnRelayProcess(['--data-dir', join(dataDir, 'relay'), '--watch', file])
    return { a, b, relay, stop: async () => { await relay.kill(); await stopNodes() } }
  } catch (err) {
    await stopNodes()
    throw err
  }
}
