// How tests wait: for a condition, never for a fixed time.

/**
 * Polls a condition until it holds (returns something other than undefined/false) and
 * returns its value; fails after timeoutMs with a message naming what was awaited, the
 * probe's last error, and describe() (whatever state would explain the wait). Polling a
 * condition is how tests wait: never a fixed sleep. The default bound is generous on purpose:
 * it only decides how long a broken feature takes to fail, and redials and handshakes beside a
 * full test run on two busy cores take many times what they take alone.
 */
export async function waitFor<T> (what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000, describe: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (true) {
    try {
      const value = await probe()
      if (value !== undefined && value !== false) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const detail = describe()
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError != null ? ` (last error: ${(lastError as Error).message})` : ''}${detail !== '' ? `; ${detail}` : ''}`)
    }
    // yields to I/O between checks; the condition, not this delay, is what a test waits on
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
