// Per-minute rollups per site for fast dashboards: page views, events, a visitors HyperLogLog sketch
// (mergeable over any range) with its estimate, and events by name. A one-minute tumbling window of
// the window operator; rows are upserted by (site, minute) whenever a minute changes.

import type { CountBy, DistinctHll } from './aggregates.ts'
import type { ProcessorEvent } from './event-fields.ts'
import { WindowOperator, type WindowResult } from './windows.ts'

/** One `rollups_minute` row. */
export interface RollupRow {
  /** The event's site, '' when it has none (the key cannot be NULL). */
  site: string
  /** Start of the minute (epoch ms). */
  minute: number
  page_views: number
  events: number
  visitors_hll: Uint8Array
  visitors: number
  /** JSON object of event name (or type when unnamed) -> count, keys sorted. */
  events_by_name: string
}

const MINUTE_MS = 60_000

/** Builds the per-minute rollup window operator. */
export function rollupWindows(allowedLatenessMs: number): WindowOperator<ProcessorEvent> {
  return new WindowOperator<ProcessorEvent>({
    sizeMs: MINUTE_MS,
    allowedLatenessMs,
    aggregates: [
      { name: 'page_views', kind: 'count', value: (e) => (e.event_type === 'pageview' ? 1 : null) },
      { name: 'events', kind: 'count' },
      { name: 'visitors', kind: 'distinct_hll', value: (e) => e.visitor_id },
      { name: 'events_by_name', kind: 'count_by', value: (e) => e.event_name ?? e.event_type },
    ],
  })
}

/** The table row of a rollup window's result. */
export function rollupRow(w: WindowResult): RollupRow {
  const hll = w.aggregates[2] as DistinctHll
  const byName = w.aggregates[3] as CountBy
  return {
    site: w.key,
    minute: w.start,
    page_views: w.values.page_views as number,
    events: w.values.events as number,
    // A copy: the row is written while the window may go on counting.
    visitors_hll: hll.sketch.registers.slice(),
    visitors: hll.result(),
    events_by_name: JSON.stringify(byName.result()),
  }
}
