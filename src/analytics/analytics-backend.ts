// What the analytics API asks of a store. The DuckDB store answers it with SQL kept in one file
// (src/store/duckdb/analytics-sql.ts); a ClickHouse store implements the same interface later. The
// backend aggregates in the database and returns small results; shaping (zero-filled series, rates,
// the JSON of the contract) happens in analytics-service.ts, the same for every backend.
import type { Dimension, FunnelStep, SavedFunnel, SitesResponse } from './contract.ts'
import type { StatsQuery } from './query.ts'
import type { Interval } from './time-zone.ts'

/** Counts behind OverviewMetrics for one period. */
export interface RawOverview {
  readonly visitors: number
  readonly page_views: number
  readonly events: number
  readonly sessions: number
  /** Sessions that bounced. */
  readonly bounces: number
  /** Sum of session durations, ms. */
  readonly duration_ms: number
  /** Visitors who did the goal (0 without one). */
  readonly goal_visitors: number
}

/** Counts of one time bucket, keyed elsewhere by the bucket's local start. */
export interface RawPoint {
  visitors: number
  page_views: number
  sessions: number
  events: number
}

/** One row of a breakdown before the service rounds it. */
export interface RawBreakdownRow {
  readonly value: string | null
  readonly visitors: number
  readonly page_views: number
  readonly events: number
  readonly sessions?: number
  readonly bounces?: number
}

/** Per-step numbers of one funnel group. `medians[i]` is step i's median seconds from step i-1. */
export interface RawFunnelGroup {
  readonly value: string | null
  readonly visitors: readonly number[]
  readonly medians: readonly (number | null)[]
}

/** Dimensions answered from the sessions table in breakdowns (entry and exit pages). */
export const SESSION_DIMENSIONS: readonly Dimension[] = ['entry_page', 'exit_page']
/** Dimensions whose breakdown rows also carry sessions and bounce rate (acquisition sources). */
export const SOURCE_DIMENSIONS: readonly Dimension[] = [
  'referrer',
  'referrer_host',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
]

/** The store's side of the analytics API. Every method aggregates in the store. */
export interface AnalyticsBackend {
  /** Counts of [q.from, q.to) and of [previousFrom, q.from). */
  overview(
    q: StatsQuery,
    previousFrom: number,
    goal: FunnelStep | null,
  ): Promise<{ current: RawOverview; previous: RawOverview }>
  /** Counts per bucket, keyed by the bucket's local start ("YYYY-MM-DD HH:MM:SS"); empty buckets absent. */
  timeseries(q: StatsQuery, interval: Interval): Promise<Map<string, RawPoint>>
  /** The rows of a breakdown page, sorted by visitors then page views (descending), and all visitors. */
  breakdown(
    q: StatsQuery,
    dimension: Dimension,
    limit: number,
    offset: number,
  ): Promise<{ rows: RawBreakdownRow[]; totalVisitors: number }>
  /** The whole funnel (value null) and, with a breakdown, the top 10 values by first-step visitors. */
  funnel(
    q: StatsQuery,
    steps: readonly FunnelStep[],
    windowSeconds: number,
    breakdown: Dimension | null,
  ): Promise<{ total: RawFunnelGroup; groups: RawFunnelGroup[] }>
  /**
   * Cohort sizes (period 0) and returning visitors per cohort and period k >= 1, keyed by the
   * cohort's local start ("YYYY-MM-DD HH:MM:SS").
   */
  retention(
    q: StatsQuery,
    cohort: 'day' | 'week',
    returning: FunnelStep | null,
    periods: number,
  ): Promise<Map<string, Map<number, number>>>
  /** Page transitions from (next) or to (previous) `page` within a visit. */
  paths(
    q: StatsQuery,
    page: string,
    direction: 'next' | 'previous',
    limit: number,
  ): Promise<{ page: string | null; visitors: number; transitions: number }[]>
  /** Distinct visitors in the day, 7 days and 30 days before q.to, and DAU per local day of the range. */
  activeUsers(q: StatsQuery): Promise<{ dau: number; wau: number; mau: number; daily: Map<string, number> }>
  sites(): Promise<SitesResponse['sites']>
  listSavedFunnels(): Promise<SavedFunnel[]>
  saveFunnel(funnel: SavedFunnel): Promise<void>
  /** False when no funnel had that name. */
  deleteSavedFunnel(name: string): Promise<boolean>
}
