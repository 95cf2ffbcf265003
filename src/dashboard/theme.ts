// Colours for both themes, used by CSS (as custom properties set on the root) and by the
// canvas chart, so there is one source. Status and head colours come from the Okabe-Ito
// palette, which stays distinguishable with the common colour-vision deficiencies; every
// status is also written out in words with its own glyph.
import type { NodeStatus } from '../store/view.ts'

export interface Theme {
  background: string
  panel: string
  text: string
  muted: string
  grid: string
  status: Record<NodeStatus, string>
  /** for nodes on each distinct head, most common head first */
  heads: readonly string[]
  /** a head past the palette's slots */
  otherHead: string
  alarm: string
  alarmText: string
  good: string
}

export const STATUS_GLYPHS: Readonly<Record<NodeStatus, string>> = {
  'in-sync': '●',
  forked: '◆',
  behind: '▼',
  syncing: '↻',
  waiting: '◌',
  stale: '■',
  offline: '○',
  missing: '✕',
  'other-network': '⊘'
}

export const THEMES: Readonly<Record<'dark' | 'light', Theme>> = {
  dark: {
    background: '#0b0e14',
    panel: '#151a24',
    text: '#eef1f6',
    muted: '#98a1b3',
    grid: '#2b3342',
    status: { 'in-sync': '#2ec4a0', forked: '#e07bd0', behind: '#f0b429', syncing: '#56b4e9', waiting: '#98a1b3', stale: '#ff7a3d', offline: '#7d8596', missing: '#ff5c5c', 'other-network': '#8fb3d9' },
    heads: ['#56b4e9', '#f0e442', '#cc79a7', '#e69f00', '#2ec4a0', '#a3b8ff'],
    otherHead: '#7d8596',
    alarm: '#d62b2b',
    alarmText: '#ffffff',
    good: '#2ec4a0'
  },
  light: {
    background: '#f7f8fa',
    panel: '#ffffff',
    text: '#121720',
    muted: '#545d6e',
    grid: '#d5dae3',
    status: { 'in-sync': '#007a5a', forked: '#a0338f', behind: '#a66a00', syncing: '#0072b2', waiting: '#545d6e', stale: '#c04a00', offline: '#6b7280', missing: '#c01818', 'other-network': '#3f6e96' },
    heads: ['#0072b2', '#d55e00', '#cc79a7', '#009e73', '#b88400', '#56b4e9'],
    otherHead: '#6b7280',
    alarm: '#c01818',
    alarmText: '#ffffff',
    good: '#007a5a'
  }
}

export function headColor (theme: Theme, slot: number): string {
  return slot >= 0 ? theme.heads[slot] ?? theme.otherHead : theme.otherHead
}

/** The theme as CSS custom properties for the root element. */
export function themeVariables (theme: Theme): Record<string, string> {
  return {
    '--bg': theme.background,
    '--panel': theme.panel,
    '--text': theme.text,
    '--muted': theme.muted,
    '--grid': theme.grid,
    '--in-sync': theme.status['in-sync'],
    '--forked': theme.status.forked,
    '--behind': theme.status.behind,
    '--waiting': theme.status.waiting,
    '--stale': theme.status.stale,
    '--offline': theme.status.offline,
    '--syncing': theme.status.syncing,
    '--missing': theme.status.missing,
    '--other-network': theme.status['other-network'],
    '--alarm': theme.alarm,
    '--alarm-text': theme.alarmText,
    '--good': theme.good
  }
}
