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

export interface Scrape {
  /** metric name → its # TYPE */
  readonly types: ReadonlyMap<string, string>
  /** series (name with labels, as written) → value */
  readonly values: ReadonlyMap<string, number>
}

/** Every series of one /metrics scrape, and each metric's type. */
export async function scrapeMetrics (httpUrl: string): Promise<Scrape> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  const types = new Map<string, string>()
  const values = new Map<string, number>()
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type?.[1] != null && type[2] != null) types.set(type[1], type[2])
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    values.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return { types, values }
}
