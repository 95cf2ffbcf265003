// The consensus tile's words, from the same relay panel the fork panel draws, so the two never
// say different things at one moment. Pure, so it is tested in Node (fork-words.test.ts, with
// the panel's own words from fork-panel-layout.ts).
import type { NetworkPanel } from '../protocol/forks.ts'
import { offLargest } from '../store/forks-view.ts'
import type { Summary } from '../store/view.ts'
import { clientGroups, clientOf, formatDuration, nodeName } from './format.ts'

/** An open fork with nobody off the largest branch: the relay closes it after a block time
 *  unless a node shows up on another branch again. Both the tile and the panel say this. */
export const FORK_ENDING = 'every node on one branch again'

/** Up to five names, then "+N" for the rest of `total` (the relay's count: more than the page
 *  shows while a filter hides some). */
function disputeText (summary: Summary, total: number): string {
  const names = summary.inDispute.slice(0, 5).map(view => nodeName(view.node))
  const rest = total - names.length
  return `${names.join(', ')}${rest > 0 ? `${names.length > 0 ? ' ' : ''}+${rest}` : ''}`
}

/** The consensus tile's words: a fork the relay calls, heads that differ (propagating), or one
 *  head. `now`: whole seconds, as the fork panel counts, so the two ages never differ by one. */
export function consensusWords (summary: Summary, panel: NetworkPanel | null, now: number): { label: string, value: string, detail: string, more?: string } {
  const fork = summary.fork
  if (fork !== null) {
    const detail = `${fork.depth} deep · for ${formatDuration(Math.max(0, now - fork.startedAt))}`
    // the relay's count, as the panel's lanes have it: the tile names the nodes the page shows
    // (a filter hides some) and counts the rest, and says "ending" when the panel has nobody off
    // the largest branch (a reorg just settled), rather than "2 branches" beside nobody
    const off = Math.max(offLargest(panel), summary.inDispute.length)
    if (off === 0) return { label: 'Fork', value: 'ending', detail, more: FORK_ENDING }
    // who forked, on its own line: their clients and versions first ("every node on the other
    // branch is one client's new release"), then their names
    const clients = clientGroups(summary.inDispute.map(view => clientOf(view.node)))
    const who = summary.inDispute.length === 0 ? `${off} node${off === 1 ? '' : 's'}` : disputeText(summary, off)
    return { label: 'Fork', value: `${fork.sides} branches`, detail, more: `other branches: ${clients === '' ? '' : `${clients} · `}${who}` }
  }
  if (summary.distinctHeads === 0) {
    return { label: 'Consensus', value: '–', detail: summary.online === 0 ? 'no node online' : 'no node has beaten since it connected' }
  }
  if (summary.distinctHeads > 1) {
    return { label: 'Consensus', value: `${summary.distinctHeads} heads`, detail: `largest group ${summary.largestGroup} · differing: ${disputeText(summary, summary.inDispute.length)}` }
  }
  const partial = summary.partial > 0 ? ` · ${summary.partial} see it in part` : ''
  return { label: 'Consensus', value: '1 head', detail: `all ${summary.largestGroup} at best height agree${partial}` }
}
