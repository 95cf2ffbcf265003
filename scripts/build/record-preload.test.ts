import { strict as assert } from 'node:assert'
import { describe, it } from 'node:test'
import { recordChunks } from './record-preload.ts'

describe('the record chunks index.html preloads', () => {
  it('are the record code\'s and the chart\'s chunks and their imports, each once', () => {
    const bundle = {
      'assets/index-a.js': { type: 'chunk' as const, fileName: 'assets/index-a.js', facadeModuleId: '/p/src/dashboard/main.tsx', imports: ['assets/first-paint-b.js'] },
      'assets/record-code-c.js': { type: 'chunk' as const, fileName: 'assets/record-code-c.js', facadeModuleId: '/p/src/dashboard/record-code.ts', imports: ['assets/record-d.js', 'assets/first-paint-b.js'] },
      'assets/HeightChart-e.js': { type: 'chunk' as const, fileName: 'assets/HeightChart-e.js', facadeModuleId: '/p/src/dashboard/HeightChart.tsx', imports: ['assets/first-paint-b.js', 'assets/d3-scale-f.js'] },
      'assets/style.css': { type: 'asset' as const }
    }
    assert.deepEqual(recordChunks(bundle), ['assets/record-code-c.js', 'assets/record-d.js', 'assets/first-paint-b.js', 'assets/HeightChart-e.js', 'assets/d3-scale-f.js'])
  })

  it('are none when the bundle has no record code', () => {
    assert.deepEqual(recordChunks({}), [])
  })
})
