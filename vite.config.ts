import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import type { Plugin } from 'vite'
import { copyMap, installedPackages, redirect } from './scripts/one-copy.ts'
import type { Merges } from './scripts/one-copy.ts'

// Modules of our dependencies that the page bundles but never runs, each replaced by a small
// stand-in under src/dashboard/stubs/ whose file says why that is safe. Keys are paths under
// node_modules as the bundler resolves them (after package.json "browser" mappings).
const STUBS: Readonly<Record<string, string>> = {
  // key types other than Ed25519: the page's identity is Ed25519 (identity.ts), and so is the
  // relay's (src/relay/storage.ts); a relay with another key type fails the noise handshake
  // with an UnsupportedKeyError that the page shows (see README, Limits)
  '@libp2p/crypto/dist/src/keys/secp256k1/utils.js': 'src/dashboard/stubs/secp256k1-keys.ts',
  '@libp2p/crypto/dist/src/keys/ecdsa/utils.js': 'src/dashboard/stubs/ecdsa-keys.ts',
  '@libp2p/crypto/dist/src/keys/ecdsa/ecdsa.js': 'src/dashboard/stubs/ecdsa-keys.ts',
  '@libp2p/crypto/dist/src/keys/rsa/utils.js': 'src/dashboard/stubs/rsa-keys.ts',
  // libp2p 3 always builds the stock peer store (a datastore of protobuf records, locks,
  // signed peer records) and takes no other; the page needs a Map (see the file)
  '@libp2p/peer-store/dist/src/index.js': 'src/dashboard/memory-peer-store.ts',
  // libp2p parts that only act for features the page does not use (each file says why)
  'datastore-core/dist/src/memory.js': 'src/dashboard/stubs/datastore.ts',
  'libp2p/dist/src/connection-manager/resolvers/dnsaddr.js': 'src/dashboard/stubs/dnsaddr-resolver.ts',
  'libp2p/dist/src/connection-manager/reconnect-queue.js': 'src/dashboard/stubs/reconnect-queue.ts',
  'libp2p/dist/src/connection-monitor.js': 'src/dashboard/stubs/connection-monitor.ts',
  'libp2p/dist/src/address-manager/index.js': 'src/dashboard/stubs/address-manager.ts',
  'libp2p/dist/src/peer-routing.js': 'src/dashboard/stubs/routing.ts',
  'libp2p/dist/src/content-routing.js': 'src/dashboard/stubs/routing.ts',
  'libp2p/dist/src/random-walk.js': 'src/dashboard/stubs/routing.ts',
  // d3 parts that the chart's linear scales reach but never call (each file says why)
  'd3-color/dist/d3-color.mjs': 'src/dashboard/stubs/d3-color.ts',
  'd3-format/dist/d3-format.mjs': 'src/dashboard/stubs/d3-format.ts'
}

/**
 * Swaps the STUBS modules for their stand-ins. resolve.alias matches import specifiers, and
 * these are relative imports inside a package ('./rsa/utils.js'), so this matches what they
 * resolve to instead: no other module with a similar name can be caught by mistake.
 */
function stubModules (stubs: Readonly<Record<string, string>>): Plugin {
  const bySuffix = Object.entries(stubs).map(([dep, stub]) => [`/node_modules/${dep}`, fileURLToPath(new URL(stub, import.meta.url))] as const)
  const used = new Set<string>()
  return {
    name: 'devnet-dashboard:stub-modules',
    // the dev server pre-bundles dependencies without these hooks; the built page is what ships
    apply: 'build',
    enforce: 'pre',
    async resolveId (source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true })
      if (resolved == null) return null
      const stub = bySuffix.find(([suffix]) => resolved.id.endsWith(suffix))
      if (stub == null) return resolved
      used.add(stub[0])
      return stub[1]
    },
    buildEnd (err) {
      // after a dependency update moves or drops a module, its stub must be looked at again
      const unused = bySuffix.filter(([suffix]) => !used.has(suffix)).map(([suffix]) => suffix)
      if (err == null && unused.length > 0) this.error(`no module was replaced by a stub for ${unused.join(', ')}: check vite.config.ts STUBS against the installed packages`)
    }
  }
}

// @chainsafe/libp2p-noise 17 and -yamux 8 depend on the majors before the ones the rest of
// libp2p 3 uses. Compared at uint8arraylist 2.4.9 and 3.0.2 (they differ only in comments),
// protons-runtime 5.6.0 and 7.1.2 (7 adds streamMessage and an optional third argument to
// message()) and uint8arrays 5.1.1 and 6.1.1 (6 adds exports: withArrayBuffer, xorCompare).
// multiformats 13, which only uint8arrays 5 brings, goes with it.
const MERGES: Merges = {
  uint8arraylist: { from: [2], into: 3 },
  'protons-runtime': { from: [5], into: 7 },
  uint8arrays: { from: [5], into: 6 }
}

/**
 * Bundles one copy of each package (scripts/one-copy.ts): every module resolved into a copy
 * that another replaces is taken from that other copy instead, at the same path inside it.
 */
function oneCopyPerPackage (merges: Merges): Plugin {
  let map: Map<string, string> = new Map()
  return {
    name: 'devnet-dashboard:one-copy',
    apply: 'build',
    enforce: 'pre',
    buildStart () {
      map = copyMap(installedPackages(fileURLToPath(new URL('node_modules', import.meta.url))), merges)
    },
    async resolveId (source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true })
      if (resolved == null) return null
      const [file = '', query] = resolved.id.split('?')
      const to = redirect(file, map)
      if (to == null) return resolved
      if (!existsSync(to)) this.error(`${file} has no counterpart at ${to}: check MERGES in vite.config.ts against the installed packages`)
      return { ...resolved, id: query == null ? to : `${to}?${query}` }
    }
  }
}

export default defineConfig({
  // relative asset URLs: the relay serves the page at /, but it also works from a sub-path
  base: './',
  plugins: [oneCopyPerPackage(MERGES), stubModules(STUBS), react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // a wall display runs a current Chromium or Firefox; libp2p needs modern syntax anyway
    target: 'es2022',
    sourcemap: true,
    // libp2p with noise's crypto is most of the page; it is a chunk of its own, loaded after
    // the first paint (main.tsx), and a wall loads it once and keeps it for days
    chunkSizeWarningLimit: 1024
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' }
})
