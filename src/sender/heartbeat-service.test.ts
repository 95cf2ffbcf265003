import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManualClock } from './clock.ts'
import {
  alertTargetFromEnv, createAlertHeartbeatService, HeartbeatService, withGenesisGetter, withMinerAddressGetter
} from './heartbeat-service.ts'
import { waitFor } from '../testing/wait-for.ts'
import { createSenderNode } from '../testing/peers.ts'
import { recordingLog } from '../testing/recording-log.ts'
import { TestTarget } from '../testing/heartbeat-target.ts'
import type { TipsetInfo } from './heartbeat-service.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

const HEAD = '{ bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2 }'
const GENESIS = 'bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2'

describe('HeartbeatService without a network', () => {
  const host = { dial: async () => { throw new Error('no network in this test') } }

  it('builds a beat from the getters, with the options applied', () => {
    const service = new HeartbeatService({ host }, { beatTarget: '/ip4/127.0.0.1/tcp/1', nickname: 'alice' },
      () => ({ head: HEAD, height: 42 }), withMinerAddressGetter(() => 't01000'), withGenesisGetter(() => GENESIS))
    assert.deepEqual(service.beat(), { head: HEAD, height: 42, nickname: 'alice', minerAddress: 't01000', genesisCid: GENESIS })
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

/**
 * A stream that accepts sends until told it is full, then returns false (backpressure) until
 * drain() is called; the smallest stand-in for a libp2p v3 stream's send/onDrain contract.
 */
class StubStream extends EventTarget {
  status = 'open'
  readonly sent: string[] = []
  full = false
  failWith: Error | undefined
  #drained = Promise.withResolvers<void>()

  send (bytes: Uint8Array): boolean {
    if (this.failWith != null) throw this.failWith
    this.sent.push(new TextDecoder().decode(bytes))
    return !this.full
  }

  async onDrain (): Promise<void> {
    if (!this.full) return
    await this.#drained.promise
  }

  drain (): void {
    this.full = false
    this.#drained.resolve()
    this.#drained = Promise.withResolvers<void>()
  }

  async close (): Promise<void> { this.status = 'closed' }
  abort (): void { this.status = 'aborted' }
}

describe('HeartbeatService.run with a stub stream', () => {
  function setup (): { service: HeartbeatService, stream: StubStream, clock: ManualClock, closes: () => number } {
    const stream = new StubStream()
    let closes = 0
    const connection = {
      newStream: async () => stream,
      close: async () => { closes++ },
      abort: () => { closes++ }
    }
    const host = { dial: async () => connection as unknown as Connection }
    const clock = new ManualClock(0)
    const service = new HeartbeatService({ host, clock, log: recordingLog() },
      { beatTarget: '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWGzBa1EGMzXTFGYc5ec6yEmEgnuqGbNb3mZGxhzYSqUnV', beatPeriod: '1s' },
      () => ({ head: HEAD, height: 1 }))
    return { service, stream, clock, closes: () => closes }
  }

  it('waits for drain under backpressure instead of queueing beats, then resumes with one beat', async () => {
    const { service, stream, clock } = setup()
    await service.connect()
    const controller = new AbortController()
    const running = service.run(controller.signal)
    stream.full = true
    clock.advance(1000)
    await waitFor('the first send', () => stream.sent.length === 1)
    // three more periods pass while the stream is full: nothing is sent or buffered
    for (let i = 0; i < 3; i++) {
      clock.advance(1000)
      await new Promise(resolve => setImmediate(resolve))
    }
    assert.equal(stream.sent.length, 1, 'no send while waiting for drain')
    stream.drain()
    // Go's ticker channel holds one missed tick: one beat at once, not three
    await waitFor('the beat held by the ticker', () => stream.sent.length === 2)
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(stream.sent.length, 2, 'missed ticks are dropped, not replayed')
    clock.advance(1000)
    await waitFor('the next beat on schedule', () => stream.sent.length === 3)
    controller.abort()
    assert.equal(await running, null, 'an aborted run resolves null')
    assert.equal(stream.status, 'open', 'and leaves the stream open, as Go does')
  })

  it('on a send error closes the connection and returns the error', async () => {
    const { service, stream, clock, closes } = setup()
    await service.connect()
    const running = service.run(new AbortController().signal)
    stream.failWith = new Error('broken pipe')
    clock.advance(1000)
    const err = await running
    assert.equal(err?.message, 'broken pipe')
    assert.equal(closes(), 1)
    assert.equal(service.stream, undefined)
  })

  it('returns HeartbeatStreamClosedError at once when the stream closes between beats', async () => {
    const { service, stream, closes } = setup()
    await service.connect()
    const running = service.run(new AbortController().signal)
    stream.status = 'reset'
    stream.dispatchEvent(new Event('close'))
    const err = await running
    assert.equal(err?.name, 'HeartbeatStreamClosedError')
    assert.equal(closes(), 1)
  })

  it('beatNow (not in go-filecoin) beats at once between ticks, keeps the ticker\'s phase, and does nothing without a run', async () => {
    const { service, stream, clock } = setup()
    assert.equal(service.beatNow(), false, 'no run: nothing to wake')
    await service.connect()
    const controller = new AbortController()
    const running = service.run(controller.signal)
    assert.equal(service.beatNow(), true)
    await waitFor('the beat asked for', () => stream.sent.length === 1)
    clock.advance(400)
    service.beatNow()
    service.beatNow()
    await waitFor('one more beat for two asks', () => stream.sent.length === 2)
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(stream.sent.length, 2, 'asks that come together are one beat')
    clock.advance(599)
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(stream.sent.length, 2, 'the tick is not moved by the asks')
    clock.advance(1)
    await waitFor('the regular tick, on its phase', () => stream.sent.length === 3)
    controller.abort()
    await running
    assert.equal(service.beatNow(), false, 'the run is over')
  })

  it('run without connect is NotConnectedError', async () => {
    const { service } = setup()
    assert.equal((await service.run(new AbortController().signal))?.name, 'NotConnectedError')
  })
})
