// Picks up edits to the node file while the watcher runs. The file is checked every second
// (its size, times and inode; a stat is cheap, and editors that write a new file and rename it
// over the old one defeat fs.watch); a changed file is read and parsed. A good edit replaces
// the list; a broken one keeps the last good list running and says why, once per edit.
import { open, stat } from 'node:fs/promises'
import { MAX_NODE_FILE_BYTES, NODE_FILE_CHECK_INTERVAL_MS } from './constants.ts'
import { NodeFileError } from './errors.ts'
import { parseNodeFile } from './node-file.ts'
import type { WatchedNodeSpec } from './node-file.ts'

export interface NodeFileReloaderInit {
  file: string
  /** default NODE_FILE_CHECK_INTERVAL_MS */
  intervalMs?: number
  /** a good edit: the whole new list */
  onChange: (nodes: WatchedNodeSpec[]) => void
  /** a broken edit (or the file gone): the last good list stays */
  onError: (err: NodeFileError) => void
}

/** Reads the node file, at most MAX_NODE_FILE_BYTES; throws NodeFileError. */
export async function readNodeFile (file: string): Promise<{ text: string, nodes: WatchedNodeSpec[] }> {
  const text = await readBounded(file)
  try {
    return { text, nodes: parseNodeFile(text) }
  } catch (err) {
    if (err instanceof NodeFileError) throw new NodeFileError(`${file}: ${err.message}`, err.entry, err.field)
    throw err
  }
}

async function readBounded (file: string): Promise<string> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (err) {
    throw new NodeFileError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  try {
    const buffer = Buffer.alloc(MAX_NODE_FILE_BYTES + 1)
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length > MAX_NODE_FILE_BYTES) throw new NodeFileError(`${file}: larger than ${MAX_NODE_FILE_BYTES} bytes`)
    return buffer.subarray(0, length).toString('utf8')
  } finally {
    await handle.close()
  }
}

export class NodeFileReloader {
  readonly file: string
  readonly #intervalMs: number
  readonly #onChange: (nodes: WatchedNodeSpec[]) => void
  readonly #onError: (err: NodeFileError) => void
  #timer: ReturnType<typeof setInterval> | undefined
  /** the stat seen last, as a string; a change makes the file be read */
  #lastStat = ''
  /** the text seen last, good or broken: the same text is not parsed or reported again */
  #lastText: string | undefined
  #lastError = ''
  #checking = false

  constructor (init: NodeFileReloaderInit) {
    this.file = init.file
    this.#intervalMs = init.intervalMs ?? NODE_FILE_CHECK_INTERVAL_MS
    this.#onChange = init.onChange
    this.#onError = init.onError
  }

  /** The first read: throws NodeFileError, since there is no good list to keep yet. */
  async load (): Promise<WatchedNodeSpec[]> {
    this.#lastStat = await this.#statKey()
    const { text, nodes } = await readNodeFile(this.file)
    this.#lastText = text
    return nodes
  }

  start (): void {
    if (this.#timer != null) return
    this.#timer = setInterval(() => { void this.check() }, this.#intervalMs)
  }

  stop (): void {
    if (this.#timer != null) clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** One check (the timer calls this; tests may too). */
  async check (): Promise<void> {
    if (this.#checking) return
    this.#checking = true
    try {
      const key = await this.#statKey()
      if (key === this.#lastStat) return
      this.#lastStat = key
      let text: string
      try {
        text = await readBounded(this.file)
      } catch (err) {
        this.#report(err as NodeFileError)
        return
      }
      if (text === this.#lastText) return
      this.#lastText = text
      let nodes: WatchedNodeSpec[]
      try {
        nodes = parseNodeFile(text)
      } catch (err) {
        if (!(err instanceof NodeFileError)) throw err
        this.#report(new NodeFileError(`${this.file}: ${err.message}`, err.entry, err.field))
        return
      }
      this.#lastError = ''
      this.#onChange(nodes)
    } finally {
      this.#checking = false
    }
  }

  #report (err: NodeFileError): void {
    // a file that stays broken (or missing) is reported once, not every second
    if (err.message === this.#lastError) return
    this.#lastError = err.message
    this.#onError(err)
  }

  async #statKey (): Promise<string> {
    try {
      const s = await stat(this.file)
      return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`
    } catch (err) {
      return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`
    }
  }
}
