import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FEED_VERSION } from '../protocol/constants.ts'
import { encodeFeedMessage } from '../protocol/feed.ts'
import type { FeedMessage } from '../protocol/feed.ts'
import { record, subscribe } from '../testing/feed-messages.ts'
import { parseSnapshot } from './http-snapshot.ts'

const body = (messages: FeedMessage[]): string => messages.map(m => new TextDecoder().decode(encodeFeedMessage(m))).join('')

describe('the relay\'s snapshot over HTTP', () => {
  it('reads the feed\'s opening lines as the feed would', () => {
    const messages = subscribe(1_000, [record('A'), record('B', { height: 11 })], FEED_VERSION)
    assert.deepEqual(parseSnapshot(body(messages)), messages)
  })

  it('drops a damaged line and keeps the rest', () => {
    const [hello, snapshot, a, synced] = subscribe(1_000, [record('A')], FEED_VERSION)
    const text = body([hello, snapshot].filter(m => m !== undefined)) + '{"t":"node","i":"x"}\n' + body([a, synced].filter(m => m !== undefined))
    assert.deepEqual(parseSnapshot(text)?.map(m => m.t), ['hello', 'snapshot', 'node', 'synced'])
  })

  it('is no snapshot when it is another feed version, cut short, or not a snapshot at all', () => {
    assert.equal(parseSnapshot(body(subscribe(1_000, [record('A')], FEED_VERSION + 1))), null)
    assert.equal(parseSnapshot(body(subscribe(1_000, [record('A')], FEED_VERSION).slice(0, -1))), null)
    assert.equal(parseSnapshot('<!doctype html><title>dashboard</title>\n'), null)
    assert.equal(parseSnapshot(''), null)
  })
})
