// What the page makes of the relay's fork monitor: which network (genesis) it shows, where
// each node sits among the branches, and the heads at one height as rounds. The relay decides
// what is a fork; these only look its answer up, so every viewer says the same.
import { groupRounds } from '../protocol/heads.ts'
import { TRUNK } from '../protocol/forks.ts'
import type { ForksMessage, NetworkPanel } from '../protocol/forks.ts'

/** The network the page shows, and the others on the relay. */
export interface NetworkChoice {
  /** the shown network's genesis CID (null: nodes that report none) */
  readonly genesis: string | null
  /** the relay's largest network, where nodes reporting no genesis belong */
  readonly main: string | null
  /** its panel from the relay; null before the relay's first word, or for a network it does
   *  not track */
  readonly panel: NetworkPanel | null
  /** chosen by ?genesis= (not the default) */
  readonly byUrl: boolean
  /** the relay's fork monitor has spoken on this subscription */
  readonly heard: boolean
  /** ?genesis= named no network the relay hears: the largest is shown instead */
  readonly unmatched: string | null
  /** the other networks, with their connected nodes */
  readonly others: ReadonlyArray<{ readonly genesis: string | null, readonly nodes: number }>
}

interface NodeGenesis {
  readonly genesisCid: string | null
  readonly connected: boolean
}

/** The nodes as a map or an array: read afresh each time through values(), with no copy made
 *  (the view derives this four times a second over every node) */
interface NodesOf<T> { values: () => Iterable<T> }

/** Whether the relay's panel lists the genesis of every connected node that reports one. */
function everyGenesisListed (forks: ForksMessage, nodes: NodesOf<NodeGenesis>): boolean {
  for (const node of nodes.values()) {
    if (node.connected && node.genesisCid !== null && !forks.networks.some(network => network.genesis === node.genesisCid)) return false
  }
  return true
}

// a ?genesis= shorter than this could match many CIDs by chance
const MIN_GENESIS_SUFFIX = 6

/** Which network to show: ?genesis= (a whole CID, or its unique ending), else the relay's
 *  largest; before the relay's first word, the page's own count by the same rule. So too when
 *  the relay's word is older than a connected node's genesis: its panel is published when it
 *  changes, and a snapshot taken as nodes join (the HTTP one, shown while the feed is not up)
 *  can hold nodes the panel it holds has not counted yet. */
export function chooseNetwork (forks: ForksMessage | null, nodes: NodesOf<NodeGenesis>, wanted: string | null): NetworkChoice {
  let networks: Array<{ genesis: string | null, nodes: number, main: boolean, panel: NetworkPanel | null }>
  if (forks !== null && everyGenesisListed(forks, nodes)) {
    networks = forks.networks.map(network => ({ genesis: network.genesis, nodes: network.nodes, main: network.main, panel: network.tracked ? network : null }))
  } else {
    const counts = new Map<string | null, number>()
    let withNull = 0
    for (const node of nodes.values()) {
      if (!node.connected) continue
      if (node.genesisCid === null) withNull++
      else counts.set(node.genesisCid, (counts.get(node.genesisCid) ?? 0) + 1)
    }
    const ranked = [...counts].sort(([a, x], [b, y]) => y - x || ((a ?? '') < (b ?? '') ? -1 : 1))
    const main = ranked[0]?.[0] ?? null
    // a panel the relay did publish still goes with its network
    const panelOf = (genesis: string | null): NetworkPanel | null => forks?.networks.find(network => network.genesis === genesis && network.tracked) ?? null
    networks = ranked.map(([genesis, count]) => ({ genesis, nodes: count + (genesis === main ? withNull : 0), main: genesis === main, panel: panelOf(genesis) }))
    if (networks.length === 0) networks = [{ genesis: null, nodes: withNull, main: true, panel: panelOf(null) }]
  }
  const main = networks.find(network => network.main) ?? networks[0]
  let shown = main
  let unmatched: string | null = null
  if (wanted !== null) {
    const exact = networks.find(network => network.genesis === wanted)
    const bySuffix = wanted.length >= MIN_GENESIS_SUFFIX ? networks.filter(network => network.genesis?.endsWith(wanted) === true) : []
    const found = exact ?? (bySuffix.length === 1 ? bySuffix[0] : undefined)
    if (found !== undefined) shown = found
    else unmatched = wanted
  }
  return {
    genesis: shown?.genesis ?? null,
    main: main?.genesis ?? null,
    panel: shown?.panel ?? null,
    byUrl: wanted !== null && unmatched === null,
    heard: forks !== null,
    unmatched,
    others: networks.filter(network => network !== shown && network.nodes > 0).map(network => ({ genesis: network.genesis, nodes: network.nodes }))
  }
}

/** Whether a node belongs to the shown network (one reporting no genesis is in the main one). */
export function inNetwork (node: NodeGenesis, choice: NetworkChoice): boolean {
  return (node.genesisCid ?? choice.main) === choice.genesis
}

const branchesOf = new WeakMap<NetworkPanel, { byIndex: ReadonlyMap<number, string>, map: ReadonlyMap<string, number> }>()

/** Each node's branch in the panel (an index into its branches, or TRUNK), by peer ID; made once
 *  per panel and numbering. A number per node: a Place object per node per panel (four panels a
 *  second) was the view's largest garbage. */
export function panelBranches (panel: NetworkPanel | null, byIndex: ReadonlyMap<number, string>): ReadonlyMap<string, number> {
  if (panel === null) return EMPTY
  const known = branchesOf.get(panel)
  if (known !== undefined && known.byIndex === byIndex) return known.map
  const map = new Map<string, number>()
  for (const column of panel.columns) {
    for (const round of column.rounds) {
      for (const i of round.nodes) {
        const peerId = byIndex.get(i)
        if (peerId !== undefined) map.set(peerId, round.branch)
      }
    }
  }
  branchesOf.set(panel, { byIndex, map })
  return map
}

const EMPTY: ReadonlyMap<string, number> = new Map()

/** A node on a branch of the open fork other than the largest (its branch as panelBranches
 *  gives it): the page calls it forked. */
export function onMinorityBranch (branch: number | undefined, panel: NetworkPanel | null): boolean {
  if (branch === undefined || panel === null || panel.fork === null || branch === TRUNK || branch <= 0) return false
  return panel.branches[branch]?.forked === true
}

/** Nodes on the open fork's sides other than the largest branch, as the relay counts them (every
 *  node, whatever the page filters); 0 with no fork. The relay keeps a fork open for a block time
 *  after its nodes are back on one branch (a late beat must not end one fork and start
 *  another): then it is 0 while the fork is still open. */
export function offLargest (panel: NetworkPanel | null): number {
  let off = 0
  if (panel?.fork != null) for (const branch of panel.branches) if (branch.forked && !branch.largest) off += branch.nodes
  return off
}

/**
 * Heads at one height as rounds, with how many nodes hold each: heads that share a block are
 * one round (a tipset seen in part), so they count and colour as one.
 */
export function roundsOf (heads: ReadonlyMap<string, number>): Array<{ heads: string[], count: number }> {
  return groupRounds(heads.keys()).map(group => ({ heads: group, count: group.reduce((sum, head) => sum + (heads.get(head) ?? 0), 0) }))
}
