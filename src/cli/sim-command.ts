// `devnet-dashboard sim`: a simulated devnet beating to a relay, until SIGINT/SIGTERM.
import { enable } from '@libp2p/logger'
import { parseTarget } from '../p2p/addresses.ts'
import { parseGoDuration } from '../sender/index.ts'
import { createSimulation, DEFAULT_BLOCK_TIME, DEFAULT_SCENARIO, getScenario, SCENARIOS } from '../sim/index.ts'
import { stopSignals } from './stop-signals.ts'
import { formatOptions, parseCount, parseOptions } from './options.ts'
import type { OptionSpec } from './options.ts'
import type { SimulationEvent } from '../sim/index.ts'

function parseGoPeriod (raw: string): string {
  if (!(parseGoDuration(raw) > 0)) throw new Error('must be positive')
  return raw
}

const specs = {
  help: { flag: 'help', help: 'show this help', default: false, boolean: true, parse: () => true } satisfies OptionSpec<boolean>,
  target: {
    flag: 'target', env: 'DEVNET_SIM_TARGET', valueName: '<multiaddr>', default: undefined as string | undefined,
    help: 'the relay\'s BeatTarget, ending in /p2p/<peer id> (required)',
    parse: (raw: string) => { parseTarget(raw); return raw }
  } satisfies OptionSpec<string | undefined>,
  nodes: { flag: 'nodes', env: 'DEVNET_SIM_NODES', valueName: '<n>', default: 8, help: 'simulated nodes, each a libp2p node with its own peer ID', parse: parseCount } satisfies OptionSpec<number>,
  scenario: {
    flag: 'scenario', env: 'DEVNET_SIM_SCENARIO', valueName: '<name>', default: DEFAULT_SCENARIO,
    help: `scripted trouble: ${Object.keys(SCENARIOS).join(', ')}`,
    parse: (raw: string) => getScenario(raw).name
  } satisfies OptionSpec<string>,
  seed: { flag: 'seed', env: 'DEVNET_SIM_SEED', valueName: '<n>', default: undefined as number | undefined, help: 'replays the same chain, peer IDs and trouble (default: random, printed)', parse: parseCount } satisfies OptionSpec<number | undefined>,
  blockTime: { flag: 'block-time', env: 'DEVNET_SIM_BLOCK_TIME', valueName: '<duration>', default: DEFAULT_BLOCK_TIME, help: 'time between rounds, a Go duration', parse: parseGoPeriod } satisfies OptionSpec<string>,
  beatPeriod: { flag: 'beat-period', env: 'DEVNET_SIM_BEAT_PERIOD', valueName: '<duration>', default: '3s', help: 'every node\'s BeatPeriod (go-filecoin: 3s)', parse: parseGoPeriod } satisfies OptionSpec<string>,
  reconnectPeriod: { flag: 'reconnect-period', env: 'DEVNET_SIM_RECONNECT_PERIOD', valueName: '<duration>', default: '10s', help: 'every node\'s ReconnectPeriod (go-filecoin: 10s)', parse: parseGoPeriod } satisfies OptionSpec<string>,
  quiet: { flag: 'quiet', env: 'DEVNET_SIM_QUIET', help: 'print no line per scripted event', default: false, boolean: true, parse: () => true } satisfies OptionSpec<boolean>
}

export const SIM_HELP = `usage: devnet-dashboard sim --target <relay multiaddr> [options]

Runs N simulated devnet nodes that beat to a relay exactly as go-filecoin does, over one
simulated chain, with scripted trouble (lag, forks, stalls, restarts, nodes leaving).

options:
${formatOptions(specs)}

scenarios:
${Object.values(SCENARIOS).map(s => `  ${s.name.padEnd(9)}${s.description}`).join('\n')}`

/** One line for a scripted event, for a person watching the terminal. */
export function describeEvent (event: SimulationEvent): string {
  const names = event.nodes.slice(0, 3).map(node => node.nickname).join(', ') + (event.nodes.length > 3 ? ` and ${event.nodes.length - 3} more` : '')
  const what: Record<string, string> = {
    'lag:begin': `${names} fall(s) behind`,
    'lag:end': `${names} catch(es) up`,
    'fork:begin': `fork: ${event.nodes.length} node(s) follow another branch`,
    'fork:end': 'reorg: every node back on one branch',
    'stall:begin': `${names} stop(s) beating, stream left open`,
    'stall:end': `${names} beat(s) again`,
    'restart:begin': `${names} restart(s)`,
    'restart:end': `${names} back${event.nodes.some(node => node.previousPeerId != null) ? ' with a new peer ID' : ' with the same peer ID'}`,
    'leave:begin': `${names} leave(s) for good`,
    'leave:end': `${names} gone`,
    'join:begin': `${names} join(s)`,
    'halt:begin': 'the chain halts',
    'halt:end': 'the chain moves again',
    'partial:begin': `${names} see(s) each 3-block round in part (2 blocks): one round, no fork`,
    'partial:end': `${names} see(s) whole rounds again`,
    'genesis:begin': `${names} restart(s) on another genesis: another network, no fork`,
    'genesis:end': `${names} back on the devnet's genesis`
  }
  return `round ${event.round} (height ${event.height}): ${what[`${event.kind}:${event.phase}`] ?? `${event.kind} ${event.phase}`}`
}

export async function runSimCommand (argv: string[]): Promise<void> {
  const options = parseOptions(specs, argv, process.env)
  if (options.help) {
    console.log(SIM_HELP)
    return
  }
  if (options.target == null) {
    throw new Error('--target (or DEVNET_SIM_TARGET) is required: the relay\'s BeatTarget, printed by `devnet-dashboard relay`')
  }
  if (process.env.DEBUG == null || process.env.DEBUG === '') enable('devnet:*:error')
  const simulation = createSimulation({
    target: options.target,
    nodes: options.nodes,
    scenario: options.scenario,
    ...(options.seed != null ? { seed: options.seed } : {}),
    blockTime: options.blockTime,
    beatPeriod: options.beatPeriod,
    reconnectPeriod: options.reconnectPeriod,
    ...(options.quiet ? {} : { onEvent: (event: SimulationEvent) => { console.log(describeEvent(event)) } })
  })
  await simulation.start()
  console.log(`devnet-dashboard sim: ${options.nodes} nodes beating to ${options.target}; scenario ${simulation.scenario.name}, seed ${simulation.seed}, block time ${options.blockTime} (first beats after ReconnectPeriod ${options.reconnectPeriod} + BeatPeriod ${options.beatPeriod})`)

  const signals = stopSignals()
  const signal = await signals.received
  console.log(`${signal}: stopping ${simulation.stats().nodes} nodes`)
  try {
    await simulation.stop()
  } catch (err) {
    console.error(`devnet-dashboard sim: stop failed: ${(err as Error).message}`)
    process.exitCode = 1
  } finally {
    signals.release()
  }
}
