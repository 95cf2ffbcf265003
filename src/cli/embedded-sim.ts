// `relay --sim N`: a simulated devnet in the relay's process, beating to the relay over the
// wire like any other nodes. Its scripted trouble is printed as it happens.
import { createSimulation } from '../sim/index.ts'
import { describeEvent } from './sim-command.ts'

export async function startEmbeddedSimulation (target: string, nodes: number): Promise<() => Promise<void>> {
  const simulation = createSimulation({
    target,
    nodes,
    onEvent: event => { console.log(`  sim: ${describeEvent(event)}`) }
  })
  await simulation.start()
  return async () => { await simulation.stop() }
}
