// The page's feed client in Node, against a real relay in this process: what it does between
// redials. /relay.json is asked for through the client's fetch, so a test decides when the
// host that served the page answers (a relay restarting) and when it does not.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { getMetric } from '../testing/http.ts'
import { startTestRelay } from '../testing/test-relay.ts'
import { waitFor } from '../testing/wait-for.ts'
import { startFeedClient } from './feed-client.ts'
import type { FeedClient, FeedClientInit } from './feed-client.ts'
import type { ConnectionState } from '../store/view.ts'
import type { TestRelay } from '../testing/test-relay.ts'

const RELAY_JSON = 'http://page.origin.test/relay.json'

type Seen = ConnectionState & { at: number }

/** A client whose connection states are kept with the time each came; random 0: the shortest
 *  backoffs (0.5, 1, 2, 4 s …) and a probe every 0.5 s while one runs. */
function client (seen: Seen[], fetch: NonNullable<FeedClientInit['fetch']>, relay: string | null = null): FeedClient {
  return startFeedClient({
    sink: { push: () => {}, setConnection: state => { seen.push({ ...state, at: Date.now() }) } },
    relay,
    relayJsonUrl: RELAY_JSON,
    pageHostname: '127.0.0.1',
    onVersionMismatch: () => {},
    onVersionMatch: () => {},
    random: () => 0,
    fetch
  })
}

type Lost = Extract<Seen, { state: 'lost' }>
const losts = (seen: Seen[]): Lost[] => seen.filter((s): s is Lost => s.state === 'lost')
/** the state after the given one */
const next = (seen: Seen[], state: Seen): Seen | undefined => seen[seen.indexOf(state) + 1]

describe('the page\'s feed client between redials', () => {
  let relay: TestRelay
  before(async () => { relay = await startTestRelay() })
  after(async () => { await relay.destroy() })

  /** The relay's own /relay.json, as the host that served the page would answer it. */
  const answer = async (init: RequestInit): Promise<Response> => await fetch(`${relay.httpUrl}/relay.json`, init)

  it('redials as soon as the relay answers again, well before its backoff runs out', async () => {
    let up = false
    const asked: Array<{ at: number, state: string | undefined }> = []
    const seen: Seen[] = []
    const feed = client(seen, async (_url, init) => {
      asked.push({ at: Date.now(), state: seen.at(-1)?.state })
      if (!up) throw new TypeError('Failed to fetch')
      return await answer(init)
    })
    try {
      // down long enough for the backoff to have grown to 4 s (failures: 0.5, 1, 2, then 4 s)
      const long = await waitFor('a 4 s backoff', () => losts(seen).find(l => l.retryAt - l.at >= 4_000))
      assert.match(long.reason, /the relay is unreachable; redialling as soon as it answers/)
      up = true
      await waitFor('live', () => seen.at(-1)?.state === 'live', 30_000)
      const redial = next(seen, long)
      assert.equal(redial?.state, 'connecting')
      assert.ok(redial.at < long.retryAt - 2_000, `redialled ${long.retryAt - redial.at} ms before the backoff ran out; a probe every 0.5 s should find the relay within about that`)
      // probes came only while the page was waiting on an unreachable relay
      assert.ok(asked.some(a => a.state === 'lost'), 'it probed while waiting')
    } finally {
      await feed.stop()
    }
  })

  it('a relay that answers and turns the feed away gets its backoff in full, and no probes', async () => {
    // only some other page may subscribe
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const refusing = await startTestRelay({ allowViewers: [other.toString()] })
    const asked: Array<{ at: number, state: string | undefined }> = []
    const seen: Seen[] = []
    const feed = client(seen, async (_url, init) => {
      asked.push({ at: Date.now(), state: seen.at(-1)?.state })
      return await fetch(`${refusing.httpUrl}/relay.json`, init)
    })
    try {
      await waitFor('three refusals', () => losts(seen).length >= 3, 30_000)
      assert.ok(await getMetric(refusing.httpUrl, 'devnet_feed_subscribers_refused_total{reason="not_allowed"}') >= 3, 'the relay turned it away each time')
      for (const lost of losts(seen).slice(0, 2)) {
        assert.doesNotMatch(lost.reason, /as soon as it answers/)
        const redial = next(seen, lost)
        assert.equal(redial?.state, 'connecting')
        // setTimeout may fire a millisecond before its time
        assert.ok(redial.at >= lost.retryAt - 2, `redialled ${lost.retryAt - redial.at} ms before its backoff ran out`)
      }
      assert.deepEqual(asked.filter(a => a.state !== 'connecting'), [], '/relay.json asked for only to redial')
    } finally {
      await feed.stop()
      await refusing.destroy()
    }
  })

  it('an early redial that finds the relay gone again waits a whole backoff before the next early one', async () => {
    // the relay's origin answers one probe, then nothing: a relay whose HTTP comes and goes
    const seen: Seen[] = []
    // each request for /relay.json, with the state the page was in when it asked
    const asked: Array<Seen | undefined> = []
    const feed = client(seen, async (_url, init) => {
      const state = seen.at(-1)
      asked.push(state)
      if (state?.state === 'lost' && !asked.slice(0, -1).some(a => a?.state === 'lost')) return await answer(init)
      throw new TypeError('Failed to fetch')
    })
    try {
      const probed = await waitFor('a probe', () => asked.find(a => a?.state === 'lost'), 15_000)
      // the answered probe cut that wait short; the two waits after it are the ones that matter
      const [afterEarly, following] = await waitFor('two waits after the early redial', () => {
        const later = losts(seen).slice(losts(seen).indexOf(probed as Lost) + 1)
        return later.length >= 2 ? later : undefined
      }, 30_000)
      assert.ok(afterEarly !== undefined && following !== undefined)
      assert.equal(next(seen, probed)?.state, 'connecting')
      assert.ok((next(seen, probed)?.at ?? Infinity) < (probed as Lost).retryAt, 'the answered probe cut its wait short')
      assert.doesNotMatch(afterEarly.reason, /as soon as it answers/, 'the wait after a failed early redial is a plain one')
      assert.equal(asked.filter(a => a === afterEarly).length, 0, 'no probe in it')
      const redial = next(seen, afterEarly)
      assert.ok(redial !== undefined && redial.at >= afterEarly.retryAt - 2, 'it ran in full')
      assert.match(following.reason, /as soon as it answers/, 'the one after probes again')
    } finally {
      await feed.stop()
    }
  })

  it('a page given ?relay= (no HTTP on its origin to ask) keeps the plain backoff', async () => {
    // the relay's WebSocket address, on a port where nothing listens any more
    const gone = await startTestRelay()
    const addr = gone.browserAddrs[0] ?? ''
    await gone.destroy()
    const seen: Seen[] = []
    let asked = 0
    const feed = client(seen, async () => { asked++; throw new TypeError('Failed to fetch') }, addr)
    try {
      await waitFor('two failed dials', () => losts(seen).length >= 2, 30_000)
      const [first] = losts(seen)
      assert.ok(first !== undefined)
      assert.doesNotMatch(first.reason, /as soon as it answers/)
      const redial = next(seen, first)
      assert.ok(redial !== undefined && redial.at >= first.retryAt - 2, 'its backoff ran in full')
      assert.equal(asked, 0, 'nothing asked of the page\'s origin')
    } finally {
      await feed.stop()
    }
  })
})
