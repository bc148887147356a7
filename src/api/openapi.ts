// The OpenAPI 3.1 document of the admin listener, written from src/analytics/contract.ts (the same
// names, enums taken from its constants) and served at GET /api/openapi.json; `npm run docs`
// renders it into docs/api.md. openapi.test.ts checks real answers against these schemas.
import { DIMENSIONS } from '../analytics/contract.ts'
import { PERIODS } from '../analytics/query.ts'
import { EVENT_TYPES } from '../core/event.ts'

type Schema = Record<string, unknown>

const str: Schema = { type: 'string' }
const int: Schema = { type: 'integer', minimum: 0 }
const num: Schema = { type: 'number' }
const rate: Schema = { type: 'number', minimum: 0, maximum: 1 }
const time: Schema = { type: 'string', format: 'date-time' }
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] })
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
const arr = (items: Schema): Schema => ({ type: 'array', items })

/** An object whose listed properties are all required except those in `optional`. */
function obj(props: Record<string, Schema>, optional: readonly string[] = []): Schema {
  return {
    type: 'object',
    properties: props,
    required: Object.keys(props).filter((k) => !optional.includes(k)),
  }
}

const range = { from: time, to: time, tz: str }

const dimension: Schema = {
  anyOf: [
    { type: 'string', enum: [...DIMENSIONS] },
    { type: 'string', pattern: '^prop:.+$' },
  ],
  description: 'A dimension, or `prop:<key>` for a key of the custom properties.',
}

const metrics = obj({
  visitors: int,
  page_views: int,
  sessions: int,
  bounce_rate: rate,
  visit_duration: { type: 'number', minimum: 0, description: 'Mean session duration, seconds.' },
  events: int,
  conversion_rate: nullable(rate),
})

const funnelStep = {
  type: 'object',
  properties: {
    label: str,
    event_type: { type: 'string', enum: [...EVENT_TYPES] },
    event_name: str,
    page: { type: 'string', description: 'Page path glob (`*` matches any run of characters).' },
    props: { type: 'object', additionalProperties: str, description: 'props key -> exact value' },
  },
  description: 'All given conditions must hold; at least one is required.',
}

const funnelResult = obj({
  steps: arr(
    obj({
      label: str,
      visitors: int,
      conversion: rate,
      step_conversion: rate,
      drop_off: int,
      median_seconds_from_previous: nullable({ type: 'number', minimum: 0 }),
    }),
  ),
})

const filters: Schema = {
  anyOf: [
    { type: 'string', description: '`dim==a|b;dim!=c;dim=~glob*;dim!~glob*`' },
    arr(
      obj({
        dimension: ref('Dimension'),
        op: { type: 'string', enum: ['==', '!=', '=~', '!~'] },
        value: { anyOf: [str, arr(str)] },
      }),
    ),
  ],
}

const commonBody = {
  site: str,
  from: str,
  to: str,
  period: { type: 'string', enum: [...PERIODS] },
  tz: str,
  filters,
  include_bots: { type: 'boolean' },
}

const error = obj({ code: str, message: str })

const queryResult = obj({
  columns: arr(obj({ name: str, type: str })),
  rows: arr(arr({})),
  truncated: { type: 'boolean' },
  elapsed_ms: num,
})

const liveSnapshot = obj({
  time,
  visitors_now: int,
  events_per_second: { type: 'number', minimum: 0 },
  page_views_per_minute: arr(obj({ minute: time, page_views: int, visitors: int })),
  conversion_rate: nullable(rate),
  conversion_event: nullable(str),
  top_pages: arr(obj({ value: str, visitors: int })),
  top_referrers: arr(obj({ value: str, visitors: int })),
  top_countries: arr(obj({ value: str, visitors: int })),
  by_page_country: arr(
    obj({ page: str, country: nullable(str), clicks: int, visitors: int, avg_seconds: { type: 'number' } }),
  ),
  recent_events: arr(
    obj({
      event_id: str,
      time,
      event_type: str,
      event_name: nullable(str),
      page_path: nullable(str),
      country: nullable(str),
      visitor_id: nullable(str),
    }),
  ),
})

const alerts = obj({
  rules: arr(
    obj({
      id: str,
      metric: str,
      condition: str,
      window: str,
      state: { type: 'string', enum: ['ok', 'firing'] },
      since: nullable(time),
      last_value: nullable(num),
    }),
  ),
  history: arr(
    obj({
      rule_id: str,
      kind: { type: 'string', enum: ['firing', 'recovery'] },
      at: time,
      value: num,
      threshold: num,
      webhook_status: { type: 'string', enum: ['delivered', 'failed', 'pending', 'none'] },
    }),
  ),
})

const savedFunnel = obj({ name: str, steps: arr(ref('FunnelStep')), window: int }, ['window'])

/** Schemas by name (components.schemas). */
const SCHEMAS: Record<string, Schema> = {
  Error: error,
  Dimension: dimension,
  FunnelStep: funnelStep,
  OverviewMetrics: metrics,
  OverviewResponse: obj({
    ...range,
    current: ref('OverviewMetrics'),
    previous: { allOf: [ref('OverviewMetrics'), obj({ from: time, to: time })] },
  }),
  TimeseriesResponse: obj({
    ...range,
    interval: { type: 'string', enum: ['minute', 'hour', 'day', 'week', 'month'] },
    points: arr(obj({ time, visitors: int, page_views: int, sessions: int, events: int })),
  }),
  BreakdownResponse: obj({
    ...range,
    dimension: ref('Dimension'),
    rows: arr(
      obj(
        {
          value: nullable(str),
          visitors: int,
          page_views: int,
          events: int,
          sessions: int,
          bounce_rate: rate,
        },
        ['sessions', 'bounce_rate'],
      ),
    ),
    total_visitors: int,
  }),
  FunnelRequest: obj(
    {
      steps: arr(ref('FunnelStep')),
      window: { type: 'integer', minimum: 1, description: 'Seconds from the first step (default 86400).' },
      breakdown: ref('Dimension'),
      ...commonBody,
    },
    ['window', 'breakdown', ...Object.keys(commonBody)],
  ),
  FunnelResult: funnelResult,
  FunnelResponse: {
    allOf: [
      obj(range),
      ref('FunnelResult'),
      obj({ breakdown: arr({ allOf: [obj({ value: nullable(str) }), ref('FunnelResult')] }) }, ['breakdown']),
    ],
  },
  RetentionRequest: obj(
    {
      cohort: { type: 'string', enum: ['day', 'week'] },
      returning: ref('FunnelStep'),
      periods: { type: 'integer', minimum: 1, maximum: 366 },
      ...commonBody,
    },
    ['cohort', 'returning', 'periods', ...Object.keys(commonBody)],
  ),
  RetentionResponse: obj({
    ...range,
    cohort: { type: 'string', enum: ['day', 'week'] },
    cohorts: arr(obj({ cohort: time, visitors: int, retained: arr(nullable(int)) })),
  }),
  PathsResponse: obj({
    ...range,
    page: str,
    direction: { type: 'string', enum: ['next', 'previous'] },
    rows: arr(obj({ page: nullable(str), visitors: int, transitions: int })),
  }),
  ActiveUsersResponse: obj({
    ...range,
    dau: int,
    wau: int,
    mau: int,
    stickiness: rate,
    daily: arr(obj({ day: { type: 'string', format: 'date' }, dau: int })),
  }),
  SitesResponse: obj({ sites: arr(obj({ site: nullable(str), events: int, last_seen: time })) }),
  SavedFunnel: savedFunnel,
  QueryResult: queryResult,
  LiveSnapshot: liveSnapshot,
  AlertsResponse: alerts,
}

interface Param {
  readonly name: string
  readonly description: string
  readonly schema: Schema
  readonly required?: boolean
}

const COMMON_PARAMS: readonly Param[] = [
  { name: 'site', description: 'One site (default: all sites).', schema: str },
  {
    name: 'from',
    description: 'Start: ISO 8601 instant, local date-time or date (YYYY-MM-DD, read in tz).',
    schema: str,
  },
  { name: 'to', description: 'End, exclusive (default now); same forms as from.', schema: str },
  {
    name: 'period',
    description:
      'Instead of from/to, ending now: today, 24h, or the last N days from local midnight (7d is the default).',
    schema: { type: 'string', enum: [...PERIODS] },
  },
  { name: 'tz', description: 'IANA time zone of buckets and dates (default UTC).', schema: str },
  {
    name: 'filters',
    description:
      '`dim==a|b;dim!=c;dim=~/blog/*;dim!~x*` (`;` AND, `|` OR, `\\` escapes) or the JSON array form; `(none)` matches a missing value.',
    schema: str,
  },
  {
    name: 'include_bots',
    description: 'Count bot and duplicate events too (default false).',
    schema: { type: 'boolean' },
  },
]

interface Op {
  readonly summary: string
  readonly description?: string
  readonly params?: readonly Param[]
  readonly common?: boolean
  readonly body?: Schema
  readonly bodyType?: string
  /** 200 answer: a schema (JSON) or a media type with a description. */
  readonly ok: Schema | { readonly media: string; readonly description: string }
  readonly errors?: readonly number[]
  readonly public?: boolean
}

const OPERATIONS: Record<string, Record<string, Op>> = {
  '/api/stats/overview': {
    get: {
      summary:
        'Visitors, page views, sessions, bounce rate, visit duration and events, with the previous period',
      common: true,
      params: [
        {
          name: 'goal',
          description:
            'Conversion goal: an event name, a page glob starting with `/`, or a JSON funnel step; adds conversion_rate.',
          schema: str,
        },
      ],
      ok: ref('OverviewResponse'),
    },
  },
  '/api/stats/timeseries': {
    get: {
      summary: 'Counts per bucket, every bucket present (zeros for empty ones)',
      common: true,
      params: [
        {
          name: 'interval',
          description: 'Bucket size (default day); at most 5000 buckets.',
          schema: { type: 'string', enum: ['minute', 'hour', 'day', 'week', 'month'] },
        },
      ],
      ok: ref('TimeseriesResponse'),
    },
  },
  '/api/stats/breakdown': {
    get: {
      summary: 'Top values of a dimension by visitors',
      description:
        'Entry and exit pages come from the sessions table; sources (referrer, channel, utm_*) also carry the sessions that started there and their bounce rate.',
      common: true,
      params: [
        {
          name: 'dimension',
          description: 'What to break down by.',
          schema: ref('Dimension'),
          required: true,
        },
        { name: 'limit', description: 'Rows (1 to 1000, default 10).', schema: int },
        { name: 'offset', description: 'Rows to skip (default 0).', schema: int },
      ],
      ok: ref('BreakdownResponse'),
    },
  },
  '/api/stats/paths': {
    get: {
      summary: 'The pages viewed right after (next) or before (previous) a page within a visit',
      description:
        'A visit ends after 30 minutes without a page view; `page: null` means it ended (or began) there.',
      common: true,
      params: [
        { name: 'page', description: 'Page path.', schema: str, required: true },
        {
          name: 'direction',
          description: 'next (default) or previous.',
          schema: { type: 'string', enum: ['next', 'previous'] },
        },
        { name: 'limit', description: 'Rows (1 to 100, default 10).', schema: int },
      ],
      ok: ref('PathsResponse'),
    },
  },
  '/api/stats/active-users': {
    get: {
      summary: 'DAU, WAU, MAU (the 1, 7 and 30 days before `to`), stickiness DAU/MAU and DAU per day',
      common: true,
      ok: ref('ActiveUsersResponse'),
    },
  },
  '/api/sites': {
    get: { summary: 'Sites with their event counts and last event', ok: ref('SitesResponse') },
  },
  '/api/funnels': {
    post: {
      summary: 'Funnel: visitors reaching each step in order within the window',
      description:
        'Each first-step event starts an attempt that takes the earliest strictly later event of each next step within `window` seconds of the first; a visitor counts with their furthest attempt (the earliest among equals), whose times give the medians.',
      body: ref('FunnelRequest'),
      ok: ref('FunnelResponse'),
    },
  },
  '/api/retention': {
    post: {
      summary: 'Retention grid: cohorts by first-seen day or week, returning per period',
      description:
        'First seen is over all history before `to`; cohorts start within the range. retained[k] is null until period k has ended by `to`.',
      body: ref('RetentionRequest'),
      ok: ref('RetentionResponse'),
    },
  },
  '/api/funnels/saved': {
    get: { summary: 'Saved funnels', ok: obj({ funnels: arr(ref('SavedFunnel')) }) },
    post: {
      summary: 'Saves (or replaces) a funnel by name',
      body: ref('SavedFunnel'),
      ok: ref('SavedFunnel'),
    },
  },
  '/api/funnels/saved/{name}': {
    delete: {
      summary: 'Deletes a saved funnel',
      params: [
        { name: 'name', description: 'The funnel name (percent-encoded).', schema: str, required: true },
      ],
      ok: obj({ deleted: str }),
      errors: [404],
    },
  },
  '/api/sql': {
    post: {
      summary: 'One read-only SELECT over events, sessions, dead_letters, late_events, erasure_audit',
      description:
        'Refused with 400 `forbidden_statement`: anything but one SELECT (COPY, ATTACH, INSTALL, SET, PRAGMA, CREATE, INSERT, DELETE, several statements) and table functions that read files or run SQL. Stopped after `store.sql_timeout_ms` (400 `query_timeout`); at most `store.sql_max_rows` rows. `format` (body field or query parameter): json (default), csv (with a header) or parquet; csv and parquet answer with `X-Clickflow-Rows` and `X-Clickflow-Truncated` headers.',
      params: [
        {
          name: 'format',
          description: 'json (default), csv or parquet.',
          schema: { type: 'string', enum: ['json', 'csv', 'parquet'] },
        },
      ],
      body: obj({ sql: str, format: { type: 'string', enum: ['json', 'csv', 'parquet'] } }, ['format']),
      ok: ref('QueryResult'),
      errors: [400, 415],
    },
  },
  '/api/import': {
    post: {
      summary: 'Events and dead letters from `clickflow import` beside a running clickflow',
      body: obj({ events: arr({ type: 'object' }), dead_letters: arr({ type: 'object' }) }, ['dead_letters']),
      ok: obj({ accepted: int, dead_lettered: int }),
    },
  },
  '/api/live': {
    get: {
      summary: 'Live metrics as Server-Sent Events (`event: live`, one LiveSnapshot per second)',
      ok: {
        media: 'text/event-stream',
        description: 'Each message data is a LiveSnapshot (components.schemas).',
      },
    },
  },
  '/api/alerts': {
    get: { summary: 'Alert rules, their state and recent history', ok: ref('AlertsResponse') },
  },
  '/api/live/snapshot': { get: { summary: 'The current LiveSnapshot as JSON', ok: ref('LiveSnapshot') } },
  '/api/lake/export': {
    post: {
      summary: 'Exports closed days (or `day`, closed or not) to the Delta Lake table',
      body: obj({ day: { type: 'string', format: 'date' } }, ['day']),
      ok: { type: 'object', description: 'What was exported, by day, and the new table version.' },
      errors: [415],
    },
  },
  '/api/lake/compact': {
    post: {
      summary: 'Compacts small files of each day (remove + add with dataChange false)',
      body: obj({ min_files: int }, ['min_files']),
      ok: { type: 'object' },
      errors: [415],
    },
  },
  '/api/lake/vacuum': {
    post: {
      summary: 'Deletes files no table version within the retention period needs',
      body: obj({ retention_ms: int }, ['retention_ms']),
      ok: { type: 'object' },
      errors: [415],
    },
  },
  '/api/lake/history': {
    get: {
      summary: "The Delta table's commits, newest first",
      ok: obj({ history: arr({ type: 'object' }) }),
    },
  },
  '/api/lake/snapshot': {
    get: {
      summary: 'The table as of now, a version or a timestamp: version, files, rows',
      params: [
        { name: 'version', description: 'A table version.', schema: int },
        { name: 'timestamp', description: 'An ISO 8601 time: the version current then.', schema: time },
      ],
      ok: { type: 'object' },
      errors: [404],
    },
  },
  '/api/erase': {
    post: {
      summary: 'Erases one visitor or user from the store and the lake files, with an audit record',
      body: obj({ visitor_id: str, user_id: str, requested_by: str }, ['visitor_id', 'user_id']),
      ok: obj({
        subject_kind: { type: 'string', enum: ['visitor', 'user'] },
        subject_id: str,
        requested_by: str,
        requested_at: time,
        rows_events: int,
        rows_sessions: int,
        rows_late_events: int,
        rows_dead_letters: int,
        lake_rows: int,
        lake_files_rewritten: int,
        lake_version: nullable(int),
      }),
      errors: [415],
    },
  },
  '/api/dashboard/setup': {
    get: { summary: "What the dashboard's empty states need (the tag snippet)", ok: { type: 'object' } },
  },
  '/': {
    get: {
      summary: 'The dashboard (public: the page holds no data)',
      ok: { media: 'text/html', description: 'The dashboard page.' },
      public: true,
    },
  },
  '/assets/{path}': {
    get: {
      summary: "The dashboard's scripts and styles, named by content hash (public)",
      params: [{ name: 'path', description: 'Asset name.', schema: str, required: true }],
      ok: {
        media: 'text/javascript',
        description: 'A script (text/javascript) or a stylesheet (text/css); 404 for an unknown name.',
      },
      public: true,
    },
  },
  '/api/openapi.json': { get: { summary: 'This document', ok: { type: 'object' } } },
  '/metrics': {
    get: {
      summary: 'Prometheus metrics of the whole process',
      ok: { media: 'text/plain; version=0.0.4', description: 'Prometheus text format.' },
    },
  },
  '/healthz': { get: { summary: 'Liveness', ok: obj({ status: { const: 'ok' } }), public: true } },
  '/readyz': {
    get: {
      summary: 'Readiness: 200 ready, 503 while starting, stopping or retrying a sink',
      ok: obj({ status: str, checks: { type: 'object', additionalProperties: str } }),
      errors: [503],
      public: true,
    },
  },
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad parameters or body; the message says what to fix',
  401: 'Missing or wrong admin token',
  404: 'Not found',
  415: 'Not application/json',
  503: 'Not ready, or a query ran past its timeout',
}

function operation(path: string, method: string, op: Op): Record<string, unknown> {
  const params = [...(op.common ? COMMON_PARAMS : []), ...(op.params ?? [])].map((p) => ({
    name: p.name,
    in: path.includes(`{${p.name}}`) ? 'path' : 'query',
    required: p.required ?? false,
    description: p.description,
    schema: p.schema,
  }))
  const ok =
    'media' in op.ok
      ? { description: op.ok.description as string, content: { [op.ok.media as string]: {} } }
      : { description: 'OK', content: { 'application/json': { schema: op.ok } } }
  const errors = [
    ...(op.public ? [] : [401]),
    ...(op.body || op.common || op.params ? [400] : []),
    ...(op.errors ?? []),
  ]
  const responses: Record<string, unknown> = { 200: ok }
  for (const status of [...new Set(errors)].sort()) {
    responses[status] = {
      description: ERROR_TEXT[status],
      content: { 'application/json': { schema: ref('Error') } },
    }
  }
  return {
    operationId: `${method}${path.replace(/[^a-zA-Z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.public ? { security: [] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: op.body } } } }
      : {}),
    responses,
  }
}

/** The OpenAPI document of the admin listener. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    paths[path] = Object.fromEntries(Object.entries(methods).map(([m, op]) => [m, operation(path, m, op)]))
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'clickflow admin API',
      version: '1',
      description:
        'The admin listener (127.0.0.1:8291 by default): analytics, read-only SQL, import, live metrics, alerts, health and metrics. Errors are {code, message}.',
    },
    components: {
      schemas: SCHEMAS,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The admin token, when one is configured.' },
      },
    },
    security: [{ bearer: [] }],
    paths,
  }
}

/** A compact, TypeScript-like text of a schema for the docs. */
function typeText(s: Schema): string {
  if (typeof s.$ref === 'string') return s.$ref.split('/').pop()!
  if (Array.isArray(s.anyOf)) return (s.anyOf as Schema[]).map(typeText).join(' | ')
  if (Array.isArray(s.allOf)) return (s.allOf as Schema[]).map(typeText).join(' & ')
  if (Array.isArray(s.enum)) return (s.enum as string[]).map((v) => `'${v}'`).join(' | ')
  if ('const' in s) return JSON.stringify(s.const)
  if (s.type === 'array') {
    const item = s.items as Schema
    const inner = typeText(item)
    return item.anyOf || item.allOf || item.enum ? `(${inner})[]` : `${inner}[]`
  }
  if (s.type === 'object' && s.properties) {
    const required = new Set((s.required as string[] | undefined) ?? [])
    const props = Object.entries(s.properties as Record<string, Schema>).map(
      ([k, v]) => `${k}${required.has(k) ? '' : '?'}: ${typeText(v)}`,
    )
    return `{ ${props.join('; ')} }`
  }
  if (s.type === 'object')
    return s.additionalProperties ? `Record<string, ${typeText(s.additionalProperties as Schema)}>` : 'object'
  if (s.type === 'null') return 'null'
  if (s.format === 'date-time') return 'string (ISO 8601)'
  if (s.pattern === '^prop:.+$') return "'prop:<key>'"
  return String(s.type ?? 'unknown')
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ')
}

/** The generated part of docs/api.md: every operation, its parameters and answers, and the schemas. */
export function renderOpenApiMarkdown(): string {
  const doc = openApiDocument() as {
    paths: Record<
      string,
      Record<
        string,
        {
          summary: string
          description?: string
          parameters?: { name: string; in: string; required: boolean; description: string; schema: Schema }[]
          requestBody?: { content: Record<string, { schema: Schema }> }
          responses: Record<string, { description: string; content?: Record<string, { schema?: Schema }> }>
        }
      >
    >
  }
  const lines = [
    'Generated from the OpenAPI document that `GET /api/openapi.json` serves (`npm run docs`); the',
    'shapes are those of `src/analytics/contract.ts`.',
    '',
    '| method and path | what | answer |',
    '| --- | --- | --- |',
  ]
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const ok = op.responses['200']!
      const json = ok.content?.['application/json']?.schema
      const answer = json ? typeText(json) : (Object.keys(ok.content ?? {})[0] ?? '')
      lines.push(`| \`${method.toUpperCase()} ${path}\` | ${cell(op.summary)} | \`${cell(answer)}\` |`)
    }
  }
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? []
      if (!op.description && params.length === 0 && !op.requestBody) continue
      lines.push('', `### \`${method.toUpperCase()} ${path}\``, '')
      if (op.description) lines.push(op.description, '')
      if (op.requestBody)
        lines.push(`Body (JSON): \`${typeText(op.requestBody.content['application/json']!.schema)}\``, '')
      if (params.length > 0) {
        lines.push('| parameter | in | meaning |', '| --- | --- | --- |')
        for (const p of params)
          lines.push(`| \`${p.name}\`${p.required ? ' (required)' : ''} | ${p.in} | ${cell(p.description)} |`)
      }
      const errors = Object.entries(op.responses).filter(([status]) => status !== '200')
      if (errors.length > 0) {
        if (params.length > 0) lines.push('')
        lines.push(`Errors: ${errors.map(([status, r]) => `${status} (${r.description})`).join('; ')}.`)
      }
    }
  }
  lines.push('', '### Schemas', '')
  for (const [name, schema] of Object.entries(SCHEMAS))
    lines.push(`- **${name}**: \`${cell(typeText(schema))}\``)
  return lines.join('\n')
}

/** Markers around the generated part of docs/api.md. */
export const API_DOC_BEGIN = '<!-- generated from the OpenAPI document: npm run docs -->'
export const API_DOC_END = '<!-- end of generated part -->'

/** docs/api.md with its generated part replaced (appended, under a heading, when missing). */
export function withOpenApiSection(markdown: string): string {
  const section = `${API_DOC_BEGIN}\n${renderOpenApiMarkdown()}\n${API_DOC_END}`
  const b = markdown.indexOf(API_DOC_BEGIN)
  const e = markdown.indexOf(API_DOC_END)
  if (b >= 0 && e > b) return markdown.slice(0, b) + section + markdown.slice(e + API_DOC_END.length)
  return `${markdown.trimEnd()}\n\n## Admin API reference\n\n${section}\n`
}
