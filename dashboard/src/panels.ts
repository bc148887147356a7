// The breakdown panels: which dimensions each one offers and which columns each dimension shows.
import type { Dimension, Filter } from '../../src/analytics/contract.ts'
import type { Column } from './components/table.tsx'

/** One tab of a panel. */
export interface Tab {
  readonly dimension: Dimension
  readonly label: string
  readonly columns: readonly Column[]
  /** A filter this tab always applies besides the dashboard's (custom events only). */
  readonly filter?: Filter
}

/** A panel: a title and its tabs. */
export interface PanelSpec {
  readonly id: string
  readonly title: string
  readonly tabs: readonly Tab[]
}

const V: Column = { key: 'visitors', label: 'Visitors' }
const PV: Column = { key: 'page_views', label: 'Views' }
const S: Column = { key: 'sessions', label: 'Sessions' }
const B: Column = { key: 'bounce_rate', label: 'Bounce' }
const E: Column = { key: 'events', label: 'Events' }

/** The five panels of the overview, in reading order. */
export const PANELS: readonly PanelSpec[] = [
  {
    id: 'pages',
    title: 'Pages',
    tabs: [
      { dimension: 'page', label: 'Top pages', columns: [V, PV] },
      { dimension: 'entry_page', label: 'Entry', columns: [V, S, B] },
      { dimension: 'exit_page', label: 'Exit', columns: [V, S] },
    ],
  },
  {
    id: 'sources',
    title: 'Sources',
    tabs: [
      { dimension: 'channel', label: 'Channels', columns: [V, B] },
      { dimension: 'referrer_host', label: 'Referrers', columns: [V, B] },
      { dimension: 'utm_source', label: 'UTM source', columns: [V, B] },
      { dimension: 'utm_medium', label: 'UTM medium', columns: [V, B] },
      { dimension: 'utm_campaign', label: 'UTM campaign', columns: [V, B] },
    ],
  },
  {
    id: 'locations',
    title: 'Locations',
    tabs: [
      { dimension: 'country', label: 'Countries', columns: [V, PV] },
      { dimension: 'region', label: 'Regions', columns: [V, PV] },
      { dimension: 'city', label: 'Cities', columns: [V, PV] },
    ],
  },
  {
    id: 'devices',
    title: 'Devices',
    tabs: [
      { dimension: 'device', label: 'Device type', columns: [V, PV] },
      { dimension: 'browser', label: 'Browsers', columns: [V, PV] },
      { dimension: 'os', label: 'OS', columns: [V, PV] },
    ],
  },
  {
    id: 'events',
    title: 'Custom events',
    tabs: [
      {
        dimension: 'event_name',
        label: 'Events',
        columns: [V, E],
        filter: { dimension: 'event_type', op: '==', value: ['track'] },
      },
      { dimension: 'event_type', label: 'Event types', columns: [V, E] },
    ],
  },
]

/** The tab of any panel for a dimension; property dimensions get the events columns. */
export function tabFor(dimension: string): Tab {
  for (const p of PANELS) for (const t of p.tabs) if (t.dimension === dimension) return t
  if (dimension.startsWith('prop:'))
    return { dimension: dimension as Dimension, label: `Property ${dimension.slice(5)}`, columns: [V, E] }
  return PANELS[0]!.tabs[0]!
}
