// The node file: which real nodes the watcher watches. JSON, one entry per node:
//   { "nodes": [ { "name": "lotus-a", "kind": "filecoin", "url": "ws://10.0.0.5:1234/rpc/v1",
//                  "tokenEnv": "LOTUS_A_TOKEN", "miner": "t01000" }, … ] }
// A file with an error is refused whole, with a message naming the entry and the field.
import { MAX_MINER_ADDRESS_LENGTH, MAX_NICKNAME_LENGTH } from '../protocol/index.ts'
import { MAX_WATCHED_NODES } from './constants.ts'
import { NodeFileError } from './errors.ts'
import { isRecord } from './facts.ts'

export const NODE_KINDS = ['filecoin', 'beacon', 'execution'] as const
export type NodeKind = typeof NODE_KINDS[number]

/** One node to watch, as the file gives it. */
export interface WatchedNodeSpec {
  /** its nickname on the dashboard, and the key of its identity in the watcher's data dir */
  name: string
  kind: NodeKind
  /** the API's URL: ws(s):// or http(s):// for filecoin and execution, http(s):// for beacon */
  url: string
  /** the environment variable that holds the API token; the token itself is never in the file */
  tokenEnv?: string
  /** a Filecoin miner address, sent as MinerAddress */
  miner?: string
}

const FIELDS = new Set(['name', 'kind', 'url', 'tokenEnv', 'miner'])
const SCHEMES: Record<NodeKind, readonly string[]> = {
  filecoin: ['ws:', 'wss:', 'http:', 'https:'],
  beacon: ['http:', 'https:'],
  execution: ['ws:', 'wss:', 'http:', 'https:']
}
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Parses the text of a node file; throws NodeFileError naming the entry and field. */
export function parseNodeFile (text: string): WatchedNodeSpec[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new NodeFileError(`not JSON (${(err as Error).message})`)
  }
  return parseNodeList(value)
}

/** Checks a parsed node file; throws NodeFileError naming the entry and field. */
export function parseNodeList (value: unknown): WatchedNodeSpec[] {
  if (!isRecord(value) || !Array.isArray(value.nodes)) {
    throw new NodeFileError('expected an object with a "nodes" array: { "nodes": [ { "name": …, "kind": …, "url": … } ] }', undefined, 'nodes')
  }
  for (const key of Object.keys(value)) {
    if (key !== 'nodes') throw new NodeFileError(`unknown top-level field ${JSON.stringify(key)} (only "nodes")`, undefined, key)
  }
  if (value.nodes.length > MAX_WATCHED_NODES) {
    throw new NodeFileError(`${value.nodes.length} nodes; at most ${MAX_WATCHED_NODES}`, undefined, 'nodes')
  }
  const seen = new Map<string, number>()
  return value.nodes.map((entry: unknown, index: number) => {
    const spec = parseEntry(entry, index)
    const first = seen.get(spec.name)
    if (first != null) {
      throw new NodeFileError(`nodes[${index}] (${JSON.stringify(spec.name)}): name: the same name as nodes[${first}]; names must be unique`, spec.name, 'name')
    }
    seen.set(spec.name, index)
    return spec
  })
}

function parseEntry (entry: unknown, index: number): WatchedNodeSpec {
  let label = `nodes[${index}]`
  const fail = (field: string, detail: string): never => {
    throw new NodeFileError(`${label}: ${field}: ${detail}`, label, field)
  }
  if (!isRecord(entry)) return fail('(entry)', 'must be an object with name, kind and url')
  const { name, kind, url, tokenEnv, miner } = entry
  if (typeof name !== 'string' || name.trim() === '') return fail('name', 'must be a non-empty string')
  if (name.length > MAX_NICKNAME_LENGTH) return fail('name', `at most ${MAX_NICKNAME_LENGTH} characters`)
  label = `nodes[${index}] (${JSON.stringify(name)})`
  for (const key of Object.keys(entry)) {
    if (!FIELDS.has(key)) fail(key, `unknown field (known: ${[...FIELDS].join(', ')})`)
  }
  if (typeof kind !== 'string' || !(NODE_KINDS as readonly string[]).includes(kind)) {
    return fail('kind', `must be one of ${NODE_KINDS.join(', ')}`)
  }
  const nodeKind = kind as NodeKind
  if (typeof url !== 'string') return fail('url', 'must be a string')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return fail('url', 'not a URL')
  }
  if (!SCHEMES[nodeKind].includes(parsed.protocol)) {
    return fail('url', `a ${nodeKind} node's URL starts with ${SCHEMES[nodeKind].map(s => `${s}//`).join(' or ')}`)
  }
  // the URL is logged: a secret in it would be too
  if (parsed.username !== '' || parsed.password !== '') {
    return fail('url', 'must not carry credentials; put the token in an environment variable and name it in tokenEnv')
  }
  const spec: WatchedNodeSpec = { name, kind: nodeKind, url }
  if (tokenEnv !== undefined) {
    if (typeof tokenEnv !== 'string' || !ENV_NAME.test(tokenEnv)) return fail('tokenEnv', 'must be the name of an environment variable, e.g. LOTUS_A_TOKEN')
    spec.tokenEnv = tokenEnv
  }
  if (miner !== undefined) {
    if (typeof miner !== 'string' || miner.length > MAX_MINER_ADDRESS_LENGTH) return fail('miner', `must be a string of at most ${MAX_MINER_ADDRESS_LENGTH} characters`)
    spec.miner = miner
  }
  return spec
}

/** Two specs watch the same way (an edit that changes neither needs no restart). */
export function sameSpec (a: WatchedNodeSpec, b: WatchedNodeSpec): boolean {
  return a.name === b.name && a.kind === b.kind && a.url === b.url && a.tokenEnv === b.tokenEnv && a.miner === b.miner
}

/** A URL as it may be logged: no credentials, query or fragment (where tokens hide). */
export function redactUrl (url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search !== '' ? '?…' : ''}`
  } catch {
    return '(bad URL)'
  }
}
