// The relay's history across what happens to relays: a clean restart and a SIGKILL while a
// few hundred nodes beat. What was recorded before is still in /api/history, /api/state and
// /api/events after, and the record opens as it was.
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parseHistoryHeader, parseHistorySeries, parseStateAnswer, parseEventsAnswer } from '../protocol/history.ts'
import { GoodSwarm } from '../testing/good-swarm.ts'
import { getMetric } from '../testing/http.ts'
import { spawnRelayProcess } from '../testing/relay-process.ts'
import { waitFor } from '../testing/wait-for.ts'
import type { RelayProcess } from '../testing/relay-process.ts'

const NODES = 300
const BEAT_MS = 250

async function state (relay: RelayProcess, at: number): Promise<Map<string, { height: number, connected: boolean }>> {
  const answer = parseStateAnswer(await (await fetch(`${relay.httpUrl}/api/state?at=${at}`)).json())
  return new Map(answer.nodes.map(n => [n.peerId, n]))
}

/** Beats every BEAT_MS, remembering when each height went out (wall clock). */
function beating (swarm: GoodSwarm): { sent: Array<[height: number, at: number]>, stop: () => void } {
  const sent: Array<[number, number]> = [[swarm.height, Date.now()]]
  const timer = setInterval(() => {
    swarm.beat()
    sent.push([swarm.height, Date.now()])
  }, BEAT_MS)
  return { sent, stop: () => { clearInterval(timer) } }
}

describe('the relay\'s history across restarts', () => {
  it('keeps what it recorded before a SIGKILL under load (but the last second) and before a clean stop', { timeout: 240_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'devnet-history-'))
    let relay = await spawnRelayProcess(['--data-dir', dataDir])
    const tcp = relay.nodeAddrs.find(a => !a.includes('/ws')) ?? ''
    let swarm = await GoodSwarm.start(NODES, tcp, { prefix: 'kept' })
    let beats = beating(swarm)
    const startedAt = Date.now()
    try {
      await waitFor('the relay to record every node', async () => (await state(relay, Date.now())).size === NODES, 60_000)
      // several seconds of load, through flushes, minute closes and checkpoints
      await waitFor('6 s of beats', () => Date.now() - startedAt > 6_000 ? true : undefined, 30_000)
      // what the relay had taken in (on a loaded machine, beats reach it late): a second and a
      // bit later it dies, and all of this must be in the record
      const accepted = new Map((await (await fetch(`${relay.httpUrl}/api/nodes`)).json() as Array<{ peerId: string, height: number }>).map(n => [n.peerId, n.height]))
      const acceptedAt = Date.now()
      await waitFor('a second and a bit after', () => Date.now() - acceptedAt >= 1_200 ? true : undefined)
      await relay.kill('SIGKILL')
      const killedAt = Date.now()
      beats.stop()
      await swarm.stop()

      relay = await spawnRelayProcess(['--data-dir', dataDir])
      assert.deepEqual(readdirSync(dataDir).filter(f => f.includes('damaged')), [], 'the record opened as it was')
      // every beat the relay had taken more than a second before the kill is in the record
      const after = await state(relay, killedAt)
      assert.equal(after.size, NODES)
      const short = [...after.entries()].filter(([peer, n]) => n.height < (accepted.get(peer) ?? Infinity))
      assert.deepEqual(short.map(([peer, n]) => `${peer}: ${n.height} < ${accepted.get(peer) ?? '?'}`), [], 'every node at least where the relay had it a second before it died')
      // the window before: each node's heights as they were sent
      const res = await fetch(`${relay.httpUrl}/api/history?from=${startedAt}&to=${killedAt - 1_500}&points=40`)
      const lines = (await res.text()).trim().split('\n')
      const header = parseHistoryHeader(JSON.parse(lines[0] ?? ''))
      assert.equal(lines.length, NODES + 1)
      for (const line of lines.slice(1)) {
        const s = parseHistorySeries(JSON.parse(line), header)
        const last = s.heights.at(-1) ?? -1
        // several seconds of rising heights before the window's end
        assert.ok(last > (s.heights[0] ?? Infinity) && s.heights.length > 10, `${s.peerId}: ${s.heights.join(',')}`)
        assert.ok(s.heights.every((h, k) => k === 0 || h >= (s.heights[k - 1] ?? 0)), 'heights only rose')
      }
      // the events: every node joined, and the relay's absence is said
      const events = parseEventsAnswer(await (await fetch(`${relay.httpUrl}/api/events?from=${startedAt - 60_000}`)).json()).events
      assert.equal(events.filter(e => e.kind === 'joined').length, NODES)
      const gap = events.find(e => e.kind === 'record_gap')
      assert.equal(gap?.data?.reason, 'relay_down')
      // from its last write: after it last answered us, before it died
      assert.ok(Number(gap?.data?.from) >= acceptedAt - 1_000 && Number(gap?.data?.from) <= killedAt, `gap from ${String(gap?.data?.from)}, answered at ${acceptedAt}, killed at ${killedAt}`)
      // nodes the relay did not hear while it was down are offline in the record from then
      assert.ok([...(await state(relay, killedAt + 100)).values()].every(n => !n.connected))
      // and /api/state says the moment is in the record's gap, so the page can say why
      const inGap = parseStateAnswer(await (await fetch(`${relay.httpUrl}/api/state?at=${killedAt + 100}`)).json())
      assert.equal(inGap.gap?.reason, 'relay_down')
      assert.equal(inGap.gap?.from, Number(gap?.data?.from))

      // the nodes come back; a clean stop keeps everything
      swarm = await GoodSwarm.start(NODES, relay.nodeAddrs.find(a => !a.includes('/ws')) ?? '', { prefix: 'back' })
      beats = beating(swarm)
      await waitFor('the new nodes in the record', async () => (await state(relay, Date.now())).size === 2 * NODES, 60_000)
      await waitFor('2 s of beats', () => Date.now() - (beats.sent[0]?.[1] ?? 0) > 2_000 ? true : undefined, 30_000)
      beats.stop()
      const lastHeight = swarm.height
      await waitFor('the last beat recorded', async () => [...(await state(relay, Date.now())).values()].filter(n => n.height === lastHeight).length === NODES, 15_000)
      assert.ok(await getMetric(relay.httpUrl, 'devnet_record_changes_written_total') > 0)
      await relay.kill('SIGTERM')
      const stoppedAt = Date.now()
      await swarm.stop()
      relay = await spawnRelayProcess(['--data-dir', dataDir])
      const kept = [...(await state(relay, stoppedAt)).values()].filter(n => n.height === lastHeight)
      assert.equal(kept.length, NODES, 'a clean stop loses nothing')
    } finally {
      beats.stop()
      await swarm.stop().catch(() => {})
      await relay.kill('SIGKILL')
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
