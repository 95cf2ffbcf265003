// The date of a recorded moment (?at=), for the time-travel banner: a file of its own so that
// it loads with the banner, after the first paint of a live page (bench: the bundle row).

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** "Fri, Nov 27", the page's words being English; written out by hand, as formatHeight: the
 *  first toLocaleDateString loads ICU's date data, 50 to 170 ms of the ?at= page's first render. */
export function formatDate (localMs: number): string {
  const date = new Date(localMs)
  return `${WEEKDAYS[date.getDay()] ?? ''}, ${MONTHS[date.getMonth()] ?? ''} ${date.getDate()}`
}
