// A build step for index.html: the files of the record's page code (src/dashboard/record-code.ts
// and what it imports) are written into the inline script, which preloads them for a recorded
// moment (?at=) while the first paint's code loads. Without it they were asked for only once the
// first paint's code had run, and the page sat idle ~100 ms for them (bench: the history window).
import type { Plugin } from 'vite'

/** What the inline script holds in place of the file list (an empty list in development). */
export const PLACEHOLDER = '/*RECORD_CHUNKS*/[]'

/** A chunk of the bundle as this step reads it. */
export interface BuiltChunk { type: 'chunk', fileName: string, facadeModuleId: string | null, imports: string[] }

/** The files to preload: the record code's chunk and the chunks it imports, but the entry's own. */
export function recordChunks (bundle: Record<string, BuiltChunk | { type: 'asset' }>, entry = 'src/dashboard/record-code.ts'): string[] {
  const chunks = Object.values(bundle).filter((c): c is BuiltChunk => c.type === 'chunk')
  const record = chunks.find(c => c.facadeModuleId?.endsWith(entry) === true)
  if (record === undefined) return []
  return [record.fileName, ...record.imports]
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
        if (files.length === 0) throw new Error('the bundle has no chunk for src/dashboard/record-code.ts')
        return html.replace(PLACEHOLDER, JSON.stringify(files.map(file => `./${file}`)))
      }
    }
  }
}
