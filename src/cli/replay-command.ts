// `devnet-dashboard replay`: serves a recorded devnet (a relay's --data-dir) to dashboards as
// if it were live, from --from to --to at --speed, over the same feed and API. The record is
// only read: a relay may keep recording into the same data dir meanwhile.
import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { enable } from '@libp2p/logger'
import { parseMoment } from '../protocol/moment.ts'
import { startReplayRelay } from '../relay/replay-relay.ts'
import { formatOptions, parseOptions, parsePort, parseText } from './options.ts'
import { stopSignals } from './stop-signals.ts'
import type { OptionSpec } from './options.ts'

// times as the page's ?at= takes them: ISO, relative to now (-2h), or ms since the epoch
function parseTime (raw: string): number {
  const at = parseMoment(raw, Date.now())
  if (at == null) throw new Error('must be a time: ISO (2026-01-05T14:02:00Z), relative to now (-2h), or ms since the epoch')
  return at
}

function parseSpeed (raw: string): number {
  const n = Number(raw)
  // past this the relay's feed, not the record, would be what a dashboard sees
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(n > 0) || n > 1_000) throw new Error('must be a number above 0, at most 1000')
  return n
}

const specs = {
  help: { flag: 'help', help: 'show this help', default: false, boolean: true, parse: () => true } satisfies OptionSpec<boolean>,
  dataDir: { flag: 'data-dir', env: 'DEVNET_DATA_DIR', valueName: '<dir>', default: './data', help: 'the recording relay\'s data dir (its history.sqlite is read, never written)', parse: parseText } satisfies OptionSpec<string>,
  from: { flag: 'from', valueName: '<time>', default: '', help: 'where to start: ISO time, -2h, ms; default where the record begins', parse: parseText } satisfies OptionSpec<string>,
  to: { flag: 'to', valueName: '<time>', default: '', help: 'where to stop (the last state stays on screen); default where the record ends', parse: parseText } satisfies OptionSpec<string>,
  speed: { flag: 'speed', valueName: '<n>', default: 1, help: 'times real time', parse: parseSpeed } satisfies OptionSpec<number>,
  host: {
    flag: 'host', env: 'DEVNET_HOST', valueName: '<ip>', default: '127.0.0.1', help: 'address every listener binds',
    parse: (raw: string) => { if (isIP(raw) === 0) throw new Error('must be an IPv4 or IPv6 address'); return raw }
  } satisfies OptionSpec<string>,
  httpPort: { flag: 'http-port', env: 'DEVNET_HTTP_PORT', valueName: '<port>', default: 8080, help: 'HTTP port: the dashboard and the API', parse: parsePort } satisfies OptionSpec<number>,
  wsPort: { flag: 'ws-port', env: 'DEVNET_WS_PORT', valueName: '<port>', default: 4002, help: 'libp2p WebSockets port for dashboards', parse: parsePort } satisfies OptionSpec<number>
}

export const REPLAY_HELP = `usage: devnet-dashboard replay --data-dir <dir> [--from <time>] [--to <time>] [--speed <n>]

Serves a devnet the relay recorded to dashboards as if it were live, for a post-mortem or a
demo. Playing starts when the first dashboard subscribes.

options:
${formatOptions(specs)}`

export async function runReplayCommand (argv: string[]): Promise<void> {
  const options = parseOptions(specs, argv, process.env)
  if (options.help) {
    console.log(REPLAY_HELP)
    return
  }
  if (process.env.DEBUG == null || process.env.DEBUG === '') enable('devnet:*:error')
  const dataDir = resolve(options.dataDir)
  const relay = await startReplayRelay({
    dataDir,
    ...(options.from !== '' ? { from: parseTime(options.from) } : {}),
    ...(options.to !== '' ? { to: parseTime(options.to) } : {}),
    speed: options.speed,
    host: options.host,
    httpPort: options.httpPort,
    wsPort: options.wsPort,
    waitForViewer: true
  })
  console.log([
    `devnet-dashboard replay ${relay.peerId}`,
    `  dashboard:  ${relay.httpUrl}/`,
    `  record:     ${dataDir}`,
    `  playing:    ${new Date(relay.from).toISOString()} → ${new Date(relay.to).toISOString()} at ${relay.speed}× (from the first dashboard on)`,
    '  dashboards dial:',
    ...relay.browserAddrs.map(addr => `    ${addr}`)
  ].join('\n'))
  void relay.finished.then(() => { console.log(`replay reached ${new Date(relay.to).toISOString()}; its last state stays on screen until stopped`) })
  const signal = await stopSignals().received
  console.log(`${signal}: stopping`)
  await relay.stop()
  process.exit(0)
}
