// A build step for index.html: the files of the record's page code (src/dashboard/record-code.ts
// and what it imports) and of the chart (src/dashboard/HeightChart.tsx: d3, the rasteriser) are
// written into the inline script, which preloads them for a recorded moment (?at=) while the
// first paint's code loads. Without it they were asked for only once the first paint's code had
// run, and the page sat idle ~100 ms for them (bench: the history window).
import type { Plugin } from 'vite'

/** What the inline script holds in place of the file list (an empty list in development). */
export const PLACEHOLDER = '/*RECORD_CHUNKS*/[]'

/** A chunk of the bundle as this step reads it. */
export interface BuiltChunk { type: 'chunk', fileName: string, facadeModuleId: string | null, imports: string[] }

/** The code a recorded moment needs beside the first paint's. */
export const MOMENT_ENTRIES = ['src/dashboard/record-code.ts', 'src/dashboard/HeightChart.tsx']

/** The files to preload: each entry's chunk and the chunks it imports (each once); none when
 *  an entry has no chunk of its own. */
export function recordChunks (bundle: Record<string, BuiltChunk | { type: 'asset' }>, entries = MOMENT_ENTRIES): string[] {
  const chunks = Object.values(bundle).filter((c): c is BuiltChunk => c.type === 'chunk')
  const files = new Set<string>()
  for (const entry of entries) {
    const chunk = chunks.find(c => c.facadeModuleId?.endsWith(entry) === true)
    if (chunk === undefined) return []
    for (const file of [chunk.fileName, ...chunk.imports]) files.add(file)
  }
  return [...files]
}

export function recordPreload (): Plugin {
  return {
    name: 'devnet-record-preload',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler (html, context) {
        if (!html.includes(PLACEHOLDER)) throw new Error(`index.html has no ${PLACEHOLDER} for the record's chunks`)
        const files = recordChunks((context.bundle ?? {}) as Record<string, BuiltChunk | { type: 'asset' }>)
        if (files.length === 0) throw new Error(`the bundle has no chunk for one of ${MOMENT_ENTRIES.join(', ')}`)
        return html.replace(PLACEHOLDER, JSON.stringify(files.map(file => `./${file}`)))
      }
    }
  }
}
