// The watcher's log, recorded for tests that check what it says (and what it never says).
import type { WatchLog } from '../watch/index.ts'

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
