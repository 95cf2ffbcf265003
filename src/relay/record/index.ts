// The relay's record of history: every change of every node and the events, in SQLite in the
// data dir. See record-service.ts (the service), schema.ts (the tables), writer.ts, reader.ts.
export { HistoryRecord, RecordBusyError, RecordQueries, RecordUnavailableError } from './record-service.ts'
export type { HistoryRecordInit, HistoryRecordStats, PauseReason } from './record-service.ts'
export { InvalidQueryError } from './reader.ts'
export { historyHeaderLine, historyLines, historyNodeLine, SameLines } from './ndjson.ts'
export { DEFAULT_FORKS_PER_REQUEST, DEFAULT_HISTORY_DAYS, DEFAULT_HISTORY_MAX_MB, DEFAULT_HISTORY_POINTS, MAX_EVENTS_PER_REQUEST, MAX_FORKS_PER_REQUEST, MAX_HISTORY_POINTS, RECORD_FILE } from './constants.ts'
export type * from './types.ts'
