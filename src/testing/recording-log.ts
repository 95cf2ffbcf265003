// A heartbeat service log that keeps its lines, so a test can count what was logged at which
// level (go-filecoin's log levels and messages are part of what the sender copies).
import type { HeartbeatLogSink } from '../sender/index.ts'

export interface RecordedLog extends HeartbeatLogSink {
  readonly lines: Array<{ level: 'debug' | 'info' | 'warn' | 'error', message: string }>
  count: (level: 'debug' | 'info' | 'warn' | 'error', match?: RegExp) => number
}

export function recordingLog (): RecordedLog {
  const lines: RecordedLog['lines'] = []
  return {
    lines,
    debug: message => { lines.push({ level: 'debug', message }) },
    info: message => { lines.push({ level: 'info', message }) },
    warn: message => { lines.push({ level: 'warn', message }) },
    error: message => { lines.push({ level: 'error', message }) },
    count: (level, match) => lines.filter(line => line.level === level && (match == null || match.test(line.message))).length
  }
}
