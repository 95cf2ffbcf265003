// Helpers for the watcher's tests (not a test file itself).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { WatchLog } from '../node-watch.ts'

export interface RecordedWatchLog extends WatchLog {
  readonly lines: Array<{ level: 'info' | 'warn', message: string }>
  count: (match: RegExp) => number
  text: () => string
}

export function recordingWatchLog (): RecordedWatchLog {
  const lines: RecordedWatchLog['lines'] = []
  return {
    lines,
    info: message => { lines.push({ level: 'info', message }) },
    warn: message => { lines.push({ level: 'warn', message }) },
    count: match => lines.filter(line => match.test(line.message)).length,
    text: () => lines.map(line => `${line.level}: ${line.message}`).join('\n')
  }
}

export async function tempDir (prefix = 'devnet-watch-'): Promise<{ dir: string, remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, remove: async () => { await rm(dir, { recursive: true, force: true }) } }
}
