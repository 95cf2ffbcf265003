// For stand-ins of library modules the page never calls (see vite.config.ts): if a change
// starts calling one, the error names the module and the feature, not "x is not a function".
export function notBundled (module: string, feature: string): () => never {
  return () => { throw new Error(`${module} is left out of the dashboard's bundle (vite.config.ts STUBS), so ${feature} is not available in the page`) }
}
