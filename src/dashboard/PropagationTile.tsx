import { scaleBand, scaleLinear } from 'd3'
import { memo, useMemo, useRef } from 'react'
import type { PropagationHistogram } from '../protocol/forks.ts'
import type { NodeView } from '../store/view.ts'
import { formatSeconds } from './format.ts'
import { propagationFacts } from './propagation-facts.ts'
import { binLabel, labelledBins } from './propagation-ticks.ts'
import { rootRem } from './root-rem.ts'
import { useElementSize } from './useElementSize.ts'

/** the histogram labels' font size in rem (.prop-tick in styles.css) */
const PROP_TICK_EM = 0.85

/**
 * Block propagation (eth-netstats' chart): the median time from the first node reporting a
 * new best head to the others, and a histogram of those times over the last blocks.
 */
export const PropagationTile = memo(function PropagationTile ({ histogram, nodes, watched }: { histogram: PropagationHistogram | null, nodes: readonly NodeView[], watched: (view: NodeView) => boolean }) {
  const facts = useMemo(() => propagationFacts(nodes, watched), [nodes, watched])
  const box = useRef<HTMLDivElement>(null)
  const { width, height } = useElementSize(box)
  const counts = histogram?.counts ?? []
  const total = counts.reduce((a, b) => a + b, 0)
  // both fit the tile's width at 1080p beside the histogram ("bounded by nodes' 1.0 s beats"
  // and "last 40 blocks, 1000 nodes" were cut)
  const detail = facts.beatBoundMs !== null
    ? `bounded by ${formatSeconds(facts.beatBoundMs)} beats`
    : histogram !== null && histogram.blocks > 0 ? `${histogram.blocks} block${histogram.blocks === 1 ? '' : 's'}, ${facts.measured} node${facts.measured === 1 ? '' : 's'}` : 'measured on new best heads'
  return (
    <section className='tile tile-prop' data-testid='summary-propagation'>
      <div className='tile-label'>Propagation</div>
      <div className='prop-row'>
        <div className='tile-value big'>{facts.medianMs === null ? '–' : formatSeconds(facts.medianMs)}</div>
        <div className='prop-chart' ref={box}>
          {width > 0 && total > 0 && <Bars counts={counts} width={width} height={height} />}
        </div>
      </div>
      <div className='tile-detail' title={facts.beatBoundMs !== null ? `the nodes beat every ${formatSeconds(facts.beatBoundMs)} and report a new head up to a beat late: what is measured is their beat more than the network` : undefined}>{detail}</div>
    </section>
  )
})

function Bars ({ counts, width, height }: { counts: number[], width: number, height: number }) {
  const rem = rootRem()
  const labelH = 1.1 * rem
  const x = useMemo(() => scaleBand<number>().domain(counts.map((_, k) => k)).range([0, width]).padding(0.15), [counts, width])
  const y = useMemo(() => scaleLinear().domain([0, Math.max(1, ...counts)]).range([height - labelH, 0]), [counts, height, labelH])
  // labels on the bins that leave room between them; the last one ends at the chart's edge
  const tickEm = PROP_TICK_EM * rem
  const labelled = useMemo(() => new Set(labelledBins(counts.length, x.step() / tickEm)), [counts.length, x, tickEm])
  const half = x.bandwidth() / 2
  return (
    <svg width={width} height={height} data-testid='propagation-histogram'>
      {counts.map((count, k) => {
        const top = y(count)
        const centre = (x(k) ?? 0) + half
        return (
          <g key={k}>
            <rect x={x(k)} y={top} width={x.bandwidth()} height={Math.max(0, height - labelH - top)} className='prop-bar' />
            {labelled.has(k) && (k === counts.length - 1
              ? <text x={centre + x.step() / 2} y={height - 0.15 * rem} textAnchor='end' className='prop-tick'>{binLabel(k)}</text>
              : <text x={centre} y={height - 0.15 * rem} textAnchor='middle' className='prop-tick'>{binLabel(k)}</text>)}
          </g>
        )
      })}
    </svg>
  )
}
