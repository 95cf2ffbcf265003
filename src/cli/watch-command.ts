// `devnet-dashboard watch`: real nodes watched through their own APIs (Filecoin JSON-RPC, the
// beacon API, execution JSON-RPC), each beating fil/heartbeat/1.0.0 to a relay with its own
// persisted identity, until SIGINT/SIGTERM. Edits to the node file are picked up as it runs.
import { resolve } from 'node:path'
import { enable } from '@libp2p/logger'
import { parseTarget } from '../p2p/addresses.ts'
import { parseGoDuration } from '../sender/index.ts'
import { createWatcher } from '../watch/index.ts'
import { formatOptions, parseOptions, parseText } from './options.ts'
import { stopSignals } from './stop-signals.ts'
import type { OptionSpec } from './options.ts'
import type { Watcher, WatchLog } from '../watch/index.ts'

function parsePeriodMs (raw: string): number {
  const ms = parseGoDuration(raw)
  if (!(ms > 0)) throw new Error('must be positive')
  return ms
}

const specs = {
  help: { flag: 'help', help: 'show this help', default: false, boolean: true, parse: () => true } satisfies OptionSpec<boolean>,
  nodes: { flag: 'nodes', env: 'DEVNET_WATCH_NODES', valueName: '<file>', default: undefined as string | undefined, help: 'the node file (JSON: { "nodes": [ { "name", "kind", "url", "tokenEnv"?, "miner"? } ] }); required', parse: parseText } satisfies OptionSpec<string | undefined>,
  target: {
    flag: 'target', env: 'DEVNET_WATCH_TARGET', valueName: '<multiaddr>', default: undefined as string | undefined,
    help: 'the relay\'s BeatTarget, ending in /p2p/<peer id> (required)',
    parse: (raw: string) => { parseTarget(raw); return raw }
  } satisfies OptionSpec<string | undefined>,
  dataDir: { flag: 'data-dir', env: 'DEVNET_WATCH_DATA_DIR', valueName: '<dir>', default: './watch-data', help: 'where each watched node\'s key and the roster are kept', parse: parseText } satisfies OptionSpec<string>,
  beatPeriod: { flag: 'beat-period', env: 'DEVNET_WATCH_BEAT_PERIOD', valueName: '<duration>', default: 3000, help: 'every watched node\'s BeatPeriod, a Go duration (go-filecoin: 3s); a new head is beaten at once besides', parse: parsePeriodMs } satisfies OptionSpec<number>,
  reconnectPeriod: { flag: 'reconnect-period', env: 'DEVNET_WATCH_RECONNECT_PERIOD', valueName: '<duration>', default: 10_000, help: 'how often a lost relay is redialled (go-filecoin: 10s)', parse: parsePeriodMs } satisfies OptionSpec<number>,
  pollInterval: { flag: 'poll-interval', env: 'DEVNET_WATCH_POLL_INTERVAL', valueName: '<duration>', default: 1000, help: 'how often a node without subscriptions is polled', parse: parsePeriodMs } satisfies OptionSpec<number>
}

export const WATCH_HELP = `usage: devnet-dashboard watch --nodes <file> --target <relay multiaddr> [options]

Watches real nodes through their own APIs and beats fil/heartbeat/1.0.0 to the relay on each
one's behalf, with one libp2p identity per node kept in the data dir:
  filecoin   Lotus, Forest, Venus: JSON-RPC at ws://host:1234/rpc/v1 (ChainNotify, else ChainHead)
  beacon     any consensus client: the beacon API at http://host:5052 (events, else headers/head)
  execution  geth, Nethermind, Besu, Erigon, Reth: JSON-RPC at ws://host:8546 (newHeads, else polling)
A node's token is read from the environment variable its entry names (tokenEnv), never printed.
Edits to the node file are picked up while running; a broken edit keeps the last good list.

options:
${formatOptions(specs)}`

/** The watcher's lines for a person: failures on stderr, the rest on stdout. */
export const consoleWatchLog: WatchLog = {
  info: message => { console.log(`watch: ${message}`) },
  warn: message => { console.error(`watch: ${message}`) }
}

/** What the watcher's nodes are, one line each, for the start banner. */
export function describeWatched (watcher: Watcher): string[] {
  return watcher.nodes().map(node => `    ${node.name.padEnd(16)} ${node.kind.padEnd(9)} ${node.peerId}`)
}

export async function runWatchCommand (argv: string[]): Promise<void> {
  const options = parseOptions(specs, argv, process.env)
  if (options.help) {
    console.log(WATCH_HELP)
    return
  }
  if (options.nodes == null) throw new Error('--nodes (or DEVNET_WATCH_NODES) is required: the node file to watch')
  if (options.target == null) throw new Error('--target (or DEVNET_WATCH_TARGET) is required: the relay\'s BeatTarget, printed by `devnet-dashboard relay`')
  if (process.env.DEBUG == null || process.env.DEBUG === '') enable('devnet:*:error')
  const nodesFile = resolve(options.nodes)
  const dataDir = resolve(options.dataDir)
  const watcher = createWatcher({
    target: options.target,
    dataDir,
    nodesFile,
    beatPeriodMs: options.beatPeriod,
    reconnectPeriodMs: options.reconnectPeriod,
    pollIntervalMs: options.pollInterval,
    log: consoleWatchLog
  })
  await watcher.start()
  console.log([
    `devnet-dashboard watch: ${watcher.nodes().length} node(s) from ${nodesFile}, beating to ${options.target}`,
    ...describeWatched(watcher),
    `  data dir:  ${dataDir} (each node's key; the roster)`,
    `  roster:    ${watcher.rosterFile}: to have the relay expect these nodes (shown "missing" until first heard), run it with`,
    `             devnet-dashboard relay --roster ${watcher.rosterFile}`
  ].join('\n'))

  const signals = stopSignals()
  const signal = await signals.received
  console.log(`${signal}: stopping`)
  try {
    await watcher.stop()
  } catch (err) {
    console.error(`devnet-dashboard watch: stop failed: ${(err as Error).message}`)
    process.exitCode = 1
  } finally {
    signals.release()
  }
}
