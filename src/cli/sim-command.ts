// placeholder until the simulator lands (issue 3)
export async function runSimCommand (_argv: string[]): Promise<void> {
  throw new Error('the simulator is not built yet')
}
