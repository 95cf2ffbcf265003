// The record against what really goes wrong: a process killed with SIGKILL while it writes,
// and a filesystem that fills up.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { waitFor } from '../../testing/wait-for.ts'
import { FULL_DISK_RETRY_MS, RECORD_FILE } from './constants.ts'
import { expectedHeight, FakeClock, headOf, killTestPeer, manualRecord, T0, tempDir } from '../../testing/record.ts'

const CHILD = fileURLToPath(new URL('../../testing/record-kill-child.ts', import.meta.url))

describe('history record under SIGKILL', () => {
  it('opens cleanly after a SIGKILL while 1,000 nodes beat, and lost at most the last second', async () => {
    const { dir, remove } = await tempDir()
    const nodes = 1_000
    const child = spawn(process.execPath, [CHILD, dir, String(nodes)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let queued = 0
    let firstQueued = 0
    let buffer = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        const t = Number(line.slice('queued '.length))
        if (firstQueued === 0) firstQueued = t
        queued = t
      }
    })
    const exited = new Promise<NodeJS.Signals | null>(resolve => child.once('exit', (_code, signal) => { resolve(signal) }))
    try {
      // several seconds of writing, through a few flushes and checkpoints
      await waitFor('the child to record for 4 s', () => firstQueued > 0 && queued - firstQueued >= 4_000, 60_000)
      const killedAfter = queued
      child.kill('SIGKILL')
      assert.equal(await exited, 'SIGKILL')
      const last = Math.max(killedAfter, queued)

      const db = new DatabaseSync(join(dir, RECORD_FILE))
      assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok')
      db.close()

      const clock = new FakeClock(last + 5_000)
      const record = manualRecord(dir, clock)
      assert.equal(record.stats.movedAside, undefined, 'the file opened as it was')
      assert.equal(record.stats.paused, undefined)
      // every node beat in the second before `at`: that beat must be in the record
      const at = last - 1_000
      const state = await record.stateAt(at)
      assert.equal(state.length, nodes)
      // the child's 20 ms timer under load may beat a little late: 300 ms of slack
      const late = state.filter(n => n.lastChangeAt < at - 1_000 - 300)
      assert.deepEqual(late.map(n => `${n.peerId}: ${at - n.lastChangeAt} ms`), [], 'no beat older than a second before the kill is missing')
      for (const n of state) {
        const k = Number(n.peerId.slice('12D3KooWKillTest'.length, '12D3KooWKillTest'.length + 5))
        assert.equal(n.peerId, killTestPeer(k))
        assert.equal(n.height, expectedHeight(k, n.lastChangeAt), `${n.peerId} height`)
      }
      // the reopened record goes on
      record.heartbeat(killTestPeer(0), clock.t, { height: 1, head: headOf(1), nickname: 'x', minerAddress: null, genesisCid: null })
      clock.t += 1_000
      record.flush()
      assert.equal((await record.stateAt(clock.t)).find(n => n.peerId === killTestPeer(0))?.height, 1)
      await record.stop()
    } finally {
      if (child.exitCode == null && child.signalCode == null) child.kill('SIGKILL')
      await remove()
    }
  })
})

describe('history record on a full filesystem', () => {
  it('pauses when the disk is full, the live side goes on, and resumes when there is room', async (t) => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'devnet-record-tmpfs-'))
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint], { encoding: 'utf8' })
    if (mount.status !== 0) {
      rmSync(mountPoint, { recursive: true, force: true })
      t.skip(`this machine does not let the test mount a small filesystem (${(mount.stderr || mount.error?.message || '').trim()}); the SQLITE_FULL test in record.test.ts still runs`)
      return
    }
    try {
      const clock = new FakeClock()
      const record = manualRecord(mountPoint, clock)
      // most of the filesystem taken by something else
      const ballast = join(mountPoint, 'ballast')
      writeFileSync(ballast, new Uint8Array(2 * 1024 * 1024))
      const beat = (k: number, height: number): void => {
        record.heartbeat(`12D3KooWDiskFull${String(k).padStart(4, '0')}${'z'.repeat(30)}`, clock.t, { height, head: headOf(height), nickname: `n${k}`, minerAddress: null, genesisCid: null })
      }
      let height = 1
      while (record.stats.paused == null && clock.t < T0 + 3 * 3_600_000) {
        clock.t += 200
        for (let k = 0; k < 200; k++) beat(k, height)
        height++
        record.flush()
      }
      assert.equal(record.stats.paused, 'disk_full', `paused: ${String(record.stats.paused)} after ${(clock.t - T0) / 1000} s`)
      const pausedAt = clock.t
      // the heartbeat side does not notice
      for (let s = 0; s < 20; s++) {
        clock.t += 200
        for (let k = 0; k < 200; k++) beat(k, height)
        height++
        record.flush()
      }
      assert.equal(record.stats.paused, 'disk_full')
      assert.equal(record.stats.queued, 0, 'the queue is drained while paused')
      unlinkSync(ballast)
      clock.t += FULL_DISK_RETRY_MS
      for (let k = 0; k < 200; k++) beat(k, height)
      record.flush()
      assert.equal(record.stats.paused, undefined)
      const lastHeight = height
      clock.t += 1_000
      record.flush()
      const state = await record.stateAt(clock.t)
      assert.equal(state.length, 200)
      assert.ok(state.every(n => n.height === lastHeight), 'after resuming the record is exact again')
      const gap = (await record.events({ from: T0, to: clock.t })).events.find(e => e.kind === 'record_gap')
      assert.equal(gap?.data?.reason, 'disk_full')
      assert.ok(Number(gap?.data?.from) >= pausedAt - 200)
      await record.stop()

      // a restart onto a full disk: the record opens, and is paused, not gone
      let fill = 0
      for (let size = 1024 * 1024; size >= 4096; size /= 2) {
        try {
          writeFileSync(join(mountPoint, `ballast-${fill++}`), new Uint8Array(size), { flag: 'wx' })
          size *= 2
        } catch {}
      }
      clock.t += 60_000
      const again = manualRecord(mountPoint, clock)
      // SQLite says "full" when a page will not fit, "I/O error" when the WAL index will not
      assert.ok(again.stats.paused === 'disk_full' || again.stats.paused === 'io_error', String(again.stats.paused))
      for (let k = 0; k < fill; k++) spawnSync('rm', ['-f', join(mountPoint, `ballast-${k}`)])
      clock.t += FULL_DISK_RETRY_MS
      again.flush()
      assert.equal(again.stats.paused, undefined)
      assert.equal((await again.stateAt(clock.t)).length, 200, 'the nodes recorded before are there')
      await again.stop()
    } finally {
      spawnSync('umount', [mountPoint])
      rmSync(mountPoint, { recursive: true, force: true })
    }
  })
})
