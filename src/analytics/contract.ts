// The analytics API's request and response shapes, shared by the server (src/analytics, src/api)
// and the dashboard (src/dashboard), so both change together. Times are ISO 8601 strings; durations
// are seconds unless a name says otherwise. Every error is `{code, message}` with a 4xx/5xx status.
//
// Common query parameters of the GET stats endpoints:
//   site      one site (omit: all sites)
//   from, to  ISO 8601 instants or dates (YYYY-MM-DD, read in `tz`); `to` is exclusive.
//             Or `period=today|24h|7d|30d|90d` instead of from/to. Default: 7d.
//   tz        IANA time zone for day/week/month buckets and dates (default UTC)
//   filters   `dim==value;dim!=value;dim=~glob*;dim!~glob*` (';' = AND; `|` inside a value = OR),
//             or the same as JSON: [{"dimension":"country","op":"==","value":["DE"]}]
// POST bodies take the same fields as JSON ({site, from, to, period, tz, filters}).

/** Dimensions of breakdowns and filters. `prop:<key>` reads a key of `props`. */
export const DIMENSIONS = [
  'page',
  'entry_page',
  'exit_page',
  'host',
  'referrer',
  'referrer_host',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'country',
  'region',
  'city',
  'browser',
  'os',
  'device',
  'event_type',
  'event_name',
  'site',
] as const
/** A dimension name, or `prop:<key>`. */
export type Dimension = (typeof DIMENSIONS)[number] | `prop:${string}`

/** One filter. `=~` and `!~` match globs (`*` any run of characters). Values are ORed. */
export interface Filter {
  readonly dimension: Dimension
  readonly op: '==' | '!=' | '=~' | '!~'
  readonly value: readonly string[]
}

/** The resolved range every stats response echoes. */
export interface RangeEcho {
  readonly from: string
  readonly to: string
  readonly tz: string
}

/** Headline numbers of a period. */
export interface OverviewMetrics {
  readonly visitors: number
  readonly page_views: number
  readonly sessions: number
  /** 0..1 */
  readonly bounce_rate: number
  /** Mean session duration, seconds. */
  readonly visit_duration: number
  readonly events: number
  /** Visitors who did the goal / visitors, 0..1; null when no goal is configured or asked (`goal=`). */
  readonly conversion_rate: number | null
}

/** GET /api/stats/overview[?goal=purchase] */
export interface OverviewResponse extends RangeEcho {
  readonly current: OverviewMetrics
  /** The period of the same length just before `from`. */
  readonly previous: OverviewMetrics & { readonly from: string; readonly to: string }
}

/** GET /api/stats/timeseries?interval=minute|hour|day|week|month */
export interface TimeseriesResponse extends RangeEcho {
  readonly interval: 'minute' | 'hour' | 'day' | 'week' | 'month'
  /** Every bucket in the range, also empty ones (zeros), oldest first. */
  readonly points: readonly {
    readonly time: string
    readonly visitors: number
    readonly page_views: number
    readonly sessions: number
    readonly events: number
  }[]
}

/** GET /api/stats/breakdown?dimension=country&limit=10&offset=0 */
export interface BreakdownResponse extends RangeEcho {
  readonly dimension: Dimension
  /** Sorted by visitors, then page_views, descending. `value` null means "(none)". */
  readonly rows: readonly {
    readonly value: string | null
    readonly visitors: number
    readonly page_views: number
    readonly events: number
    /** For page/entry_page/exit_page: sessions entering/leaving there, else omitted. */
    readonly sessions?: number
    /** For entry/exit pages and sources: bounce rate 0..1, else omitted. */
    readonly bounce_rate?: number
  }[]
  readonly total_visitors: number
}

/** One funnel step: all given conditions must hold. */
export interface FunnelStep {
  readonly label?: string
  readonly event_type?: string
  readonly event_name?: string
  /** A page path glob (`/product/*`). */
  readonly page?: string
  /** props key -> exact value */
  readonly props?: Readonly<Record<string, string>>
}

/** POST /api/funnels */
export interface FunnelRequest {
  readonly steps: readonly FunnelStep[]
  /** Seconds from the first step to complete the funnel (default 86400). */
  readonly window?: number
  readonly breakdown?: Dimension
  readonly site?: string
  readonly from?: string
  readonly to?: string
  readonly period?: string
  readonly tz?: string
  readonly filters?: string | readonly Filter[]
}

/** A funnel's result for one group of visitors. */
export interface FunnelResult {
  readonly steps: readonly {
    readonly label: string
    /** Visitors who reached this step in order within the window. */
    readonly visitors: number
    /** visitors / first step's visitors, 0..1 */
    readonly conversion: number
    /** visitors / previous step's visitors, 0..1 (1 for the first step) */
    readonly step_conversion: number
    /** previous step's visitors - visitors (0 for the first step) */
    readonly drop_off: number
    /** Median seconds from the previous step (null for the first step or no visitors). */
    readonly median_seconds_from_previous: number | null
  }[]
}

/** Response of POST /api/funnels. */
export interface FunnelResponse extends RangeEcho, FunnelResult {
  /** With `breakdown`: the same per value (top 10 values by first-step visitors). */
  readonly breakdown?: readonly ({ readonly value: string | null } & FunnelResult)[]
}

/** POST /api/retention */
export interface RetentionRequest {
  /** Cohort by first-seen day or week (default day). */
  readonly cohort?: 'day' | 'week'
  /** What counts as coming back (default: any event). */
  readonly returning?: FunnelStep
  /** How many periods after the cohort's to report (default 7 for days, 8 for weeks). */
  readonly periods?: number
  readonly site?: string
  readonly from?: string
  readonly to?: string
  readonly period?: string
  readonly tz?: string
  readonly filters?: string | readonly Filter[]
}

/** Response of POST /api/retention: retained[k] = cohort visitors active k periods after their first. */
export interface RetentionResponse extends RangeEcho {
  readonly cohort: 'day' | 'week'
  readonly cohorts: readonly {
    readonly cohort: string
    readonly visitors: number
    /** retained[0] === visitors; null for periods not yet over. */
    readonly retained: readonly (number | null)[]
  }[]
}

/** GET /api/stats/paths?page=/pricing&direction=next|previous&limit=10 */
export interface PathsResponse extends RangeEcho {
  readonly page: string
  readonly direction: 'next' | 'previous'
  /** `page` null means the session ended (next) or started (previous) there. */
  readonly rows: readonly {
    readonly page: string | null
    readonly visitors: number
    readonly transitions: number
  }[]
}

/** GET /api/stats/active-users: DAU, WAU, MAU as of `to`, and stickiness DAU/MAU. */
export interface ActiveUsersResponse extends RangeEcho {
  readonly dau: number
  readonly wau: number
  readonly mau: number
  readonly stickiness: number
  /** DAU per day of the range. */
  readonly daily: readonly { readonly day: string; readonly dau: number }[]
}

/** GET /api/sites */
export interface SitesResponse {
  readonly sites: readonly {
    readonly site: string | null
    readonly events: number
    readonly last_seen: string
  }[]
}

/** Saved funnels: GET /api/funnels/saved, POST /api/funnels/saved {name, steps, window}, DELETE /api/funnels/saved/<name> */
export interface SavedFunnel {
  readonly name: string
  readonly steps: readonly FunnelStep[]
  readonly window?: number
}

/** POST /api/sql {sql, format?: json|csv|parquet}: JSON answers with QueryResult (src/store/store.ts). */

/** One message of GET /api/live (Server-Sent Events, `event: live`, every second). */
export interface LiveSnapshot {
  readonly time: string
  /** Distinct visitors with an event in the last 5 minutes. */
  readonly visitors_now: number
  /** Events per second over the last 10 seconds. */
  readonly events_per_second: number
  /** Page views per minute for the last 60 minutes, oldest first, every minute present. */
  readonly page_views_per_minute: readonly {
    readonly minute: string
    readonly page_views: number
    readonly visitors: number
  }[]
  /** Visitors with the conversion event / visitors, last 5 minutes; null without a conversion event. */
  readonly conversion_rate: number | null
  readonly conversion_event: string | null
  /** Last 5 minutes, top 10 each. */
  readonly top_pages: readonly { readonly value: string; readonly visitors: number }[]
  readonly top_referrers: readonly { readonly value: string; readonly visitors: number }[]
  readonly top_countries: readonly { readonly value: string; readonly visitors: number }[]
  /** Per URL and country, last 5 minutes: clicks, unique users, average seconds spent. Top 20 by clicks. */
  readonly by_page_country: readonly {
    readonly page: string
    readonly country: string | null
    readonly clicks: number
    readonly visitors: number
    readonly avg_seconds: number
  }[]
  /** The latest events, newest first (at most 20; only those since the previous message). */
  readonly recent_events: readonly {
    readonly event_id: string
    readonly time: string
    readonly event_type: string
    readonly event_name: string | null
    readonly page_path: string | null
    readonly country: string | null
    readonly visitor_id: string | null
  }[]
}

/** GET /api/alerts */
export interface AlertsResponse {
  readonly rules: readonly {
    readonly id: string
    readonly metric: string
    readonly condition: string
    readonly window: string
    readonly state: 'ok' | 'firing'
    readonly since: string | null
    readonly last_value: number | null
  }[]
  /** Newest first. */
  readonly history: readonly {
    readonly rule_id: string
    readonly kind: 'firing' | 'recovery'
    readonly at: string
    readonly value: number
    readonly threshold: number
    readonly webhook_status: 'delivered' | 'failed' | 'pending' | 'none'
  }[]
}
