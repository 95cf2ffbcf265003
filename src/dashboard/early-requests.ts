// What index.html's inline script asked for before the page's code loaded, so the relay works
// while the bundle downloads and runs: a live page's snapshot (/api/snapshot), a recorded
// moment's state and window (?at=). Kept by URL; a request is taken only by the exact URL the
// page would ask for itself, and what the page does not take is aborted (releaseEarly).

interface EarlyRequests { responses: Record<string, Promise<Response> | undefined>, abort: (url: string) => void }

export interface EarlyRequest {
  response: Promise<Response>
  /** aborts it: the fetch, or the body being read */
  abort: () => void
}

function early (): EarlyRequests | undefined {
  return (globalThis as { devnetEarly?: EarlyRequests }).devnetEarly
}

/** The request index.html made for this URL, once; undefined when it made none. */
export function takeEarly (url: URL | string): EarlyRequest | undefined {
  const requests = early()
  const href = typeof url === 'string' ? url : url.href
  const response = requests?.responses[href]
  if (requests == null || response == null) return undefined
  delete requests.responses[href]
  return { response, abort: () => { requests.abort(href) } }
}

/** Aborts what index.html asked for and the page did not take (another window, a relative ?at=). */
export function releaseEarly (): void {
  const requests = early()
  if (requests == null) return
  delete (globalThis as { devnetEarly?: EarlyRequests }).devnetEarly
  for (const [url, response] of Object.entries(requests.responses)) if (response != null) requests.abort(url)
}
