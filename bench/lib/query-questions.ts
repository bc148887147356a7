// The dashboard's questions, asked two ways: of clickflow's analytics API (HTTP, as the dashboard
// asks them) and of PostgreSQL in hand-written SQL over the same rows. The SQL follows the API's
// definitions (src/store/duckdb/analytics-sql.ts): bots and duplicates left out, visitors are
// distinct visitor ids, sessions come from the processor's sessions table, a funnel step is the
// earliest later event of the next step within the window of the first (an index lookup per start
// here, as PostgreSQL has no ASOF join). It is written for PostgreSQL's strengths: distinct visitors
// by a two-level GROUP BY (hash aggregates that parallel workers share) rather than count(DISTINCT),
// which PostgreSQL computes by sorting in one process. Each side's answer is reduced to a digest of
// its headline numbers, so the bench can show that both answered the same.

/** One question. */
export interface Question {
  readonly name: string
  readonly what: string
  readonly api: { readonly method: 'GET' | 'POST'; readonly path: string; readonly body?: unknown }
  readonly sql: string
  /** Headline numbers of the API's answer. */
  apiDigest(body: unknown): string
  /** The same numbers from psql's tab-separated rows. */
  sqlDigest(rows: string[][]): string
}

const FUNNEL = ['view_product', 'add_to_cart', 'purchase'] as const
const WINDOW_S = 86_400

/** The questions over [from, to) (epoch ms). */
export function questions(from: number, to: number): Question[] {
  const iso = (ms: number) => new Date(ms).toISOString()
  const ts = (ms: number) => `TIMESTAMP '${iso(ms).replace('T', ' ').replace('Z', '')}'`
  const prev = from - (to - from)
  const F = ts(from)
  const T = ts(to)
  const human = 'NOT is_bot AND NOT is_duplicate'
  const range = `event_time >= ${F} AND event_time < ${T} AND ${human}`
  const qs = `from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}`
  // biome-ignore lint/suspicious/noExplicitAny: digests read loosely typed JSON answers
  const any = (b: unknown) => b as Record<string, any>
  const breakdown = (dimension: string, column: string): Question => ({
    name: dimension === 'page' ? 'top pages' : 'countries',
    what: `breakdown by ${dimension}, top 10 by visitors, with the total`,
    api: { method: 'GET', path: `/api/stats/breakdown?dimension=${dimension}&limit=10&${qs}` },
    sql: `SELECT value, count(visitor_id) AS visitors, sum(page_views) AS page_views, sum(n),
        (SELECT count(*) FROM (SELECT DISTINCT visitor_id FROM events WHERE ${range} AND visitor_id IS NOT NULL) t) AS total
      FROM (SELECT ${column} AS value, visitor_id, count(*) FILTER (WHERE event_type = 'pageview') AS page_views, count(*) AS n
        FROM events WHERE ${range} GROUP BY 1, 2) v
      GROUP BY 1 ORDER BY visitors DESC, page_views DESC, 1 NULLS LAST LIMIT 10`,
    apiDigest: (b) => {
      const r = any(b).rows?.[0]
      return `total ${any(b).total_visitors}; #1 ${r?.value} ${r?.visitors} visitors`
    },
    sqlDigest: (rows) => `total ${rows[0]?.[4]}; #1 ${rows[0]?.[0] || null} ${rows[0]?.[1]} visitors`,
  })
  const laterStep = (prevAlias: string, prevTime: string, name: string) =>
    `LEFT JOIN LATERAL (SELECT min(e.event_time) AS t FROM events e
        WHERE e.visitor_id = ${prevAlias}.v AND e.event_name = '${name}' AND e.event_type = 'track'
          AND e.event_time > ${prevAlias}.${prevTime} AND e.event_time < ${T} AND NOT e.is_bot AND NOT e.is_duplicate) x ON true`
  return [
    {
      name: 'overview',
      what: 'visitors, page views, events, sessions, bounces, duration; this period and the one before',
      api: { method: 'GET', path: `/api/stats/overview?${qs}` },
      sql: `SELECT * FROM (SELECT
          count(*) FILTER (WHERE visitor_id IS NOT NULL AND n_cur > 0), sum(pv_cur), sum(n_cur),
          count(*) FILTER (WHERE visitor_id IS NOT NULL AND n_prev > 0), sum(pv_prev), sum(n_prev)
        FROM (SELECT visitor_id,
            count(*) FILTER (WHERE event_time >= ${F}) AS n_cur,
            count(*) FILTER (WHERE event_time >= ${F} AND event_type = 'pageview') AS pv_cur,
            count(*) FILTER (WHERE event_time < ${F}) AS n_prev,
            count(*) FILTER (WHERE event_time < ${F} AND event_type = 'pageview') AS pv_prev
          FROM events WHERE event_time >= ${ts(prev)} AND event_time < ${T} AND ${human} GROUP BY 1) v) e,
        (SELECT count(*) FILTER (WHERE start_time >= ${F}),
          count(*) FILTER (WHERE start_time >= ${F} AND is_bounce),
          sum(duration_ms) FILTER (WHERE start_time >= ${F}),
          count(*) FILTER (WHERE start_time < ${F}),
          count(*) FILTER (WHERE start_time < ${F} AND is_bounce),
          sum(duration_ms) FILTER (WHERE start_time < ${F})
        FROM sessions WHERE start_time >= ${ts(prev)} AND start_time < ${T} AND NOT is_bot) s`,
      apiDigest: (b) => {
        const c = any(b).current ?? {}
        return `${c.visitors} visitors, ${c.page_views} page views, ${c.sessions} sessions`
      },
      sqlDigest: (rows) => `${rows[0]?.[0]} visitors, ${rows[0]?.[1]} page views, ${rows[0]?.[6]} sessions`,
    },
    {
      name: 'timeseries',
      what: 'per day: visitors, page views, events, sessions',
      api: { method: 'GET', path: `/api/stats/timeseries?interval=day&${qs}` },
      sql: `SELECT e.b, e.visitors, e.page_views, e.events, coalesce(s.sessions, 0) FROM
        (SELECT b, count(visitor_id) AS visitors, sum(page_views) AS page_views, sum(n) AS events
         FROM (SELECT date_trunc('day', event_time) AS b, visitor_id,
             count(*) FILTER (WHERE event_type = 'pageview') AS page_views, count(*) AS n
           FROM events WHERE ${range} GROUP BY 1, 2) v GROUP BY 1) e
        LEFT JOIN (SELECT date_trunc('day', start_time) AS b, count(*) AS sessions FROM sessions
         WHERE start_time >= ${F} AND start_time < ${T} AND NOT is_bot GROUP BY 1) s USING (b)
        ORDER BY 1`,
      apiDigest: (b) => {
        const p = (any(b).points ?? []) as { visitors: number; page_views: number }[]
        return `${p.filter((x) => x.page_views > 0).length} days, sum of daily visitors ${p.reduce((a, x) => a + x.visitors, 0)}`
      },
      sqlDigest: (rows) =>
        `${rows.length} days, sum of daily visitors ${rows.reduce((a, r) => a + Number(r[1]), 0)}`,
    },
    breakdown('page', 'page_path'),
    breakdown('country', 'country'),
    {
      name: 'funnel',
      what: `3 steps ${FUNNEL.join(' -> ')}, 24 h window, visitors per step`,
      api: {
        method: 'POST',
        path: '/api/funnels',
        body: {
          steps: FUNNEL.map((n) => ({ event_type: 'track', event_name: n })),
          window: WINDOW_S,
          from: iso(from),
          to: iso(to),
        },
      },
      sql: `WITH j1 AS (SELECT visitor_id AS v, event_time AS t1 FROM events
          WHERE ${range} AND visitor_id IS NOT NULL AND event_type = 'track' AND event_name = '${FUNNEL[0]}'),
        j2 AS (SELECT j1.v, j1.t1, CASE WHEN x.t <= j1.t1 + interval '${WINDOW_S} seconds' THEN x.t END AS t2
          FROM j1 ${laterStep('j1', 't1', FUNNEL[1])}),
        j3 AS (SELECT j2.v, j2.t1, j2.t2, CASE WHEN x.t <= j2.t1 + interval '${WINDOW_S} seconds' THEN x.t END AS t3
          FROM j2 ${laterStep('j2', 't2', FUNNEL[2])})
        SELECT count(DISTINCT v), count(DISTINCT v) FILTER (WHERE t2 IS NOT NULL),
          count(DISTINCT v) FILTER (WHERE t3 IS NOT NULL) FROM j3`,
      apiDigest: (b) => ((any(b).steps ?? []) as { visitors: number }[]).map((s) => s.visitors).join(' -> '),
      sqlDigest: (rows) => (rows[0] ?? []).join(' -> '),
    },
    {
      name: 'retention',
      what: 'daily cohorts by first-seen day, returning on days 1-7',
      api: {
        method: 'POST',
        path: '/api/retention',
        body: { cohort: 'day', periods: 7, from: iso(from), to: iso(to) },
      },
      sql: `WITH ev AS (SELECT visitor_id AS v, event_time AS t FROM events
          WHERE event_time < ${T} AND ${human} AND visitor_id IS NOT NULL),
        first AS (SELECT v, min(t) AS f FROM ev GROUP BY v HAVING min(t) >= ${F}),
        cohort AS (SELECT v, date_trunc('day', f) AS c FROM first),
        back AS (SELECT DISTINCT ev.v, cohort.c, date_trunc('day', ev.t)::date - cohort.c::date AS k
          FROM ev JOIN cohort ON ev.v = cohort.v)
        SELECT c, 0 AS k, count(*) FROM cohort GROUP BY 1
        UNION ALL SELECT c, k, count(*) FROM back WHERE k BETWEEN 1 AND 7 GROUP BY 1, 2
        ORDER BY 1, 2`,
      apiDigest: (b) => {
        const c = (any(b).cohorts ?? []) as { visitors: number; retained: (number | null)[] }[]
        return `${c.filter((x) => x.visitors > 0).length} cohorts, ${c.reduce((a, x) => a + x.visitors, 0)} visitors, ${c.reduce((a, x) => a + (x.retained[1] ?? 0), 0)} back on day 1`
      },
      sqlDigest: (rows) => {
        const cohorts = rows.filter((r) => r[1] === '0')
        const day1 = rows.filter((r) => r[1] === '1').reduce((a, r) => a + Number(r[2]), 0)
        return `${cohorts.length} cohorts, ${cohorts.reduce((a, r) => a + Number(r[2]), 0)} visitors, ${day1} back on day 1`
      },
    },
  ]
}
