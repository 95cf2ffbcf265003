import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManualClock } from './clock.ts'
import {
  alertTargetFromEnv, createAlertHeartbeatService, HeartbeatService, withExtraGetter, withGenesisGetter, withMinerAddressGetter
} from './heartbeat-service.ts'
import { encodeHeartbeatLine } from '../protocol/index.ts'
import { waitFor } from '../testing/wait-for.ts'
import { createSenderNode } from '../testing/peers.ts'
import { recordingLog } from '../testing/recording-log.ts'
import { TestTarget } from '../testing/heartbeat-target.ts'
import type { TipsetInfo } from './heartbeat-service.ts'
import type { Libp2p } from '@libp2p/interface'

const HEAD = '{ bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2 }'
const GENESIS = 'bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2'

describe('HeartbeatService without a network', () => {
  const host = { dial: async () => { throw new Error('no network in this test') } }

  it('builds a beat from the getters, with the options applied', () => {
    const service = new HeartbeatService({ host }, { beatTarget: '/ip4/127.0.0.1/tcp/1', nickname: 'alice' },
      () => ({ head: HEAD, height: 42 }), withMinerAddressGetter(() => 't01000'), withGenesisGetter(() => GENESIS))
    assert.deepEqual(service.beat(), { head: HEAD, height: 42, nickname: 'alice', minerAddress: 't01000', genesisCid: GENESIS })
  })

  it('sends the head\'s parent, when the head getter knows it, as ParentHead after the other extra fields', () => {
    const PARENT = '{ bafy2bzaceparent }'
    const alone = new HeartbeatService({ host }, { beatTarget: 'x' }, () => ({ head: HEAD, height: 42, parent: PARENT }))
    assert.deepEqual(alone.beat().extra, { parentHead: PARENT })
    const withFacts = new HeartbeatService({ host }, { beatTarget: 'x' }, () => ({ head: HEAD, height: 42, parent: PARENT }), withExtraGetter(() => ({ client: 'Lodestar' })))
    assert.deepEqual(withFacts.beat().extra, { client: 'Lodestar', parentHead: PARENT })
    assert.match(encodeHeartbeatLine(withFacts.beat()), /"Client":"Lodestar","ParentHead":"\{ bafy2bzaceparent \}"\}\n$/)
    // a getter without a parent: no field at all
    assert.equal(new HeartbeatService({ host }, { beatTarget: 'x' }, () => ({ head: HEAD, height: 42 })).beat().extra, undefined)
  })

  it('sends no miner and no genesis by default, and `{ }` at height 0 when the head is unreadable', () => {
    const log = recordingLog()
    const service = new HeartbeatService({ host, log }, { beatTarget: '/ip4/127.0.0.1/tcp/1' }, () => { throw new Error('no head') })
    assert.deepEqual(service.beat(), { head: '{ }', height: 0, nickname: '', minerAddress: null, genesisCid: null })
    assert.equal(log.count('warn', /failed to get chain height: no head/), 1)
  })

  it('defaults to go-filecoin periods and parses Go durations', () => {
    const defaults = new HeartbeatService({ host }, { beatTarget: 'x' }, () => ({ head: HEAD, height: 1 }))
    assert.equal(defaults.beatPeriodMs, 3000)
    assert.equal(defaults.reconnectPeriodMs, 10_000)
    const custom = new HeartbeatService({ host }, { beatTarget: 'x', beatPeriod: '1m30s', reconnectPeriod: '250ms' }, () => ({ head: HEAD, height: 1 }))
    assert.equal(custom.beatPeriodMs, 90_000)
    assert.equal(custom.reconnectPeriodMs, 250)
  })

  it('refuses a bad period with InvalidDurationError', () => {
    assert.throws(() => new HeartbeatService({ host }, { beatTarget: 'x', beatPeriod: '3' }, () => ({ head: HEAD, height: 1 })),
      { name: 'InvalidDurationError', message: /missing unit/ })
    assert.throws(() => new HeartbeatService({ host }, { beatTarget: 'x', reconnectPeriod: '-10s' }, () => ({ head: HEAD, height: 1 })),
      { name: 'InvalidDurationError', message: /ReconnectPeriod must be positive/ })
  })

  it('refuses a target without /p2p/<peer id>, saying what was expected', async () => {
    for (const target of ['/ip4/127.0.0.1/tcp/4001', 'not a multiaddr', '/ip4/127.0.0.1/tcp/4001/p2p/notapeerid']) {
      const service = new HeartbeatService({ host }, { beatTarget: target }, () => ({ head: HEAD, height: 1 }))
      await assert.rejects(service.connect(), { name: 'InvalidTargetError', message: /expected a multiaddr ending in \/p2p\/<peer id>/ })
    }
  })

  it('runs the alert service with both periods at 10s, from FIL_HEARTBEAT_ALERTS', () => {
    const target = alertTargetFromEnv({ FIL_HEARTBEAT_ALERTS: '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWxyz' })
    assert.equal(target, '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWxyz')
    assert.equal(alertTargetFromEnv({ FIL_HEARTBEAT_ALERTS: '' }), undefined)
    assert.equal(alertTargetFromEnv({}), undefined)
    const alert = createAlertHeartbeatService({ host }, target, 'alice', () => ({ head: HEAD, height: 1 }), withMinerAddressGetter(() => 't01001'))
    assert.equal(alert.beatPeriodMs, 10_000)
    assert.equal(alert.reconnectPeriodMs, 10_000)
    assert.equal(alert.beatTarget, target)
    assert.equal(alert.beat().nickname, 'alice')
    assert.equal(alert.beat().minerAddress, 't01001')
  })
})

describe('HeartbeatService against a real libp2p target, on a fake clock', () => {
  const target = new TestTarget()
  let sender: Libp2p

  before(async () => {
    sender = await createSenderNode()
    await target.start()
  })

  after(async () => {
    await sender.stop()
    await target.stop()
  })

  it('connects on the first reconnect tick, not before, then beats once per BeatPeriod with Go\'s bytes', async () => {
    target.lines.length = 0
    const clock = new ManualClock(1_000_000)
    const log = recordingLog()
    let tipset: TipsetInfo = { head: HEAD, height: 7 }
    const service = new HeartbeatService({ host: sender, clock, log },
      { beatTarget: target.address, nickname: 'a<b>&c' }, () => tipset, withMinerAddressGetter(() => null))
    const controller = new AbortController()
    const running = service.start(controller.signal)
    try {
      clock.advance(9_999)
      assert.equal(log.count('debug', /attempting to connect/), 0, 'Go\'s Start waits one ReconnectPeriod before the first connect')
      clock.advance(1)
      await waitFor('the stream to open', () => log.count('info', /successfully/) === 1, 5000, () => JSON.stringify(log.lines))
      clock.advance(2_999)
      assert.equal(service.beatsSent, 0, 'Go\'s Run waits one BeatPeriod before the first beat')
      clock.advance(1)
      await waitFor('the first line at the target', () => target.lines.length === 1)
      assert.equal(target.lines[0], `{"Head":"${HEAD}","Height":7,"Nickname":"a\\u003cb\\u003e\\u0026c","MinerAddress":"\\u003cempty\\u003e","GenesisCID":null}\n`)
      tipset = { head: '{ }', height: 8 }
      clock.advance(3_000)
      await waitFor('the second line at the target', () => target.lines.length === 2)
      assert.equal(target.lines[1], '{"Head":"{ }","Height":8,"Nickname":"a\\u003cb\\u003e\\u0026c","MinerAddress":"\\u003cempty\\u003e","GenesisCID":null}\n')
    } finally {
      controller.abort()
      await running
      await service.closeStream()
    }
  })

  it('after a write error closes the connection, warns, and reconnects on the next tick', async () => {
    target.lines.length = 0
    target.resetAfterFirstLine = true
    const opened = target.streamsOpened
    const clock = new ManualClock(0)
    const log = recordingLog()
    const service = new HeartbeatService({ host: sender, clock, log },
      { beatTarget: target.address, beatPeriod: '1s', reconnectPeriod: '5s' }, () => ({ head: HEAD, height: 1 }))
    const controller = new AbortController()
    const running = service.start(controller.signal)
    try {
      clock.advance(5_000)
      await waitFor('the stream to open', () => log.count('info', /successfully/) === 1)
      clock.advance(1_000)
      await waitFor('the first line', () => target.lines.length === 1)
      await waitFor('the sender to notice the reset and give up the connection',
        () => log.count('warn', /disconnecting from aggregator/) === 1 && sender.getConnections().length === 0, 5000, () => JSON.stringify(log.lines))
      target.resetAfterFirstLine = false
      clock.advance(5_000)
      await waitFor('a second stream', () => target.streamsOpened === opened + 2 && log.count('info', /successfully/) === 2)
      clock.advance(1_000)
      await waitFor('beats on the new stream', () => target.lines.length === 2)
    } finally {
      target.resetAfterFirstLine = false
      controller.abort()
      await running
      await service.closeStream()
    }
  })

  it('with the target down retries every ReconnectPeriod, warns once, errors every 10 minutes, and beats within one ReconnectPeriod plus one BeatPeriod of its return', async () => {
    target.lines.length = 0
    const beatTarget = target.address
    await target.stop()
    const clock = new ManualClock(0)
    const log = recordingLog()
    const service = new HeartbeatService({ host: sender, clock, log },
      { beatTarget, beatPeriod: '3s', reconnectPeriod: '10s' }, () => ({ head: HEAD, height: 5 }))
    const failures = (): number => log.count('warn', /failed to connect/) + log.count('debug', /failed to connect/) + log.count('error', /failed to connect/)
    const controller = new AbortController()
    const running = service.start(controller.signal)
    try {
      // one failed connect per 10 s tick; the first is a warning
      for (let tick = 1; tick <= 61; tick++) {
        clock.advance(10_000)
        await waitFor(`failed connect #${tick}`, () => failures() === tick, 5000, () => JSON.stringify(log.lines.at(-1)))
        if (tick === 1) {
          assert.equal(log.count('warn', /failed to connect for 0s:/), 1)
        }
      }
      // t = 610 s: 600 s since the first failure, not yet more than 10 minutes
      assert.equal(log.count('warn', /failed to connect/), 1, 'warns once')
      assert.equal(log.count('error'), 0, 'no error before 10 minutes have passed')
      assert.equal(log.count('debug', /failed to connect/), 60)
      clock.advance(10_000)
      await waitFor('failed connect #62', () => failures() === 62)
      assert.equal(log.count('error', /failed to connect for 10m10s:/), 1, 'an error once more than 10 minutes have passed')
      // the next error comes 10 minutes after the previous one, not sooner
      for (let tick = 63; tick <= 122; tick++) {
        clock.advance(10_000)
        await waitFor(`failed connect #${tick}`, () => failures() === tick)
      }
      assert.equal(log.count('error'), 1)
      // t = 1230 s: 610 s after the error at 620 s
      clock.advance(10_000)
      await waitFor('failed connect #123', () => failures() === 123)
      assert.equal(log.count('error', /failed to connect for 20m20s:/), 1)
      assert.equal(log.count('warn', /failed to connect/), 1, 'still warned only once')
      assert.equal(target.lines.length, 0)

      await target.start()
      clock.advance(10_000)
      await waitFor('the stream to open after the target returned', () => log.count('info', /successfully/) === 1, 5000, () => JSON.stringify(log.lines.at(-1)))
      clock.advance(3_000)
      await waitFor('a beat within ReconnectPeriod + BeatPeriod of the return', () => target.lines.length === 1)
      assert.match(target.lines[0] ?? '', /"Height":5,/)
    } finally {
      controller.abort()
      await running
      await service.closeStream()
    }
  })
})

describe('HeartbeatService.run on a real stream to a real target', () => {
  const target = new TestTarget()
  let sender: Libp2p

  before(async () => {
    sender = await createSenderNode()
    await target.start()
  })

  after(async () => {
    await sender.stop()
    await target.stop()
  })

  // ~60 KiB a beat (under the target's 64 KiB line cap): a stream's first yamux window (256 KiB)
  // is used up within five beats that are not read
  const BIG_HEAD = `{ ${'bafy2bzace'.repeat(6_000)} }`

  /** A service beating every 1 s on a manual clock to the target, connected; heights count the beats built. */
  async function connected (head = BIG_HEAD): Promise<{ service: HeartbeatService, clock: ManualClock, built: () => number, setHead: (h: string) => void }> {
    target.lines.length = 0
    const clock = new ManualClock(0)
    let height = 0
    let current = head
    const service = new HeartbeatService({ host: sender, clock, log: recordingLog() },
      { beatTarget: target.address, beatPeriod: '1s' }, () => ({ head: current, height: ++height }))
    await service.connect()
    return { service, clock, built: () => height, setHead: h => { current = h } }
  }

  const heightOf = (line: string | undefined): number => Number(/"Height":(\d+)/.exec(line ?? '')?.[1])

  it('waits for drain under backpressure instead of queueing beats, then resumes with one beat', async () => {
    target.readPaused = true
    const { service, clock, built, setHead } = await connected()
    const controller = new AbortController()
    const running = service.run(controller.signal)
    try {
      // beat until a send is pushed back: the target reads nothing, so its window runs out
      await waitFor('a send to be pushed back', async () => {
        if (service.stream?.writableNeedsDrain === true) return true
        const before = built()
        clock.advance(1000)
        await waitFor('the beat of this tick', () => built() > before)
        return false
      })
      const blocked = built()
      assert.equal(service.beatsSent, blocked - 1, 'the pushed-back beat is not counted as sent until it drains')
      // three more periods while the stream is full: no beat is built, let alone queued
      for (let k = 0; k < 3; k++) clock.advance(1000)
      // the target reads again: everything sent arrives, then Go's ticker channel holds one
      // missed tick: one beat at once, not three
      target.resumeReading()
      await waitFor('the beats sent before the push-back, and the held tick\'s', () => target.lines.length === blocked + 1)
      // the next beat on schedule carries a head of its own; every line before it is in
      setHead('{ bafy2bzacemarker }')
      clock.advance(1000)
      await waitFor('the next beat on schedule', () => target.lines.some(line => line.includes('bafy2bzacemarker')))
      assert.equal(target.lines.length, blocked + 2, 'missed ticks are dropped, not replayed')
      assert.deepEqual(target.lines.map(heightOf), Array.from({ length: blocked + 2 }, (_, k) => k + 1), 'every beat built was sent, in order')
      assert.equal(service.beatsSent, blocked + 2)
      controller.abort()
      assert.equal(await running, null, 'an aborted run resolves null')
      assert.equal(service.stream?.status, 'open', 'and leaves the stream open, as Go does')
    } finally {
      target.resumeReading()
      controller.abort()
      await running
      await service.closeStream()
    }
  })

  it('on a send error closes the connection and returns the error', async () => {
    const { service, clock } = await connected('{ bafy2bzacesmall }')
    const running = service.run(new AbortController().signal)
    clock.advance(1000)
    await waitFor('the first beat', () => target.lines.length === 1)
    // this end's writable side is closed under the service: its next send throws
    await service.stream?.close()
    clock.advance(1000)
    const err = await running
    assert.equal(err?.name, 'StreamStateError')
    assert.equal(service.stream, undefined)
    await waitFor('the connection to the target to be closed', () => sender.getConnections().length === 0)
  })

  it('returns HeartbeatStreamClosedError at once when the target resets the stream between beats', async () => {
    const { service, clock } = await connected('{ bafy2bzacesmall }')
    const running = service.run(new AbortController().signal)
    clock.advance(1000)
    await waitFor('the first beat', () => target.lines.length === 1)
    // no tick comes: the reset alone ends the run
    target.resetStreams()
    const err = await running
    assert.equal(err?.name, 'HeartbeatStreamClosedError')
    assert.equal(service.stream, undefined)
    await waitFor('the connection to the target to be closed', () => sender.getConnections().length === 0)
  })

  it('beatNow (not in go-filecoin) beats at once between ticks, keeps the ticker\'s phase, and does nothing without a run', async () => {
    const { service, clock, setHead } = await connected('{ bafy2bzacesmall }')
    assert.equal(service.beatNow(), false, 'no run: nothing to wake')
    const controller = new AbortController()
    const running = service.run(controller.signal)
    try {
      assert.equal(service.beatNow(), true)
      await waitFor('the beat asked for', () => target.lines.length === 1)
      clock.advance(400)
      service.beatNow()
      service.beatNow()
      await waitFor('one more beat for two asks', () => target.lines.length >= 2)
      // the ticker's phase is the run's start (t = 0): nothing at 999 ms, the tick at 1000 ms
      clock.advance(599)
      setHead('{ bafy2bzacemarker }')
      clock.advance(1)
      await waitFor('the regular tick, on its phase', () => target.lines.some(line => line.includes('bafy2bzacemarker')))
      // lines arrive in the order sent: had the two asks made two beats, or the tick moved
      // earlier, there would be more lines before the marker
      assert.equal(target.lines.length, 3, 'asks that come together are one beat, and the tick is not moved by them')
      assert.match(target.lines[2] ?? '', /bafy2bzacemarker/)
    } finally {
      controller.abort()
      await running
      await service.closeStream()
    }
    assert.equal(service.beatNow(), false, 'the run is over')
  })

  it('run without connect is NotConnectedError', async () => {
    const service = new HeartbeatService({ host: sender, clock: new ManualClock(0), log: recordingLog() },
      { beatTarget: target.address }, () => ({ head: HEAD, height: 1 }))
    assert.equal((await service.run(new AbortController().signal))?.name, 'NotConnectedError')
  })
})
