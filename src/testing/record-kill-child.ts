// A process that records as the relay does (real clock, timers, the checkpoint worker) while
// `nodes` nodes beat every second, each beat a new height; it prints `queued <ms>` as it goes,
// so a test can SIGKILL it and check what the record kept. Run by src/relay/record/record-kill.test.ts.
import { HistoryRecord } from '../relay/record/record-service.ts'
import { expectedHeight, killTestPeer } from './record.ts'

const dataDir = process.argv[2]
const nodes = Number(process.argv[3] ?? 1000)
if (dataDir == null) throw new Error('usage: record-kill-child.ts <data dir> [nodes]')

const record = new HistoryRecord({ dataDir })
record.start()
const peers = Array.from({ length: nodes }, (_, k) => killTestPeer(k))
const next = peers.map((_, k) => Date.now() + (k * 997) % 1000)

setInterval(() => {
  const now = Date.now()
  for (let k = 0; k < nodes; k++) {
    if ((next[k] ?? Infinity) > now) continue
    const height = expectedHeight(k, now)
    record.heartbeat(peers[k] ?? '', now, { height, head: `{ bafy2bzacea${height} }`, nickname: `kill-${k}`, minerAddress: null, genesisCid: null })
    next[k] = now + 1_000
  }
  // everything at or before this moment is queued
  process.stdout.write(`queued ${now}\n`)
}, 20)
