// The relay's files in its data dir: its private key (so its peer ID, and with it every
// BeatTarget and bookmarked dashboard, survives restarts) and the list of known nodes.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import { parseNodeRecord } from '../protocol/index.ts'
import { KEY_FILE, KNOWN_NODES_FILE } from './constants.ts'
import type { NodeRecord } from '../protocol/index.ts'
import type { PrivateKey } from '@libp2p/interface'

const log = logger('devnet:relay:storage')

/** Writes via a temporary file and a rename, so a crash mid-write leaves the old file whole. */
async function writeAtomic (file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, data, { mode })
  await rename(tmp, file)
}

/** The relay's key from the data dir, made (Ed25519) and saved on first start. */
export async function loadOrCreateKey (dataDir: string): Promise<{ key: PrivateKey, created: boolean }> {
  await mkdir(dataDir, { recursive: true })
  const file = join(dataDir, KEY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (bytes != null) {
    try {
      return { key: privateKeyFromProtobuf(bytes), created: false }
    } catch (err) {
      // refusing is right: a new key would silently change the relay's peer ID
      throw new Error(`${file} is not a libp2p private key (${(err as Error).message}); move it away to start with a new identity`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  await writeAtomic(file, privateKeyToProtobuf(key), 0o600)
  return { key, created: true }
}

/** Known nodes saved by an earlier run; a damaged file is set aside, never fatal. */
export async function loadKnownNodes (dataDir: string): Promise<NodeRecord[]> {
  const file = join(dataDir, KNOWN_NODES_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  try {
    const value: unknown = JSON.parse(text)
    if (!Array.isArray(value)) throw new Error('not an array')
    return value.map(parseNodeRecord)
  } catch (err) {
    const aside = `${file}.damaged-${Date.now()}`
    await rename(file, aside).catch(() => {})
    log.error('%s could not be read (%s); moved to %s, starting with no known nodes', file, (err as Error).message, aside)
    return []
  }
}

export async function saveKnownNodes (dataDir: string, records: NodeRecord[]): Promise<void> {
  await writeAtomic(join(dataDir, KNOWN_NODES_FILE), JSON.stringify(records))
}
