import { startRelayProcess } from './relay-process.ts'
import { GoodSwarm } from './good-swarm.ts'
const relay = await startRelayProcess([], { inspect: true })
const t0 = Date.now()
try {
  const swarm = await GoodSwarm.start(500, relay.tcp)
  console.log('ok in', Date.now() - t0)
  await swarm.stop()
} catch (err) {
  console.log('failed in', Date.now() - t0, (err as Error).name, (err as Error).message, String((err as any).cause))
  console.log(relay.output().split('\n').slice(-15).join('\n'))
}
await relay.stop()
