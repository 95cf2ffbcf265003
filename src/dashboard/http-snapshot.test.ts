import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FEED_VERSION } from '../protocol/constants.ts'
import { encodeFeedMessage } from '../protocol/feed.ts'
import type { FeedMessage } from '../protocol/feed.ts'
import { record, subscribe } from '../testing/feed-messages.ts'
import { fetchRelaySnapshot, parseSnapshot } from './http-snapshot.ts'

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

  it('takes the answer index.html asked for, by its URL, and aborts it when it does not come in time', async (t) => {
    const url = 'http://127.0.0.1:9/api/snapshot'
    const messages = subscribe(1_000, [record('A')], FEED_VERSION)
    const aborted: string[] = []
    const global = globalThis as { devnetEarly?: unknown }
    try {
      global.devnetEarly = {
        responses: { [url]: Promise.resolve(new Response(body(messages), { headers: { 'content-type': 'application/x-ndjson' } })) },
        abort: (u: string) => { aborted.push(u) }
      }
      // nothing listens on port 9: an answer can only be the early one
      assert.deepEqual(await fetchRelaySnapshot(url), messages)
      assert.equal(aborted.length, 0)

      // one that never answers is aborted at the page's own bound, and the page goes on without it
      t.mock.timers.enable({ apis: ['setTimeout'] })
      let abort: (reason: Error) => void = () => {}
      global.devnetEarly = {
        responses: { [url]: new Promise<Response>((_resolve, reject) => { abort = reject }) },
        abort: (u: string) => { aborted.push(u); abort(new Error('aborted')) }
      }
      const answer = fetchRelaySnapshot(url)
      t.mock.timers.tick(2_000)
      assert.equal(await answer, null)
      assert.deepEqual(aborted, [url])
    } finally {
      delete global.devnetEarly
    }
  })
})
