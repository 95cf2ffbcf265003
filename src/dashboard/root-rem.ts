/** The page's rem in CSS pixels: the chart and table size everything in rem, so 4K reads as 1080p. */
export function rootRem (): number {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16
}
