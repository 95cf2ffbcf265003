// A first visit's first paint: the relay serves its feed's opening lines (hello, snapshot,
// every node with its history, synced) at /api/snapshot. The page draws them before its
// libp2p node is made and dialled, whose noise handshake would otherwise hold the main thread
// while the wall shows nothing. The feed's own snapshot then replaces this one, as after any
// resubscribe (feed-state.ts), and only then does the badge say Live.
import { checkFeedVersion, decodeFeedLine } from '../protocol/feed.ts'
import type { FeedMessage } from '../protocol/feed.ts'
import { takeEarly } from './early-requests.ts'
import { laterLogger } from './later-logger.ts'

// the logger is not part of the first paint: it loads if this has something to say
const log = laterLogger('devnet:dashboard:http-snapshot')

// On a LAN it takes milliseconds; past this the page stops waiting and dials
const SNAPSHOT_TIMEOUT_MS = 2_000

/** The feed messages in an /api/snapshot body; null when it is not this page's feed version. */
export function parseSnapshot (body: string): FeedMessage[] | null {
  const messages: FeedMessage[] = []
  for (const line of body.split('\n')) {
    if (line === '') continue
    try {
      messages.push(decodeFeedLine(line))
    } catch (err) {
      log.error('dropped a snapshot line - %e', err)
    }
  }
  const hello = messages[0]
  if (hello?.t !== 'hello') return null
  try {
    checkFeedVersion(hello)
  } catch {
    // the feed itself says when the versions differ, and reloads the page
    return null
  }
  // a body cut short is no snapshot: the store would keep waiting for its end
  if (messages.at(-1)?.t !== 'synced') return null
  return messages
}

/** The relay's snapshot, or null (refused, not a relay, too slow, damaged); never rejects. */
export async function fetchRelaySnapshot (url: string): Promise<FeedMessage[] | null> {
  // index.html asked for it already (early-requests.ts): taken, and bounded as the page's own
  const taken = takeEarly(url)
  const timer = taken != null ? setTimeout(taken.abort, SNAPSHOT_TIMEOUT_MS) : undefined
  try {
    const response = taken != null ? await taken.response : await fetch(url, { signal: AbortSignal.timeout(SNAPSHOT_TIMEOUT_MS) })
    // 403: a relay with a viewer allowlist leaves it to the feed; 404: not served by a relay
    if (!response.ok) return null
    // a page served under a path the relay answers with index.html gets that: not a snapshot
    if (response.headers.get('content-type')?.startsWith('application/x-ndjson') !== true) return null
    return parseSnapshot(await response.text())
  } catch (err) {
    log('no snapshot over HTTP - %e', err)
    return null
  } finally {
    clearTimeout(timer)
  }
}
