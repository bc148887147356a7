// The analytics API's SQL for DuckDB, all in this one file: a ClickHouse store implements the same
// AnalyticsBackend with its own dialect. Every value from a request is validated first
// (src/analytics/query.ts) and enters the SQL text only through `lit` (quoted literal) or as a
// checked number; queries run as text on a fresh connection, never as plans kept across commits
// (see concurrent-read.test.ts), with a timeout that interrupts them.
import type { DuckDBConnection } from '@duckdb/node-api'
import type {
  AnalyticsBackend,
  RawBreakdownRow,
  RawFunnelGroup,
  RawOverview,
  RawPoint,
} from '../../analytics/analytics-backend.ts'
import { SESSION_DIMENSIONS, SOURCE_DIMENSIONS } from '../../analytics/analytics-backend.ts'
import type { Dimension, Filter, FunnelStep, SavedFunnel, SitesResponse } from '../../analytics/contract.ts'
import type { StatsQuery } from '../../analytics/query.ts'
import { type Interval, offsetSpans } from '../../analytics/time-zone.ts'
import { errorMessage, RequestError } from '../../core/errors.ts'
import type { Database } from './database.ts'

/** The event type of a page view (src/core/event.ts). */
const PAGEVIEW = 'pageview'
/** A visit ends after this much inactivity, as the processor's sessions do (issue 5). */
const SESSION_GAP_SECONDS = 30 * 60
const KEY_FORMAT = '%Y-%m-%d %H:%M:%S'

/** A SQL string literal. Values were checked for NUL and length before they get here. */
export function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

/** A TIMESTAMP literal of an epoch-ms instant (stored timestamps are UTC). */
function ts(ms: number): string {
  if (!Number.isFinite(ms)) throw new Error(`not a time: ${ms}`)
  return `TIMESTAMP '${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`
}

/** Columns of the events table per dimension (`prop:` keys are read from `props`). */
const EVENT_COLUMNS: Readonly<Partial<Record<Dimension, string>>> = {
  page: 'page_path',
  host: 'page_host',
  referrer: 'referrer',
  referrer_host: 'referrer_host',
  channel: 'channel',
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  utm_term: 'utm_term',
  utm_content: 'utm_content',
  country: 'country',
  region: 'region',
  city: 'city',
  browser: 'browser',
  os: 'os',
  device: 'device_type',
  event_type: 'event_type',
  event_name: 'event_name',
  site: 'site',
}

/** Columns of the sessions table per dimension. */
const SESSION_COLUMNS: Readonly<Partial<Record<Dimension, string>>> = {
  entry_page: 'entry_page',
  exit_page: 'exit_page',
  referrer: 'referrer',
  referrer_host: 'referrer_host',
  channel: 'channel',
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  utm_term: 'utm_term',
  utm_content: 'utm_content',
  country: 'country',
  region: 'region',
  city: 'city',
  browser: 'browser',
  os: 'os',
  device: 'device_type',
  site: 'site',
}

/** The events-table expression of a dimension over alias `a`, or null if events lack it. */
function eventColumn(d: Dimension, a: string): string | null {
  if (d.startsWith('prop:')) return `json_extract_string(${a}.props, ${lit(`$."${d.slice(5)}"`)})`
  const c = EVENT_COLUMNS[d]
  return c ? `${a}.${c}` : null
}

function sessionColumn(d: Dimension, a: string): string | null {
  const c = SESSION_COLUMNS[d]
  return c ? `${a}.${c}` : null
}

/** `*` globs to LIKE patterns; `%`, `_` and `\` match themselves. */
function likePattern(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replaceAll('*', '%')
}

/** The positive form of a filter (== or =~) on expression `c`. `(none)` under == means NULL. */
function positive(c: string, f: Filter): string {
  if (f.op === '==' || f.op === '!=') {
    const values = f.value.filter((v) => v !== '(none)')
    const parts = values.length > 0 ? [`${c} IN (${values.map(lit).join(', ')})`] : []
    if (values.length < f.value.length) parts.push(`${c} IS NULL`)
    return `(${parts.join(' OR ')})`
  }
  return `(${f.value.map((v) => `${c} LIKE ${lit(likePattern(v))} ESCAPE '\\'`).join(' OR ')})`
}

function isNegative(f: Filter): boolean {
  return f.op === '!=' || f.op === '!~'
}

/** A filter on `c`; negatives keep rows where `c` is NULL (a missing value is not the excluded one). */
function condition(c: string, f: Filter): string {
  const p = positive(c, f)
  return isNegative(f) ? `NOT coalesce(${p}, false)` : p
}

/** Conditions of a funnel step (or goal) on events alias `a`. */
function stepCondition(step: FunnelStep, a: string): string {
  const parts: string[] = []
  if (step.event_type !== undefined) parts.push(`${a}.event_type = ${lit(step.event_type)}`)
  if (step.event_name !== undefined) parts.push(`${a}.event_name = ${lit(step.event_name)}`)
  if (step.page !== undefined) parts.push(`${a}.page_path LIKE ${lit(likePattern(step.page))} ESCAPE '\\'`)
  for (const [k, v] of Object.entries(step.props ?? {}))
    parts.push(`json_extract_string(${a}.props, ${lit(`$."${k}"`)}) = ${lit(v)}`)
  return parts.length > 0 ? `(${parts.join(' AND ')})` : 'true'
}

/** An event (alias `e`) lies within a session (alias `s`) of the same visitor. */
const WITHIN = (e: string, s: string) =>
  `${s}.visitor_id = ${e}.visitor_id AND ${e}.event_time BETWEEN ${s}.start_time AND ${s}.end_time`

/** WHERE conditions on events alias `a`. `from` null: no lower bound (first-seen needs all history). */
function eventWhere(q: StatsQuery, a = 'e', range: { from: number | null; to: number } = q): string {
  const w: string[] = []
  if (range.from !== null) w.push(`${a}.event_time >= ${ts(range.from)}`)
  w.push(`${a}.event_time < ${ts(range.to)}`)
  if (q.site !== null) w.push(`${a}.site = ${lit(q.site)}`)
  if (!q.includeBots) w.push(`NOT ${a}.is_bot AND NOT ${a}.is_duplicate`)
  for (const f of q.filters) {
    const c = eventColumn(f.dimension, a)
    if (c) w.push(condition(c, f))
    else {
      // Entry and exit pages are properties of the visit: keep events of visits that match.
      const s = sessionColumn(f.dimension, 'fs')!
      const exists = `EXISTS (SELECT 1 FROM sessions fs WHERE ${WITHIN(a, 'fs')} AND ${positive(s, f)})`
      w.push(isNegative(f) ? `NOT ${exists}` : exists)
    }
  }
  return w.join(' AND ')
}

/** WHERE conditions on sessions alias `s` (sessions that started in the range). */
function sessionWhere(q: StatsQuery, s = 's', range: { from: number; to: number } = q): string {
  const w = [`${s}.start_time >= ${ts(range.from)}`, `${s}.start_time < ${ts(range.to)}`]
  if (q.site !== null) w.push(`${s}.site = ${lit(q.site)}`)
  if (!q.includeBots) w.push(`NOT ${s}.is_bot`)
  for (const f of q.filters) {
    const c = sessionColumn(f.dimension, s)
    if (c) w.push(condition(c, f))
    else {
      // Pages, event names and props are properties of events: keep visits with a matching event.
      const e = eventColumn(f.dimension, 'fe')!
      const bots = q.includeBots ? '' : ' AND NOT fe.is_bot AND NOT fe.is_duplicate'
      const exists = `EXISTS (SELECT 1 FROM events fe WHERE ${WITHIN('fe', s)}${bots} AND ${positive(e, f)})`
      w.push(isNegative(f) ? `NOT ${exists}` : exists)
    }
  }
  return w.join(' AND ')
}

/** Microseconds per fixed-length bucket (a month has no fixed length). */
const BUCKET_US: Readonly<Record<Exclude<Interval, 'month'>, number>> = {
  minute: 60e6,
  hour: 3600e6,
  day: 86_400e6,
  week: 7 * 86_400e6,
}
/** 1970-01-05, the first Monday of the epoch: weeks start on Mondays, as date_trunc's do. */
const FIRST_MONDAY_US = 4 * 86_400e6

/**
 * The local bucket start of a UTC TIMESTAMP expression, for times in q's range, as a TIMESTAMP of
 * the local wall-clock time. Local time is the UTC time plus the zone's offset, picked from the
 * offset changes within the range (a comparison per row; an ICU conversion per row cost ~10x more).
 * The arithmetic is on epoch microseconds: adding an INTERVAL and date_trunc per row cost 4x more
 * than an integer sum and modulo (1.9 s against 0.45 s of CPU per 10 M rows). DuckDB computes the
 * repeated local-time expression once per row. `%` truncates, hence the floor-style form for times
 * before 1970.
 */
function bucket(expr: string, interval: Interval, q: StatsQuery): string {
  const spans = offsetSpans(q.from, q.to, q.tz)
  let offset: string
  if (spans.length === 1) offset = String(spans[0]!.offsetMs * 1000)
  else {
    const cases = spans
      .slice(1)
      .reverse()
      .map((s) => `WHEN ${expr} >= ${ts(s.start)} THEN ${s.offsetMs * 1000}`)
    offset = `CASE ${cases.join(' ')} ELSE ${spans[0]!.offsetMs * 1000} END`
  }
  const local = offset === '0' ? `epoch_us(${expr})` : `(epoch_us(${expr}) + ${offset})`
  if (interval === 'month') return `date_trunc('month', make_timestamp(${local}))`
  const unit = BUCKET_US[interval]
  const origin = interval === 'week' ? FIRST_MONDAY_US : 0
  return `make_timestamp(${local} - ((${local} - ${origin}) % ${unit} + ${unit}) % ${unit})`
}

function key(expr: string): string {
  return `strftime(${expr}, '${KEY_FORMAT}')`
}

function num(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v)
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v)
}

/** Limits of the analytics queries. */
export interface DuckdbAnalyticsOptions {
  readonly timeoutMs: number
}

/** {@link AnalyticsBackend} over the shared DuckDB database. */
export class DuckdbAnalytics implements AnalyticsBackend {
  readonly #db: Database
  readonly #options: DuckdbAnalyticsOptions

  constructor(db: Database, options: DuckdbAnalyticsOptions) {
    this.#db = db
    this.#options = options
  }

  /** Runs one statement on its own connection, stopped after the timeout. Rows as JSON values. */
  async #rows(sql: string): Promise<unknown[][]> {
    const conn: DuckDBConnection = await this.#db.connect()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      conn.interrupt()
    }, this.#options.timeoutMs)
    try {
      const reader = await conn.runAndReadAll(sql)
      return reader.getRowsJson() as unknown[][]
    } catch (err) {
      if (timedOut)
        throw new RequestError(
          503,
          'query_timeout',
          `the query ran longer than ${this.#options.timeoutMs} ms and was stopped; try a shorter range or fewer filters`,
        )
      const message = errorMessage(err)
      if (/time ?zone/i.test(message)) throw new RequestError(400, 'invalid_timezone', message)
      throw err
    } finally {
      clearTimeout(timer)
      conn.closeSync()
    }
  }

  async overview(
    q: StatsQuery,
    previousFrom: number,
    goal: FunnelStep | null,
  ): Promise<{ current: RawOverview; previous: RawOverview }> {
    const cur = `e.event_time >= ${ts(q.from)}`
    const prev = `e.event_time < ${ts(q.from)}`
    // Distinct counts cost a hash table each: the goal's are asked only when there is a goal.
    const goalCond = goal ? stepCondition(goal, 'e') : null
    const period = (when: string) => [
      `count(DISTINCT e.visitor_id) FILTER (WHERE ${when})`,
      `count(*) FILTER (WHERE ${when} AND e.event_type = '${PAGEVIEW}')`,
      `count(*) FILTER (WHERE ${when})`,
      goalCond ? `count(DISTINCT e.visitor_id) FILTER (WHERE ${when} AND ${goalCond})` : '0',
    ]
    const events = `SELECT ${[...period(cur), ...period(prev)].join(', ')}
      FROM events e WHERE ${eventWhere(q, 'e', { from: previousFrom, to: q.to })}`
    const scur = `s.start_time >= ${ts(q.from)}`
    const sprev = `s.start_time < ${ts(q.from)}`
    const sessions = `SELECT
        count(*) FILTER (WHERE ${scur}), count(*) FILTER (WHERE ${scur} AND s.is_bounce),
        sum(s.duration_ms) FILTER (WHERE ${scur}),
        count(*) FILTER (WHERE ${sprev}), count(*) FILTER (WHERE ${sprev} AND s.is_bounce),
        sum(s.duration_ms) FILTER (WHERE ${sprev})
      FROM sessions s WHERE ${sessionWhere(q, 's', { from: previousFrom, to: q.to })}`
    const [[e], [s]] = await Promise.all([this.#rows(events), this.#rows(sessions)])
    const pick = (o: number): RawOverview => ({
      visitors: num(e![o]),
      page_views: num(e![o + 1]),
      events: num(e![o + 2]),
      goal_visitors: num(e![o + 3]),
      sessions: num(s![(o / 4) * 3]),
      bounces: num(s![(o / 4) * 3 + 1]),
      duration_ms: num(s![(o / 4) * 3 + 2]),
    })
    return { current: pick(0), previous: pick(4) }
  }

  async timeseries(q: StatsQuery, interval: Interval): Promise<Map<string, RawPoint>> {
    // Grouped by the bucket's timestamp and printed afterwards: grouping by the printed text
    // formatted every row and took 3x longer.
    const eb = bucket('e.event_time', interval, q)
    const sb = bucket('s.start_time', interval, q)
    const [events, sessions] = await Promise.all([
      this.#rows(`SELECT ${key(eb)}, count(DISTINCT e.visitor_id),
          count(*) FILTER (WHERE e.event_type = '${PAGEVIEW}'), count(*)
        FROM events e WHERE ${eventWhere(q)} GROUP BY ${eb}`),
      this.#rows(`SELECT ${key(sb)}, count(*) FROM sessions s WHERE ${sessionWhere(q)} GROUP BY ${sb}`),
    ])
    const out = new Map<string, RawPoint>()
    const point = (k: string) => {
      let p = out.get(k)
      if (!p) {
        p = { visitors: 0, page_views: 0, sessions: 0, events: 0 }
        out.set(k, p)
      }
      return p
    }
    for (const [b, v, pv, n] of events)
      Object.assign(point(String(b)), { visitors: num(v), page_views: num(pv), events: num(n) })
    for (const [b, n] of sessions) point(String(b)).sessions = num(n)
    return out
  }

  async breakdown(
    q: StatsQuery,
    dimension: Dimension,
    limit: number,
    offset: number,
  ): Promise<{ rows: RawBreakdownRow[]; totalVisitors: number }> {
    const total = this.#rows(`SELECT count(DISTINCT e.visitor_id) FROM events e WHERE ${eventWhere(q)}`)
    if (SESSION_DIMENSIONS.includes(dimension)) {
      const c = sessionColumn(dimension, 's')!
      const [rows, [[t]]] = await Promise.all([
        this.#rows(`SELECT ${c} AS value, count(DISTINCT s.visitor_id) AS visitors,
            sum(s.page_views) AS page_views, sum(s.events), count(*), count(*) FILTER (WHERE s.is_bounce)
          FROM sessions s WHERE ${sessionWhere(q)}
          GROUP BY 1 ORDER BY visitors DESC, page_views DESC, value NULLS LAST
          LIMIT ${limit} OFFSET ${offset}`),
        total as Promise<[[unknown]]>,
      ])
      return {
        rows: rows.map(([value, v, pv, n, sessions, bounces]) => ({
          value: value === null ? null : String(value),
          visitors: num(v),
          page_views: num(pv),
          events: num(n),
          sessions: num(sessions),
          bounces: num(bounces),
        })),
        totalVisitors: num(t),
      }
    }
    const c = eventColumn(dimension, 'e')
    if (!c) throw new RequestError(400, 'invalid_dimension', `breakdown by ${dimension} is not available`)
    const [rows, [[t]]] = await Promise.all([
      this.#rows(`SELECT ${c} AS value, count(DISTINCT e.visitor_id) AS visitors,
          count(*) FILTER (WHERE e.event_type = '${PAGEVIEW}') AS page_views, count(*)
        FROM events e WHERE ${eventWhere(q)}
        GROUP BY 1 ORDER BY visitors DESC, page_views DESC, value NULLS LAST
        LIMIT ${limit} OFFSET ${offset}`),
      total as Promise<[[unknown]]>,
    ])
    const out: RawBreakdownRow[] = rows.map(([value, v, pv, n]) => ({
      value: value === null ? null : String(value),
      visitors: num(v),
      page_views: num(pv),
      events: num(n),
    }))
    if (SOURCE_DIMENSIONS.includes(dimension) && out.length > 0) {
      // Sessions and bounces of the same sources, from the processor's sessions.
      const sc = sessionColumn(dimension, 's')!
      const values = out.map((r) => r.value).filter((v): v is string => v !== null)
      const parts = values.length > 0 ? [`${sc} IN (${values.map(lit).join(', ')})`] : []
      if (out.some((r) => r.value === null)) parts.push(`${sc} IS NULL`)
      const bySource = new Map<string | null, [number, number]>()
      const srows = await this.#rows(`SELECT ${sc}, count(*), count(*) FILTER (WHERE s.is_bounce)
        FROM sessions s WHERE ${sessionWhere(q)} AND (${parts.join(' OR ')}) GROUP BY 1`)
      for (const [v, n, b] of srows) bySource.set(v === null ? null : String(v), [num(n), num(b)])
      return {
        rows: out.map((r) => {
          const [sessions, bounces] = bySource.get(r.value) ?? [0, 0]
          return { ...r, sessions, bounces }
        }),
        totalVisitors: num(t),
      }
    }
    return { rows: out, totalVisitors: num(t) }
  }

  async funnel(
    q: StatsQuery,
    steps: readonly FunnelStep[],
    windowSeconds: number,
    breakdown: Dimension | null,
  ): Promise<{ total: RawFunnelGroup; groups: RawFunnelGroup[] }> {
    const n = steps.length
    const conds = steps.map((s) => stepCondition(s, 'e'))
    const dim = breakdown ? eventColumn(breakdown, 'e') : null
    if (breakdown && !dim)
      throw new RequestError(
        400,
        'invalid_breakdown',
        `a funnel cannot be broken down by ${breakdown} (a property of visits, not events)`,
      )
    const ctes = [
      `base AS (SELECT e.visitor_id AS v, e.event_time AS t, ${dim ?? 'NULL::VARCHAR'} AS d,
         ${conds.map((c, i) => `${c} AS m${i + 1}`).join(', ')}
       FROM events e WHERE ${eventWhere(q)} AND e.visitor_id IS NOT NULL AND (${conds.join(' OR ')}))`,
      // A visitor who never reached further counts with their earliest first step.
      `first1 AS (SELECT v, min(t) AS t1, arg_min(d, t) AS d FROM base WHERE m1 GROUP BY v)`,
    ]
    const nulls = Array.from({ length: n - 1 }, (_, i) => `NULL::TIMESTAMP AS t${i + 2}`)
    if (n === 1) ctes.push('best AS (SELECT v, d, t1 FROM first1)')
    else {
      // Only visitors with a second-step event can get further: the attempts (one per first-step
      // event, often most page views) are built for them alone. Each attempt takes, step by step, the
      // earliest strictly later event of the next step (an ASOF join; strictly later, so one event
      // never fills two steps) within the window of t1. ASOF joins a NULL inequality key as well,
      // hence the explicit check that the previous step was reached.
      ctes.push(`j1 AS (SELECT v, d, t AS t1 FROM base WHERE m1 AND v IN (SELECT v FROM base WHERE m2))`)
      for (let i = 2; i <= n; i++) {
        ctes.push(`s${i} AS (SELECT v, t FROM base WHERE m${i})`)
        ctes.push(`j${i} AS (SELECT j.*, CASE WHEN j.t${i - 1} IS NOT NULL AND x.t <= j.t1 + to_seconds(${windowSeconds}) THEN x.t END AS t${i}
           FROM j${i - 1} j ASOF LEFT JOIN s${i} x ON j.v = x.v AND x.t > j.t${i - 1})`)
      }
      const level = Array.from({ length: n }, (_, i) => `(t${i + 1} IS NOT NULL)::INT`).join(' + ')
      // Per visitor, the attempt that got furthest; among those the earliest.
      ctes.push(`deep AS (SELECT v, d, ${Array.from({ length: n }, (_, i) => `t${i + 1}`).join(', ')} FROM j${n}
         WHERE t2 IS NOT NULL
         QUALIFY row_number() OVER (PARTITION BY v ORDER BY ${level} DESC, t1, d NULLS LAST) = 1)`)
      ctes.push(`best AS (SELECT * FROM deep
         UNION ALL SELECT v, d, t1, ${nulls.join(', ')} FROM first1 WHERE v NOT IN (SELECT v FROM deep))`)
    }
    const counts = Array.from({ length: n }, (_, i) => `count(t${i + 1})`)
    const medians = Array.from(
      { length: n - 1 },
      (_, i) => `median(date_diff('millisecond', t${i + 1}, t${i + 2})::DOUBLE) / 1000`,
    )
    const select = [...counts, ...medians].join(', ')
    const sql = `WITH ${ctes.join(',\n')}
      SELECT grouping(d) AS g, d, ${select} FROM best
      GROUP BY GROUPING SETS ((), (d))
      ORDER BY g DESC, count(t1) DESC, d NULLS LAST
      LIMIT ${breakdown ? 11 : 1}`
    const rows = await this.#rows(sql)
    const group = (r: unknown[]): RawFunnelGroup => ({
      value: r[1] === null ? null : String(r[1]),
      visitors: r.slice(2, 2 + n).map(num),
      medians: [null, ...r.slice(2 + n).map(numOrNull)],
    })
    const totalRow = rows.find((r) => num(r[0]) === 1)
    const total = totalRow
      ? { ...group(totalRow), value: null }
      : { value: null, visitors: steps.map(() => 0), medians: steps.map(() => null) }
    return { total, groups: breakdown ? rows.filter((r) => num(r[0]) === 0).map(group) : [] }
  }

  async retention(
    q: StatsQuery,
    cohort: 'day' | 'week',
    returning: FunnelStep | null,
    periods: number,
  ): Promise<Map<string, Map<number, number>>> {
    const ret = returning ? stepCondition(returning, 'e') : 'true'
    const cb = bucket('f', cohort, q)
    const eb = bucket('e.event_time', cohort, q)
    // First seen over all history before `to`, so a visitor from before the range is no newcomer.
    // Events are folded into one row per visitor and cohort-sized period first (a tenth of the rows
    // at 10 M events), and the first sighting and the returns are read from those: joining every
    // event back to its visitor's cohort took twice as long. A period's bucket is unique per visitor,
    // so the returns need no DISTINCT. Periods before `from` may be bucketed with the range's first
    // offset; they never count, as a cohort's visitors have no events before `from`.
    const sql = `WITH act AS (SELECT e.visitor_id AS v, ${eb} AS b,
          min(e.event_time) AS f, bool_or(${ret}) AS r
        FROM events e WHERE ${eventWhere(q, 'e', { from: null, to: q.to })} AND e.visitor_id IS NOT NULL
        GROUP BY 1, 2),
      first AS (SELECT v, min(f) AS f FROM act GROUP BY v HAVING min(f) >= ${ts(q.from)}),
      cohort AS (SELECT v, ${cb} AS c FROM first),
      back AS (SELECT cohort.c, date_diff('day', cohort.c, act.b) // ${cohort === 'week' ? 7 : 1} AS k
        FROM act JOIN cohort ON act.v = cohort.v WHERE act.r)
      SELECT ${key('c')}, 0, count(*) FROM cohort GROUP BY c
      UNION ALL
      SELECT ${key('c')}, k, count(*) FROM back WHERE k BETWEEN 1 AND ${periods} GROUP BY c, k`
    const out = new Map<string, Map<number, number>>()
    for (const [c, k, count] of await this.#rows(sql)) {
      let m = out.get(String(c))
      if (!m) {
        m = new Map()
        out.set(String(c), m)
      }
      m.set(num(k), num(count))
    }
    return out
  }

  async paths(
    q: StatsQuery,
    page: string,
    direction: 'next' | 'previous',
    limit: number,
  ): Promise<{ page: string | null; visitors: number; transitions: number }[]> {
    const fn = direction === 'next' ? 'lead' : 'lag'
    const gap = direction === 'next' ? 'ot - event_time' : 'event_time - ot'
    // Only visitors who saw the page matter; their page views in order, a gap of 30 minutes ends a visit.
    const sql = `WITH pv AS (SELECT e.visitor_id, e.event_time, e.event_id, e.page_path FROM events e
        WHERE ${eventWhere(q)} AND e.event_type = '${PAGEVIEW}' AND e.visitor_id IN (
          SELECT x.visitor_id FROM events x WHERE ${eventWhere(q, 'x')}
            AND x.event_type = '${PAGEVIEW}' AND x.page_path = ${lit(page)})),
      seq AS (SELECT visitor_id, event_time, page_path,
          ${fn}(page_path) OVER w AS other, ${fn}(event_time) OVER w AS ot
        FROM pv WINDOW w AS (PARTITION BY visitor_id ORDER BY event_time, event_id))
      SELECT CASE WHEN ot IS NULL OR ${gap} > to_seconds(${SESSION_GAP_SECONDS}) THEN NULL ELSE other END AS page,
        count(DISTINCT visitor_id) AS visitors, count(*) AS transitions
      FROM seq WHERE page_path = ${lit(page)}
      GROUP BY 1 ORDER BY transitions DESC, visitors DESC, page NULLS LAST LIMIT ${limit}`
    return (await this.#rows(sql)).map(([p, v, t]) => ({
      page: p === null ? null : String(p),
      visitors: num(v),
      transitions: num(t),
    }))
  }

  async activeUsers(
    q: StatsQuery,
  ): Promise<{ dau: number; wau: number; mau: number; daily: Map<string, number> }> {
    const day = 86_400_000
    const since = (ms: number) => `e.event_time >= ${ts(q.to - ms)}`
    const [[headline], daily] = await Promise.all([
      this.#rows(`SELECT count(DISTINCT e.visitor_id) FILTER (WHERE ${since(day)}),
          count(DISTINCT e.visitor_id) FILTER (WHERE ${since(7 * day)}), count(DISTINCT e.visitor_id)
        FROM events e WHERE ${eventWhere(q, 'e', { from: q.to - 30 * day, to: q.to })}`),
      this.#rows(`SELECT ${key(bucket('e.event_time', 'day', q))}, count(DISTINCT e.visitor_id)
        FROM events e WHERE ${eventWhere(q)} GROUP BY ${bucket('e.event_time', 'day', q)}`),
    ])
    return {
      dau: num(headline![0]),
      wau: num(headline![1]),
      mau: num(headline![2]),
      daily: new Map(daily.map(([d, n]) => [String(d), num(n)])),
    }
  }

  async sites(): Promise<SitesResponse['sites']> {
    const rows =
      await this.#rows(`SELECT site, count(*) AS n, strftime(max(event_time), '%Y-%m-%dT%H:%M:%S.%gZ')
      FROM events GROUP BY site ORDER BY n DESC, site NULLS LAST LIMIT 1000`)
    return rows.map(([site, n, last]) => ({
      site: site === null ? null : String(site),
      events: num(n),
      last_seen: String(last),
    }))
  }

  async listSavedFunnels(): Promise<SavedFunnel[]> {
    const rows = await this.#rows('SELECT definition FROM saved_funnels ORDER BY name')
    return rows.map(([d]) => JSON.parse(String(d)) as SavedFunnel)
  }

  async saveFunnel(funnel: SavedFunnel): Promise<void> {
    await this.#rows(`INSERT OR REPLACE INTO saved_funnels (name, definition, saved_at)
      VALUES (${lit(funnel.name)}, ${lit(JSON.stringify(funnel))}::JSON, now()::TIMESTAMP)`)
  }

  async deleteSavedFunnel(name: string): Promise<boolean> {
    const [[n]] = (await this.#rows(`DELETE FROM saved_funnels WHERE name = ${lit(name)} RETURNING 1`).then(
      (r) => [[r.length]],
    )) as [[number]]
    return n > 0
  }
}
