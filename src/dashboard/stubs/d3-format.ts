// Bundled in place of d3-format (see vite.config.ts), about 2 KB of gzip. d3-scale reaches
// it only through a scale's tickFormat(); the chart labels its ticks itself (format.ts) and
// never calls tickFormat. These keep the names d3-scale imports; each says what it is if called.
import { notBundled } from './not-bundled.ts'

const stub = notBundled('d3-format', 'tickFormat()')
export const format = stub
export const formatPrefix = stub
export const formatSpecifier = stub
export const precisionFixed = stub
export const precisionPrefix = stub
export const precisionRound = stub
