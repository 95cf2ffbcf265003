// How soon a watched node whose process stops is offline at the relay, on the watcher's default
// periods: a real Hardhat node (installed on demand, as the tests' is) watched twice, over its
// WebSocket (newHeads) and over HTTP (polling), by a watcher in this process beating to a relay
// process; from just before the node is killed to /api/nodes showing each offline. The watch
// tests check that it goes offline and why; how soon is this row's.
import { join } from 'node:path'
import { removeDir, startRelayProcess, stopAll, tcpTarget, tempDir } from '../e2e/devnet.ts'
import { getJson } from '../src/testing/http.ts'
import { startHardhat } from '../src/testing/real-nodes.ts'
import { waitFor } from '../src/testing/wait-for.ts'
import { recordingWatchLog } from '../src/testing/watch-log.ts'
import { DEFAULT_WATCH_BEAT_PERIOD_MS } from '../src/watch/index.ts'
import { createWatcher } from '../src/watch/watcher.ts'
import type { NodeRecord } from '../src/protocol/index.ts'

export interface NodeDownResult {
  beatPeriodMs: number
  /** ms from the kill to offline at the relay, per way of watching */
  ws: number[]
  http: number[]
}

export async function nodeDownToOffline (options: { samples: number, log: (line: string) => void }): Promise<NodeDownResult> {
  const dataDir = await tempDir()
  const result: NodeDownResult = { beatPeriodMs: DEFAULT_WATCH_BEAT_PERIOD_MS, ws: [], http: [] }
  try {
    const relay = await startRelayProcess({ dataDir })
    const connected = async (): Promise<Map<string, boolean>> =>
      new Map((await getJson<NodeRecord[]>(`${relay.info.httpUrl}/api/nodes`)).map(node => [node.nickname, node.connected]))
    for (let k = 0; k < options.samples; k++) {
      const hardhat = await startHardhat()
      const names = { ws: `hardhat-ws-${k}`, http: `hardhat-http-${k}` }
      const watcher = createWatcher({
        target: tcpTarget(relay.info),
        dataDir: join(dataDir, `watch-${k}`),
        nodes: [{ name: names.ws, kind: 'execution', url: hardhat.wsUrl }, { name: names.http, kind: 'execution', url: hardhat.httpUrl }],
        log: recordingWatchLog()
      })
      try {
        await watcher.start()
        await waitFor('both watches connected at the relay', async () => { const c = await connected(); return c.get(names.ws) === true && c.get(names.http) === true }, 60_000)
        const killedAt = Date.now()
        await hardhat.stop()
        const offlineAt: Partial<Record<'ws' | 'http', number>> = {}
        await waitFor('both offline at the relay', async () => {
          const c = await connected()
          for (const way of ['ws', 'http'] as const) if (c.get(names[way]) === false) offlineAt[way] ??= Date.now()
          return offlineAt.ws !== undefined && offlineAt.http !== undefined
        }, 60_000)
        result.ws.push((offlineAt.ws ?? NaN) - killedAt)
        result.http.push((offlineAt.http ?? NaN) - killedAt)
        options.log(`  sample ${k + 1}: WebSocket ${result.ws.at(-1)} ms, HTTP ${result.http.at(-1)} ms`)
      } finally {
        await watcher.stop()
        await hardhat.stop()
      }
    }
    return result
  } finally {
    await stopAll()
    await removeDir(dataDir)
  }
}
