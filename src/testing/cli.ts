// Runs the CLI as a person would, through the launcher, for the CLI tests of every command.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/devnet-dashboard.js', import.meta.url))

export interface CliResult { code: number, stdout: string, stderr: string }

/** `devnet-dashboard ...args` to completion; its exit code, or 1 when it was killed. */
export async function runCli (args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return await new Promise(resolve => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err == null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr })
    })
  })
}
