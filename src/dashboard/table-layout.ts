// How the node table fills its box: side-by-side columns and a type size chosen so that every
// node fits without scrolling, as large as the space allows. Pure, so it is tested in Node.

// A row is this many times its font size tall
const ROW_EM = 1.3
// A table column (all nine fields, padding included) is this many ems of its font wide: the
// fixed widths in styles.css (46.4, with the propagation column) and about 8 for the nickname
export const COLUMN_EM = 55
// The client column ("Lodestar v1.5.1"), shown while any node has a client (watched nodes)
export const CLIENT_COLUMN_EM = 10.5
// Type never grows past this (in rem, which tracks the viewport height, so 1080p and 4K lay
// out alike) and never shrinks past the smaller one: below it rows are cut, with a count
const MAX_FONT_REM = 1.3
const MIN_FONT_REM = 0.75
// The line that counts the rows cut ("+ 964 more not shown: ..."): its type, 1.1 rem, times its
// line height, 1.3 (styles.css, .more)
const MORE_LINE_REM = 1.43
// past this many side by side, a table column is too narrow to read however small the type
const MAX_COLUMNS = 6
// space between table columns, in rem
const GAP_REM = 1.5
// The table takes what it needs for the largest type, within these shares of the space it
// shares with the chart: a few nodes leave the chart most of the screen, fifty take most of it
const MIN_TABLE_SHARE = 0.35
const MAX_TABLE_SHARE = 0.75
// and the chart keeps at least this (rem): a banner and the fork panel open on a short screen
// left it a strip with no height scale to read
const MIN_CHART_REM = 7
// When rows are cut even at the table's largest share (hundreds of nodes), each row more is one
// more of a sample the "+ N more" line already counts by status, while the chart is the page's
// picture: 1,000 nodes in a fork at 1080p left it (and the event list beside it) 120 px, two
// lines of events. Then the chart row keeps this share of the height, and at least this many rem
// (the event list beside it shows five lines or so), the table still MIN_TABLE_SHARE
const CUT_CHART_SHARE = 0.4
const CUT_CHART_REM = 12

/** The share of `height` the table should take so its type is as large as it can be: as large
 *  as the width allows, when the width is what limits it (a narrow table, the event list
 *  beside it), so the table never takes height its type cannot use, and never the chart's
 *  last MIN_CHART_REM. When even its largest share cannot show every node, the chart row
 *  keeps CUT_CHART_SHARE and CUT_CHART_REM, and the table shows fewer rows. */
export function tableShare (count: number, width: number, height: number, rem: number, extraEm = 0): number {
  const most = Math.max(MIN_TABLE_SHARE, Math.min(MAX_TABLE_SHARE, 1 - MIN_CHART_REM * rem / height))
  // the type and the rows shown with all the height there is: no share can do better
  const best = tableLayout(count, width, height * most, rem, extraEm)
  if (best.hidden > 0) {
    return Math.max(MIN_TABLE_SHARE, Math.min(most, 1 - CUT_CHART_SHARE, 1 - CUT_CHART_REM * rem / height))
  }
  const target = Math.min(MAX_FONT_REM * rem, best.fontSize)
  for (let share = MIN_TABLE_SHARE; share < most; share += 0.01) {
    const layout = tableLayout(count, width, share * height, rem, extraEm)
    if (layout.fontSize >= target - 0.5 && layout.hidden === 0) return share
  }
  return most
}

export interface TableLayout {
  columns: number
  rowsPerColumn: number
  /** px */
  fontSize: number
  /** px */
  rowHeight: number
  /** rows not shown because even the smallest type does not fit them all */
  hidden: number
}

/**
 * Splits the table into side-by-side columns so that every node fits the box without
 * scrolling, choosing the number of columns that gives the largest type. `extraEm`: the width
 * of columns shown besides the eight (the client column).
 */
export function tableLayout (count: number, width: number, height: number, rem: number, extraEm = 0): TableLayout {
  const rows = Math.max(1, count)
  const columnEm = COLUMN_EM + extraEm
  const minFont = MIN_FONT_REM * rem
  // only as many columns as fit side by side at the smallest type
  const maxColumns = Math.max(1, Math.min(MAX_COLUMNS, Math.floor((width + GAP_REM * rem) / (columnEm * minFont + GAP_REM * rem))))
  let best = { columns: 1, font: 0 }
  let widest = best
  for (let columns = 1; columns <= maxColumns; columns++) {
    // one row per column is the header
    const byHeight = height / (Math.ceil(rows / columns) + 1) / ROW_EM
    const byWidth = (width - (columns - 1) * GAP_REM * rem) / columns / columnEm
    const font = Math.min(MAX_FONT_REM * rem, byHeight, byWidth)
    if (font > best.font + 0.5) best = { columns, font }
    widest = { columns, font }
  }
  // rows cut at the smallest type: the most columns show the most rows (the type every count
  // of columns asks for is then under the smallest, too close together for the half pixel
  // above to pick more columns, and a thousand nodes got one column of a screen's width)
  if (best.font < minFont) best = widest
  const fontSize = Math.max(minFont, best.font)
  const rowHeight = fontSize * ROW_EM
  // the epsilon: height / (height / n) can come out a hair under n in floating point
  const rowsFit = Math.max(1, Math.floor(height / rowHeight + 1e-6) - 1)
  let rowsPerColumn = Math.min(Math.ceil(rows / best.columns), rowsFit)
  // when rows are cut, the bottom goes to the line that counts them: taller than a row of the
  // smallest type, so one row's space was not always enough (at 4K it covered the last row)
  if (count > best.columns * rowsPerColumn) {
    rowsPerColumn = Math.max(1, Math.floor((height - MORE_LINE_REM * rem) / rowHeight + 1e-6) - 1)
  }
  return { columns: best.columns, rowsPerColumn, fontSize, rowHeight, hidden: Math.max(0, count - best.columns * rowsPerColumn) }
}
