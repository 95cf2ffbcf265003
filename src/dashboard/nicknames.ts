// The nodes' nicknames by peer ID, for the event list's names.
import type { NodeView } from '../store/view.ts'

/**
 * The nicknames of `nodes` by peer ID: `last` itself while it says exactly that (no node came,
 * went or changed its nickname), else a new map. The node list is new on every view update (a
 * node beat); a map of a thousand built for each was garbage, and a new map drew the event
 * list again for nothing.
 */
export function nicknamesOf (nodes: readonly NodeView[], last: ReadonlyMap<string, string> | null): ReadonlyMap<string, string> {
  // peer IDs are unique in the list: as many entries, each as the map has it, is the same map
  if (last !== null && last.size === nodes.length && nodes.every(v => last.get(v.node.peerId) === v.node.nickname)) return last
  const names = new Map<string, string>()
  for (const v of nodes) names.set(v.node.peerId, v.node.nickname)
  return names
}
