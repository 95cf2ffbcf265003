import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { recordPreload } from './scripts/build/record-preload.ts'

// The page is built from the installed packages as they are: fixes to a dependency are patch
// files applied on install (patches/, docs/dependencies.md), so the page, the relay and the
// tests all run the same code.
export default defineConfig({
  // relative asset URLs: the relay serves the page at /, but it also works from a sub-path
  base: './',
  plugins: [react(), recordPreload()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // a wall display runs a current Chromium or Firefox; libp2p needs modern syntax anyway
    target: 'es2022',
    sourcemap: true,
    // libp2p with noise's crypto is most of the page; it is a chunk of its own, loaded after
    // the first paint (main.tsx), and a wall loads it once and keeps it for days
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      output: {
        codeSplitting: {
          // What the first paint needs (the entry's static imports) is one file beside the
          // entry, whatever the later chunks share with it: left to itself the bundler splits
          // every module shared with a lazy part (the fork panel, the event list, the feed) into
          // a chunk of its own, eight requests and more gzip than one
          groups: [
            { name: 'first-paint', tags: ['$initial'], test: (id: string) => !/index\.html|main\.tsx/.test(id) },
            // The record's page code (time travel, the event list, the history reader): one
            // file, not six. A recorded moment (?at=) waits for all of it before it asks for
            // anything it has not asked for in index.html (bench: the history window). It logs
            // only when something went wrong (later-logger.ts): the logger, with the multiformats
            // bases its formatters use, is the feed's and not in it
            { name: 'record', test: (id: string) => /src\/dashboard\/(record-code|time-travel|history-api|event-log|TimeTravelBanner|format-date)\.tsx?$|src\/store\/moment\.ts$|src\/protocol\/history\.ts$/.test(id) }
          ]
        }
      }
    }
  },
  // The feed's worker (libp2p, noise, yamux: feed-port.ts) is a module worker of its own files
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' }
})
