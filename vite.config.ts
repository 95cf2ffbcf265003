import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

export default defineConfig({
  // relative asset URLs: the relay serves the page at /, but it also works from a sub-path
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // a wall display runs a current Chromium or Firefox; libp2p needs modern syntax anyway
    target: 'es2022',
    sourcemap: true,
    // libp2p with noise's crypto is most of the page (~220 kB gzip in all); a wall loads it
    // once and keeps it for days, so one chunk is simpler than splitting it
    chunkSizeWarningLimit: 1024
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' }
})
