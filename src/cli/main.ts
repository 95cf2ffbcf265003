// `devnet-dashboard <command>`: the CLI a person runs. It prints what a person needs; library
// code below it logs through @libp2p/logger (DEBUG=devnet:*).
import { OptionError } from './options.ts'

interface Command {
  summary: string
  run: (argv: string[]) => Promise<void>
}

const commands: Record<string, Command> = {
  relay: {
    summary: 'run the relay: take heartbeats, serve the dashboard, the API and metrics',
    run: async argv => { await (await import('./relay-command.ts')).runRelayCommand(argv) }
  },
  sim: {
    summary: 'run a simulated devnet whose nodes beat to a relay',
    run: async argv => { await (await import('./sim-command.ts')).runSimCommand(argv) }
  },
  replay: {
    summary: 'serve a devnet the relay recorded (its --data-dir) to dashboards as if it were live',
    run: async argv => { await (await import('./replay-command.ts')).runReplayCommand(argv) }
  },
  watch: {
    summary: 'watch real nodes (Filecoin, beacon, execution) through their APIs and beat for them to a relay',
    run: async argv => { await (await import('./watch-command.ts')).runWatchCommand(argv) }
  }
}

function usage (): string {
  const width = Math.max(...Object.keys(commands).map(name => name.length)) + 2
  return [
    'usage: devnet-dashboard <command> [options]',
    '',
    'commands:',
    ...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`),
    '',
    'Run `devnet-dashboard <command> --help` for its options.'
  ].join('\n')
}

const [name, ...rest] = process.argv.slice(2)
if (name == null || name === '--help' || name === '-h' || name === 'help') {
  console.log(usage())
} else {
  const command = commands[name]
  if (command == null) {
    console.error(`devnet-dashboard: unknown command ${JSON.stringify(name)}\n\n${usage()}`)
    process.exitCode = 2
  } else {
    try {
      await command.run(rest)
    } catch (err) {
      if (err instanceof OptionError) {
        console.error(`devnet-dashboard ${name}: ${err.message}`)
        process.exitCode = 2
      } else {
        console.error(`devnet-dashboard ${name}: ${(err as Error).message}`)
        process.exitCode = 1
      }
    }
  }
}
