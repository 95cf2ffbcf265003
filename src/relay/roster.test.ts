import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ManualClock } from '../testing/clock.ts'
import { waitFor } from '../testing/wait-for.ts'
import { parseRoster, ROSTER_CHECK_INTERVAL_MS, RosterFile, rosterFile } from './roster.ts'
import type { RosterEntry } from './roster.ts'

const A = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'
const B = '16Uiu2HAmH15yAPm69RgbZjodSZcBAzWAXFYxbCpNxFaubTDbmSxB'

describe('the expected roster', () => {
  it('reads { nodes: [ { name, peerId } ] } and refuses a bad entry naming it', () => {
    assert.deepEqual(parseRoster(JSON.stringify({ nodes: [{ name: 'lotus-a', peerId: A }, { name: 'teku-1', peerId: B }] })), [{ name: 'lotus-a', peerId: A }, { name: 'teku-1', peerId: B }])
    assert.throws(() => parseRoster('{'), { name: 'InvalidRosterError', message: /not JSON/ })
    assert.throws(() => parseRoster('[]'), { name: 'InvalidRosterError', message: /expected \{ "nodes"/ })
    assert.throws(() => parseRoster(JSON.stringify({ nodes: [{ name: 'x', peerId: 'nope' }] })), { message: /nodes\[0\] \("x"\): peerId is not a peer ID/ })
    assert.throws(() => parseRoster(JSON.stringify({ nodes: [{ name: 7, peerId: A }] })), { message: /nodes\[0\]: name must be a string/ })
    assert.throws(() => parseRoster(JSON.stringify({ nodes: [{ name: 'a', peerId: A }, { name: 'b', peerId: A }] })), { message: /nodes\[1\] \("b"\): peerId .* is listed twice/ })
  })

  it('follows edits of the file and keeps the last good roster through a broken one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devnet-roster-'))
    const file = join(dir, 'roster.json')
    try {
      await writeFile(file, JSON.stringify({ nodes: [{ name: 'a', peerId: A }] }))
      const seen: RosterEntry[][] = []
      const roster = new RosterFile(file, entries => { seen.push(entries) })
      assert.deepEqual(await roster.load(), [{ name: 'a', peerId: A }])
      await writeFile(file, '{ "nodes": [ { "name": "b" } ] }')
      await roster.check()
      assert.equal(seen.length, 0, 'a broken edit changes nothing')
      await writeFile(file, JSON.stringify({ nodes: [{ name: 'a', peerId: A }, { name: 'b', peerId: B }] }))
      await roster.check()
      assert.deepEqual(seen.at(-1)?.map(entry => entry.name), ['a', 'b'])
      await assert.rejects(new RosterFile(join(dir, 'none.json'), () => {}).load(), { name: 'InvalidRosterError', message: /cannot read it \(ENOENT\)/ })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('as a relay service, reads the file at start and looks at it again every interval of the relay\'s clock, until stopped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devnet-roster-'))
    const file = join(dir, 'roster.json')
    const clock = new ManualClock(0)
    const expected: string[][] = []
    const service = rosterFile(file)({ registry: { expect: (_source, entries) => { expected.push(entries.map(entry => entry.name)) } }, clock })
    try {
      await writeFile(file, JSON.stringify({ nodes: [{ name: 'a', peerId: A }] }))
      await service.start()
      assert.deepEqual(expected, [['a']])
      assert.equal(clock.pending, 1, 'the next check waits on the relay\'s clock')
      await writeFile(file, JSON.stringify({ nodes: [{ name: 'a', peerId: A }, { name: 'b', peerId: B }] }))
      clock.advance(ROSTER_CHECK_INTERVAL_MS)
      await waitFor('the edit, at the next check', () => expected.length === 2)
      assert.deepEqual(expected[1], ['a', 'b'])
      assert.equal(clock.pending, 1, 'and the one after')
      service.stop()
      assert.equal(clock.pending, 0, 'stopped: no check is left scheduled')
    } finally {
      service.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
