// One libp2p identity per watched node, kept in the watcher's data dir, so a node keeps its
// peer ID (and its place on the dashboard, its history, the relay's allowlist entry) across
// restarts of the watcher. The relay keys nodes by the noise-authenticated peer ID of the
// heartbeat connection; the watcher cannot sign as the node itself, so it holds a key for it.
// Keys are kept by node name in one file (mode 0600); a node removed from the node file keeps
// its key, so putting it back brings back the same peer ID.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { NODE_KEYS_FILE } from './constants.ts'
import type { PrivateKey } from '@libp2p/interface'

interface KeyFile { version: 1, keys: Record<string, string> }

export class NodeKeyStore {
  readonly file: string
  readonly #keys = new Map<string, PrivateKey>()
  /** saves one after another, so two never race on the temporary file */
  #saving: Promise<void> = Promise.resolve()

  private constructor (file: string) {
    this.file = file
  }

  /** Opens (or starts) the store in dataDir. A damaged file is refused, never replaced: new
   *  keys would silently give every watched node a new peer ID. */
  static async open (dataDir: string): Promise<NodeKeyStore> {
    await mkdir(dataDir, { recursive: true })
    const store = new NodeKeyStore(join(dataDir, NODE_KEYS_FILE))
    let text: string | undefined
    try {
      text = await readFile(store.file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    if (text != null) {
      try {
        const value = JSON.parse(text) as Partial<KeyFile>
        if (value.version !== 1 || typeof value.keys !== 'object' || value.keys == null) throw new Error('not a version 1 key file')
        for (const [name, encoded] of Object.entries(value.keys)) {
          if (typeof encoded !== 'string') throw new Error(`the key of ${JSON.stringify(name)} is not a string`)
          store.#keys.set(name, privateKeyFromProtobuf(Buffer.from(encoded, 'base64')))
        }
      } catch (err) {
        throw new Error(`${store.file} cannot be read (${(err as Error).message}); move it away to give every watched node a new peer ID`)
      }
    }
    return store
  }

  /** The key of each name, made (Ed25519) and saved for names that have none yet. */
  async keysFor (names: Iterable<string>): Promise<Map<string, PrivateKey>> {
    const out = new Map<string, PrivateKey>()
    let added = false
    for (const name of names) {
      let key = this.#keys.get(name)
      if (key == null) {
        key = await generateKeyPair('Ed25519')
        this.#keys.set(name, key)
        added = true
      }
      out.set(name, key)
    }
    if (added) await this.#save()
    return out
  }

  /** The peer ID a name has, if it has a key. */
  peerIdOf (name: string): string | undefined {
    const key = this.#keys.get(name)
    return key == null ? undefined : peerIdFromPrivateKey(key).toString()
  }

  async #save (): Promise<void> {
    const keys: Record<string, string> = {}
    for (const [name, key] of this.#keys) keys[name] = Buffer.from(privateKeyToProtobuf(key)).toString('base64')
    const data = JSON.stringify({ version: 1, keys } satisfies KeyFile)
    const write = async (): Promise<void> => {
      const tmp = `${this.file}.${process.pid}.tmp`
      await writeFile(tmp, data, { mode: 0o600 })
      await rename(tmp, this.file)
    }
    this.#saving = this.#saving.then(write, write)
    await this.#saving
  }
}
