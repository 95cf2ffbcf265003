// Bundled in place of d3-color (see vite.config.ts), about 4 KB of gzip. The chart's only d3
// part is scaleLinear, whose interpolator reaches d3-color for colour-valued ranges; the
// chart's ranges are pixel numbers, for which d3-interpolate never calls into d3-color.
// These keep the names d3-interpolate imports; each says what it is if it is ever called.
import { notBundled } from './not-bundled.ts'

const stub = notBundled('d3-color', 'colour interpolation')
export const color = stub
export const rgb = stub
export const hsl = stub
export const lab = stub
export const hcl = stub
export const cubehelix = stub
