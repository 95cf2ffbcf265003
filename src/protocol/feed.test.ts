import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FEED_VERSION } from './constants.ts'
import { checkFeedVersion } from './feed.ts'

describe('checkFeedVersion', () => {
  const hello = (version: number) => ({ t: 'hello' as const, version, relayPeerId: 'r', serverTime: 0 })

  it('accepts the version this code was built with', () => {
    assert.doesNotThrow(() => { checkFeedVersion(hello(FEED_VERSION)) })
  })

  it('refuses any other, older or newer, naming both versions', () => {
    for (const version of [FEED_VERSION + 1, FEED_VERSION - 1]) {
      assert.throws(() => { checkFeedVersion(hello(version)) }, (err: Error & { relayVersion?: number, pageVersion?: number }) =>
        err.name === 'FeedVersionMismatchError' && err.relayVersion === version && err.pageVersion === FEED_VERSION)
    }
  })
})
