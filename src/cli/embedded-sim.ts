// placeholder until the simulator lands (issue 3)
export async function startEmbeddedSimulation (_target: string, _nodes: number): Promise<() => Promise<void>> {
  throw new Error('the simulator is not built yet; run with --sim 0')
}
