// Reading a relay's HTTP side from a test: JSON routes and single /metrics series.

export async function getJson<T = unknown> (url: string): Promise<T> {
  const res = await fetch(url)
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`)
  return await res.json() as T
}

/** The value of one series (exact name with labels, e.g. `x_total{reason="not_json"}`). */
export async function getMetric (httpUrl: string, series: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1))
  }
  return 0
}
