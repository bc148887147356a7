// The analytics API's logic between HTTP and the store: reads and checks parameters, asks the
// backend for aggregates, and shapes the contract's responses (zero-filled buckets, rates, labels).
// Nothing here depends on a SQL dialect.
import { RequestError } from '../core/errors.ts'
import type { AnalyticsBackend, RawFunnelGroup, RawOverview } from './analytics-backend.ts'
import { SESSION_DIMENSIONS, SOURCE_DIMENSIONS } from './analytics-backend.ts'
import type {
  ActiveUsersResponse,
  BreakdownResponse,
  FunnelResponse,
  FunnelResult,
  FunnelStep,
  OverviewMetrics,
  OverviewResponse,
  PathsResponse,
  RetentionResponse,
  SavedFunnel,
  SitesResponse,
  TimeseriesResponse,
} from './contract.ts'
import { parseGoal, parseStep, parseSteps, parseWindow, stepLabel } from './funnel-steps.ts'
import {
  enumParam,
  type Input,
  intParam,
  parseDimension,
  parseStatsQuery,
  type StatsQuery,
  stringParam,
} from './query.ts'
import { buckets, fromLocalNaive, type Interval } from './time-zone.ts'

/** Most buckets a time series or grid may have (a minute series over a year would be 525,600). */
export const MAX_BUCKETS = 5000
const INTERVALS: readonly Interval[] = ['minute', 'hour', 'day', 'week', 'month']

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b
}

function echo(q: StatsQuery): { from: string; to: string; tz: string } {
  return { from: iso(q.from), to: iso(q.to), tz: q.tz }
}

function metrics(r: RawOverview, goal: boolean): OverviewMetrics {
  return {
    visitors: r.visitors,
    page_views: r.page_views,
    sessions: r.sessions,
    bounce_rate: ratio(r.bounces, r.sessions),
    visit_duration: ratio(r.duration_ms, r.sessions) / 1000,
    events: r.events,
    conversion_rate: goal ? ratio(r.goal_visitors, r.visitors) : null,
  }
}

function tooManyBuckets(what: string): RequestError {
  return new RequestError(
    400,
    'too_many_buckets',
    `the range holds more than ${MAX_BUCKETS} ${what}; choose a coarser interval or a shorter range`,
  )
}

/** The analytics API over one backend. `now` gives the current time (the injected clock). */
export class AnalyticsService {
  readonly #backend: AnalyticsBackend
  readonly #now: () => number

  constructor(backend: AnalyticsBackend, now: () => number) {
    this.#backend = backend
    this.#now = now
  }

  async overview(input: Input): Promise<OverviewResponse> {
    const q = parseStatsQuery(input, this.#now())
    const goal = parseGoal(stringParam(input, 'goal'))
    const previousFrom = q.from - (q.to - q.from)
    const { current, previous } = await this.#backend.overview(q, previousFrom, goal)
    return {
      ...echo(q),
      current: metrics(current, goal !== null),
      previous: { ...metrics(previous, goal !== null), from: iso(previousFrom), to: iso(q.from) },
    }
  }

  async timeseries(input: Input): Promise<TimeseriesResponse> {
    const q = parseStatsQuery(input, this.#now())
    const interval = enumParam(input, 'interval', INTERVALS, 'day')
    const all = buckets(q.from, q.to, interval, q.tz, MAX_BUCKETS)
    if (!all) throw tooManyBuckets(`${interval}s`)
    const found = await this.#backend.timeseries(q, interval)
    return {
      ...echo(q),
      interval,
      points: all.map((b) => {
        const p = found.get(b.key)
        return {
          time: iso(b.start),
          visitors: p?.visitors ?? 0,
          page_views: p?.page_views ?? 0,
          sessions: p?.sessions ?? 0,
          events: p?.events ?? 0,
        }
      }),
    }
  }

  async breakdown(input: Input): Promise<BreakdownResponse> {
    const q = parseStatsQuery(input, this.#now())
    const raw = stringParam(input, 'dimension')
    if (raw === undefined)
      throw new RequestError(400, 'invalid_dimension', 'dimension is required (e.g. dimension=country)')
    const dimension = parseDimension(raw)
    const limit = intParam(input, 'limit', 10, 1, 1000)
    const offset = intParam(input, 'offset', 0, 0, 1_000_000)
    const { rows, totalVisitors } = await this.#backend.breakdown(q, dimension, limit, offset)
    const withSessions = SESSION_DIMENSIONS.includes(dimension) || SOURCE_DIMENSIONS.includes(dimension)
    return {
      ...echo(q),
      dimension,
      rows: rows.map((r) => ({
        value: r.value,
        visitors: r.visitors,
        page_views: r.page_views,
        events: r.events,
        ...(withSessions
          ? { sessions: r.sessions ?? 0, bounce_rate: ratio(r.bounces ?? 0, r.sessions ?? 0) }
          : {}),
      })),
      total_visitors: totalVisitors,
    }
  }

  async funnel(body: Input): Promise<FunnelResponse> {
    const q = parseStatsQuery(body, this.#now())
    const steps = parseSteps(body.steps)
    const window = parseWindow(body.window)
    const rawBreakdown = stringParam(body, 'breakdown')
    const breakdown = rawBreakdown === undefined ? null : parseDimension(rawBreakdown, 'breakdown')
    const { total, groups } = await this.#backend.funnel(q, steps, window, breakdown)
    const shape = (g: RawFunnelGroup): FunnelResult => ({
      steps: steps.map((s, i) => {
        const visitors = g.visitors[i] ?? 0
        const prev = i === 0 ? visitors : (g.visitors[i - 1] ?? 0)
        return {
          label: stepLabel(s),
          visitors,
          conversion: ratio(visitors, g.visitors[0] ?? 0),
          step_conversion: i === 0 ? 1 : ratio(visitors, prev),
          drop_off: i === 0 ? 0 : prev - visitors,
          median_seconds_from_previous: i === 0 || visitors === 0 ? null : (g.medians[i] ?? null),
        }
      }),
    })
    return {
      ...echo(q),
      ...shape(total),
      ...(breakdown ? { breakdown: groups.map((g) => ({ value: g.value, ...shape(g) })) } : {}),
    }
  }

  async retention(body: Input): Promise<RetentionResponse> {
    const q = parseStatsQuery(body, this.#now())
    const cohort = enumParam(body, 'cohort', ['day', 'week'] as const, 'day')
    const periods = intParam(body, 'periods', cohort === 'day' ? 7 : 8, 1, 366)
    const returning: FunnelStep | null =
      body.returning === undefined || body.returning === null ? null : parseStep(body.returning, 'returning')
    const all = buckets(q.from, q.to, cohort, q.tz, MAX_BUCKETS)
    if (!all) throw tooManyBuckets(`${cohort}s`)
    const grid = await this.#backend.retention(q, cohort, returning, periods)
    // A period counts once it has ended by `to`; later ones are null.
    const naiveOf = (key: string) => Date.parse(`${key.replace(' ', 'T')}Z`)
    return {
      ...echo(q),
      cohort,
      cohorts: all.map((b) => {
        const row = grid.get(b.key)
        const visitors = row?.get(0) ?? 0
        const start = naiveOf(b.key)
        const retained: (number | null)[] = [visitors]
        for (let k = 1; k <= periods; k++) {
          const end = fromLocalNaive(
            cohort === 'day' ? start + (k + 1) * 86_400_000 : start + (k + 1) * 7 * 86_400_000,
            q.tz,
          )
          retained.push(end > q.to ? null : (row?.get(k) ?? 0))
        }
        return { cohort: iso(b.start), visitors, retained }
      }),
    }
  }

  async paths(input: Input): Promise<PathsResponse> {
    const q = parseStatsQuery(input, this.#now())
    const page = stringParam(input, 'page')
    if (page === undefined)
      throw new RequestError(400, 'invalid_parameter', 'page is required (e.g. page=/pricing)')
    const direction = enumParam(input, 'direction', ['next', 'previous'] as const, 'next')
    const limit = intParam(input, 'limit', 10, 1, 100)
    const rows = await this.#backend.paths(q, page, direction, limit)
    return { ...echo(q), page, direction, rows }
  }

  async activeUsers(input: Input): Promise<ActiveUsersResponse> {
    const q = parseStatsQuery(input, this.#now())
    const days = buckets(q.from, q.to, 'day', q.tz, MAX_BUCKETS)
    if (!days) throw tooManyBuckets('days')
    const r = await this.#backend.activeUsers(q)
    return {
      ...echo(q),
      dau: r.dau,
      wau: r.wau,
      mau: r.mau,
      stickiness: ratio(r.dau, r.mau),
      daily: days.map((d) => ({ day: d.key.slice(0, 10), dau: r.daily.get(d.key) ?? 0 })),
    }
  }

  async sites(): Promise<SitesResponse> {
    return { sites: await this.#backend.sites() }
  }

  listSavedFunnels(): Promise<SavedFunnel[]> {
    return this.#backend.listSavedFunnels()
  }

  saveFunnel(f: SavedFunnel): Promise<void> {
    return this.#backend.saveFunnel(f)
  }

  async deleteSavedFunnel(name: string): Promise<void> {
    if (!(await this.#backend.deleteSavedFunnel(name)))
      throw new RequestError(404, 'not_found', `no saved funnel is named "${name}"`)
  }
}
