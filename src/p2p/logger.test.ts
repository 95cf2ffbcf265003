import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import { disable, enable } from '@libp2p/logger'
import { lightLogger } from './logger.ts'

afterEach(() => { disable() })

test('components whose logging is off share one silent logger', () => {
  enable('devnet:other')
  const loggers = lightLogger()
  const a = loggers.forComponent('libp2p:yamux')
  const b = loggers.forComponent('libp2p:tcp:listener')
  assert.equal(a, b)
  assert.equal(a.enabled, false)
  assert.equal(a.newScope('stream'), a)
  a('nothing %s', 'written')
  a.error('nothing')
  a.trace('nothing')
})

test('a component DEBUG names gets the real logger, and so does one with only :error on', () => {
  enable('libp2p:yamux,libp2p:noise:error')
  const loggers = lightLogger()
  const yamux = loggers.forComponent('libp2p:yamux')
  assert.equal(yamux.enabled, true)
  assert.equal((yamux as unknown as { namespace: string }).namespace, 'libp2p:yamux')
  // the component's own lines are off, its errors on: it needs the real logger for those
  const noise = loggers.forComponent('libp2p:noise')
  assert.notEqual(noise, loggers.forComponent('libp2p:tcp'))
  assert.equal((noise.error as unknown as { enabled: boolean }).enabled, true)
  assert.equal(loggers.forComponent('libp2p:tcp').enabled, false)
})
