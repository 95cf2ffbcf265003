// `devnet-dashboard relay`: runs the relay until SIGINT/SIGTERM and prints what a person needs
// to use it: the dashboard URL, the peer ID and the BeatTarget for devnet nodes.
import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { enable } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { startRelay } from '../relay/index.ts'
import { COOL_OFF_MS, MAX_BEATS_PER_SECOND, MAX_FEED_SUBSCRIBERS } from '../relay/constants.ts'
import { DEFAULT_HISTORY_DAYS, DEFAULT_HISTORY_MAX_MB } from '../relay/record/constants.ts'
import { formatOptions, parseCount, parseOptions, parsePort, parseText } from './options.ts'
import { stopSignals } from './stop-signals.ts'
import type { Relay } from '../relay/index.ts'
import type { OptionSpec } from './options.ts'

const specs = {
  help: { flag: 'help', help: 'show this help', default: false, boolean: true, parse: () => true } satisfies OptionSpec<boolean>,
  host: {
    flag: 'host', env: 'DEVNET_HOST', valueName: '<ip>', default: '127.0.0.1',
    help: 'address every listener binds (0.0.0.0 for all interfaces)',
    parse: (raw: string) => { if (isIP(raw) === 0) throw new Error('must be an IPv4 or IPv6 address'); return raw }
  } satisfies OptionSpec<string>,
  httpPort: { flag: 'http-port', env: 'DEVNET_HTTP_PORT', valueName: '<port>', default: 8080, help: 'HTTP port: dashboard, /relay.json, /api/nodes, /metrics, /healthz', parse: parsePort } satisfies OptionSpec<number>,
  tcpPort: { flag: 'tcp-port', env: 'DEVNET_TCP_PORT', valueName: '<port>', default: 4001, help: 'libp2p TCP port for devnet nodes', parse: parsePort } satisfies OptionSpec<number>,
  wsPort: { flag: 'ws-port', env: 'DEVNET_WS_PORT', valueName: '<port>', default: 4002, help: 'libp2p WebSockets port for dashboards (and nodes)', parse: parsePort } satisfies OptionSpec<number>,
  dataDir: { flag: 'data-dir', env: 'DEVNET_DATA_DIR', valueName: '<dir>', default: './data', help: 'where the relay keeps its key, known nodes and history record (history.sqlite)', parse: parseText } satisfies OptionSpec<string>,
  announce: {
    flag: 'announce', env: 'DEVNET_ANNOUNCE', valueName: '<multiaddr>', default: [] as string[], repeatable: true,
    help: 'a public address of this relay (NAT, DNS name), listed first; env: comma separated',
    parse: (raw: string) => { multiaddr(raw); return raw }
  } satisfies OptionSpec<string[]>,
  allowNode: {
    flag: 'allow-node', env: 'DEVNET_ALLOW_NODES', valueName: '<peer id>', default: [] as string[], repeatable: true,
    help: 'only these peers may send heartbeats (with <data-dir>/allowed-nodes.txt); env: comma separated',
    parse: parsePeerId
  } satisfies OptionSpec<string[]>,
  allowViewer: {
    flag: 'allow-viewer', env: 'DEVNET_ALLOW_VIEWERS', valueName: '<peer id>', default: [] as string[], repeatable: true,
    help: 'only these peers may subscribe to the feed (with <data-dir>/allowed-viewers.txt); env: comma separated',
    parse: parsePeerId
  } satisfies OptionSpec<string[]>,
  maxViewers: { flag: 'max-viewers', env: 'DEVNET_MAX_VIEWERS', valueName: '<n>', default: MAX_FEED_SUBSCRIBERS, help: 'dashboards subscribed at once', parse: parseCount } satisfies OptionSpec<number>,
  maxBeatsPerSecond: {
    flag: 'max-beats-per-second', env: 'DEVNET_MAX_BEATS_PER_SECOND', valueName: '<n>', default: MAX_BEATS_PER_SECOND,
    help: 'heartbeats a second per peer (burst: twice this); more are dropped and counted', parse: parsePositive
  } satisfies OptionSpec<number>,
  coolOff: {
    flag: 'cool-off-seconds', env: 'DEVNET_COOL_OFF_SECONDS', valueName: '<s>', default: COOL_OFF_MS / 1000,
    help: 'how long a peer that sent too many bad lines is refused', parse: parseCount
  } satisfies OptionSpec<number>,
  historyDays: {
    flag: 'history-days', env: 'DEVNET_HISTORY_DAYS', valueName: '<days>', default: DEFAULT_HISTORY_DAYS,
    help: 'the history record (<data-dir>/history.sqlite) keeps this many days', parse: parseAmount
  } satisfies OptionSpec<number>,
  historyMaxMb: {
    flag: 'history-max-mb', env: 'DEVNET_HISTORY_MAX_MB', valueName: '<MB>', default: DEFAULT_HISTORY_MAX_MB,
    help: 'and stays under this many MB, oldest first', parse: parseAmount
  } satisfies OptionSpec<number>,
  sim: { flag: 'sim', env: 'DEVNET_SIM', valueName: '<nodes>', default: 0, help: 'also run a simulated devnet of this many nodes beating to this relay', parse: parseCount } satisfies OptionSpec<number>,
  roster: { flag: 'roster', env: 'DEVNET_ROSTER', valueName: '<file>', default: undefined as string | undefined, help: 'nodes to show from the start, "missing" until first heard: JSON { "nodes": [ { "name", "peerId" } ] } (a watcher writes one in its data dir); followed while running', parse: parseText } satisfies OptionSpec<string | undefined>,
  watch: { flag: 'watch', env: 'DEVNET_WATCH', valueName: '<file>', default: undefined as string | undefined, help: 'also watch the real nodes in this node file (see `devnet-dashboard watch --help`), beating to this relay', parse: parseText } satisfies OptionSpec<string | undefined>
}

/** A positive number, fractions allowed (half a day, a quarter of a MB for a test). */
function parseAmount (raw: string): number {
  const n = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(n > 0)) throw new Error('must be a positive number')
  return n
}

function parsePeerId (raw: string): string {
  try {
    return peerIdFromString(raw).toString()
  } catch {
    throw new Error('must be a peer ID such as 12D3KooW…')
  }
}

function parsePositive (raw: string): number {
  const n = parseCount(raw)
  if (n === 0) throw new Error('must be at least 1')
  return n
}

export const RELAY_HELP = `usage: devnet-dashboard relay [options]

Takes fil/heartbeat/1.0.0 streams from devnet nodes and shows them live in the dashboard.

options:
${formatOptions(specs)}`

export async function runRelayCommand (argv: string[]): Promise<void> {
  const options = parseOptions(specs, argv, process.env)
  if (options.help) {
    console.log(RELAY_HELP)
    return
  }
  // rejections and failures are worth a line on stderr even without DEBUG; DEBUG=devnet:*
  // (or any DEBUG) replaces this with the namespaces it names
  if (process.env.DEBUG == null || process.env.DEBUG === '') enable('devnet:*:error')
  const dataDir = resolve(options.dataDir)
  const relay = await startRelay({
    host: options.host,
    httpPort: options.httpPort,
    tcpPort: options.tcpPort,
    wsPort: options.wsPort,
    dataDir,
    announce: options.announce,
    allowNodes: options.allowNode,
    allowViewers: options.allowViewer,
    maxViewers: options.maxViewers,
    maxBeatsPerSecond: options.maxBeatsPerSecond,
    coolOffMs: options.coolOff * 1000,
    historyDays: options.historyDays,
    historyMaxMb: options.historyMaxMb,
    ...(options.roster != null ? { roster: resolve(options.roster) } : {})
  })
  const stops: Array<() => Promise<void>> = [async () => { await relay.stop() }]
  const lines = relayBanner(relay, dataDir, options.maxViewers)
  if (options.roster != null) lines.push(`  expected nodes: from ${resolve(options.roster)} (shown missing until first heard)`)
  if (options.sim > 0) {
    const { startEmbeddedSimulation } = await import('./embedded-sim.ts')
    const target = relay.nodeAddrs.find(addr => addr.includes('/tcp/') && !addr.includes('/ws')) ?? relay.nodeAddrs[0] ?? ''
    stops.unshift(await startEmbeddedSimulation(target, options.sim))
    lines.push(`  simulated devnet: ${options.sim} nodes beating to ${target}`)
  }
  if (options.watch != null) {
    const { startEmbeddedWatch } = await import('./embedded-watch.ts')
    const target = relay.nodeAddrs.find(addr => addr.includes('/tcp/') && !addr.includes('/ws')) ?? relay.nodeAddrs[0] ?? ''
    try {
      // the watcher's nodes are expected from the start, and follow its node file's edits
      const watch = await startEmbeddedWatch(target, resolve(options.watch), dataDir, roster => { relay.expect('watch', roster) })
      stops.unshift(watch.stop)
      lines.push(...watch.lines)
    } catch (err) {
      // a bad node file at start: say why and leave nothing running
      await relay.stop()
      throw err
    }
  }
  console.log(lines.join('\n'))

  const signal = await stopSignals().received
  console.log(`${signal}: stopping`)
  try {
    for (const stop of stops) await stop()
  } catch (err) {
    console.error(`devnet-dashboard relay: stop failed: ${(err as Error).message}`)
    process.exit(1)
  }
  process.exit(0)
}

/** What a person needs to use the relay: the dashboard URL, the peer ID, the BeatTargets. */
function relayBanner (relay: Relay, dataDir: string, maxViewers: number): string[] {
  const { nodes, viewers } = relay.allowlists
  return [
    `devnet-dashboard relay ${relay.peerId}`,
    `  dashboard:  ${relay.httpUrl}/`,
    `  data dir:   ${dataDir} (history: ${relay.history.days} days, at most ${relay.history.maxMb} MB)`,
    '  BeatTarget for devnet nodes (go-filecoin: heartbeat.beatTarget):',
    ...relay.nodeAddrs.map(addr => `    ${addr}`),
    '  dashboards dial:',
    ...relay.browserAddrs.map(addr => `    ${addr}`),
    `  nodes allowed:   ${nodes == null ? 'any' : `${nodes} listed peers`}`,
    `  viewers allowed: ${viewers == null ? 'any' : `${viewers} listed peers`}, at most ${maxViewers} at once`
  ]
}
