// Go's encoding/json string output, as json.NewEncoder writes it (HTML escaping on, Go ≥ 1.22).
// Senders use it to produce go-filecoin's exact bytes; tests use it to write golden vectors.

// Characters where Go's output differs from JSON.stringify's, or that need escaping at all
const NEEDS_WORK = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/
const GO_EXTRA_ESCAPES = /[<>&\u2028\u2029]|\\ud[89a-f][0-9a-f]{2}/g

function goEscape (match: string): string {
  switch (match) {
    case '<': return '\\u003c'
    case '>': return '\\u003e'
    case '&': return '\\u0026'
    case '\u2028': return '\\u2028'
    case '\u2029': return '\\u2029'
    // a lone surrogate is invalid UTF-8 by the time Go sees it; Go writes U+FFFD for it
    default: return '\\ufffd'
  }
}

/**
 * A JSON string literal exactly as Go writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped as
 * \u003c \u003e \u0026 \u2028 \u2029, control characters as \b \f \n \r \t or \u00xx
 * (lowercase hex, as JSON.stringify also does), invalid UTF-16 as \ufffd.
 */
export function goJsonString (value: string): string {
  if (!NEEDS_WORK.test(value)) {
    return `"${value}"`
  }
  // JSON.stringify already matches Go for quotes, backslashes and control characters, and
  // writes lone surrogates as \udxxx escapes (paired ones stay raw), which we then replace
  return JSON.stringify(value).replace(GO_EXTRA_ESCAPES, goEscape)
}
