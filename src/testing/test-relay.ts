// A real relay in the test's own process, on free loopback ports with a fresh data dir.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRelay } from '../relay/index.ts'
import type { Relay, RelayInit } from '../relay/index.ts'

export interface TestRelay extends Relay {
  dataDir: string
  /** stops the relay and removes its data dir */
  destroy: () => Promise<void>
}

/** A relay on free loopback ports with a fresh data dir (or the given one). */
export async function startTestRelay (init: Partial<RelayInit> = {}): Promise<TestRelay> {
  const dataDir = init.dataDir ?? await mkdtemp(join(tmpdir(), 'devnet-relay-'))
  const relay = await startRelay({ host: '127.0.0.1', httpPort: 0, tcpPort: 0, wsPort: 0, ...init, dataDir })
  return Object.assign(relay, {
    dataDir,
    destroy: async () => {
      await relay.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
}
