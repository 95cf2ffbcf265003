// `relay --watch <file>`: the watcher in the relay's process, beating to the relay over the
// wire like any other nodes (every bound and allowlist of that way applies), its keys in
// <relay data dir>/watch. Its nodes are the relay's expected roster from the start.
import { join } from 'node:path'
import { createWatcher } from '../watch/index.ts'
import { consoleWatchLog, describeWatched } from './watch-command.ts'
import type { RosterEntry } from '../watch/index.ts'

export interface EmbeddedWatch {
  stop: () => Promise<void>
  lines: string[]
}

export async function startEmbeddedWatch (target: string, nodesFile: string, relayDataDir: string, onRoster?: (roster: RosterEntry[]) => void): Promise<EmbeddedWatch> {
  const watcher = createWatcher({
    target,
    dataDir: join(relayDataDir, 'watch'),
    nodesFile,
    log: consoleWatchLog,
    ...(onRoster != null ? { onRoster } : {})
  })
  await watcher.start()
  return {
    stop: async () => { await watcher.stop() },
    lines: [`  watching ${watcher.nodes().length} node(s) from ${nodesFile} (edits picked up as it runs):`, ...describeWatched(watcher)]
  }
}
