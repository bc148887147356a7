// The analytics API end to end: the real CLI, the OTTO sample sent to /collect (clicks as page
// views, carts and orders as track events), the processor's own sessions, and every answer over HTTP
// checked against an independent computation (test/helpers/otto-truth.ts) and against the published
// OpenAPI schemas. Also: clear 400s over HTTP, saved funnels, and POST /api/sql refusing every kind
// of statement that writes or reads files, stopping a slow query, and exporting CSV and Parquet.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DuckDBInstance } from '@duckdb/node-api'
import type { ClickEvent } from '../../src/core/event.ts'
import { type Clickflow, killAll, pollUntil, start, tempDir } from '../helpers/clickflow-process.ts'
import { distinct, ottoEvents, truthFunnel, truthSessions } from '../helpers/otto-truth.ts'
import { matchesSchema } from '../helpers/schema-check.ts'

const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
const RANGE = 'from=2022-07-31&to=2022-08-29'
const TIMEOUT_MS = 2000

// The default chain with the processor told that history arrives out of time order.
const CONFIG = `
api:
  host: 127.0.0.1
store:
  sql_timeout_ms: ${TIMEOUT_MS}
  sql_max_rows: 500
sources:
  collector:
    type: http_collector
    host: 127.0.0.1
transforms:
  valid:
    type: validate
    inputs: [collector]
  dedupe:
    type: dedupe
    inputs: [valid]
  user_agent:
    type: enrich_user_agent
    inputs: [dedupe]
  referrer:
    type: enrich_referrer
    inputs: [user_agent]
sinks:
  store:
    type: duckdb
    inputs: [referrer]
  processor:
    type: processor
    inputs: [referrer]
    allowed_lateness_ms: 5000000000
`

const humans = ottoEvents().filter((e) => !e.is_bot)

let dir: Awaited<ReturnType<typeof tempDir>>
let cf: Clickflow
let openapi: Record<string, unknown>

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(cf.adminUrl + path)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function post(path: string, body: unknown, contentType = 'application/json') {
  const res = await fetch(cf.adminUrl + path, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return res
}

async function postJson(
  path: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await post(path, body)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function sqlRows(sql: string): Promise<unknown[][]> {
  const r = await postJson('/api/sql', { sql })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.rows as unknown[][]
}

/** Checks an answer against a schema of the OpenAPI document. */
function conforms(schema: string, body: unknown): void {
  assert.deepEqual(matchesSchema(openapi, { $ref: `#/components/schemas/${schema}` }, body), [], schema)
}

function toCollect(e: ClickEvent): Record<string, unknown> {
  return {
    type: e.event_type,
    ...(e.event_name ? { name: e.event_name } : {}),
    event_id: e.event_id,
    url: `https://shop.test${e.page_path}`,
    visitor_id: e.visitor_id,
    timestamp: e.event_time,
    props: e.props,
  }
}

describe('analytics API end to end', () => {
  before(async () => {
    dir = await tempDir()
    const config = join(dir.path, 'clickflow.yaml')
    await writeFile(config, CONFIG)
    cf = await start(dir.path, ['--config', config])
    // In time order, so each log partition sees its visitors' events in order.
    const sorted = [...humans].sort((a, b) => a.event_time - b.event_time)
    for (let i = 0; i < sorted.length; i += 100) {
      const res = await fetch(cf.collectUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': CHROME },
        body: JSON.stringify({ events: sorted.slice(i, i + 100).map(toCollect) }),
      })
      const body = (await res.json()) as { accepted: number }
      assert.equal(res.status, 200, JSON.stringify(body))
      assert.equal(body.accepted, Math.min(100, sorted.length - i), JSON.stringify(body))
    }
    const sessions = truthSessions(humans).length
    assert.ok(
      await pollUntil(async () => {
        const [[events, stored]] = (await sqlRows(
          'SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM sessions)',
        )) as [[number, number]]
        return events === humans.length && stored === sessions
      }, 30_000),
      'events and the processor sessions arrive',
    )
    openapi = (await get('/api/openapi.json')).body
  })

  after(async () => {
    await killAll()
    await dir?.remove()
  })

  test('overview: events, page views and visitors; sessions and bounce rate from the processor', async () => {
    const r = await get(`/api/stats/overview?${RANGE}&goal=purchase`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    conforms('OverviewResponse', r.body)
    const cur = r.body.current as Record<string, number>
    const truth = truthSessions(humans)
    assert.equal(cur.visitors, 20)
    assert.equal(cur.events, 862)
    assert.equal(cur.page_views, humans.filter((e) => e.event_type === 'pageview').length)
    assert.equal(cur.sessions, truth.length)
    const bounce = truth.filter((s) => s.is_bounce).length / truth.length
    assert.ok(Math.abs(cur.bounce_rate! - bounce) < 1e-9, `${cur.bounce_rate} != ${bounce}`)
    const duration = truth.reduce((a, s) => a + s.end_time - s.start_time, 0) / truth.length / 1000
    assert.ok(Math.abs(cur.visit_duration! - duration) < 1e-6)
    assert.ok(Math.abs(cur.conversion_rate! - 3 / 20) < 1e-9)
  })

  test('timeseries, breakdowns, paths, active users, sites conform and add up', async () => {
    const ts = await get(`/api/stats/timeseries?${RANGE}&interval=day`)
    conforms('TimeseriesResponse', ts.body)
    const points = ts.body.points as { events: number; sessions: number }[]
    assert.equal(points.length, 29)
    assert.equal(
      points.reduce((a, p) => a + p.events, 0),
      862,
    )
    assert.equal(
      points.reduce((a, p) => a + p.sessions, 0),
      truthSessions(humans).length,
    )
    const names = await get(`/api/stats/breakdown?${RANGE}&dimension=event_name`)
    conforms('BreakdownResponse', names.body)
    assert.deepEqual(
      (names.body.rows as { value: string | null; visitors: number }[]).map((r) => [r.value, r.visitors]),
      [
        [null, 20],
        ['cart', 7],
        ['purchase', 3],
      ],
    )
    const entry = await get(`/api/stats/breakdown?${RANGE}&dimension=entry_page&limit=1000`)
    conforms('BreakdownResponse', entry.body)
    assert.equal(
      (entry.body.rows as { sessions: number }[]).reduce((a, r) => a + r.sessions, 0),
      truthSessions(humans).length,
    )
    const page = humans[0]!.page_path!
    const paths = await get(`/api/stats/paths?${RANGE}&page=${encodeURIComponent(page)}`)
    conforms('PathsResponse', paths.body)
    const active = await get(`/api/stats/active-users?${RANGE}&tz=Europe/Berlin`)
    conforms('ActiveUsersResponse', active.body)
    const sites = await get('/api/sites')
    conforms('SitesResponse', sites.body)
    assert.deepEqual(
      (sites.body.sites as { site: string; events: number }[]).map((s) => [s.site, s.events]),
      [['shop.test', 862]],
    )
  })

  test('funnel view -> cart -> purchase and retention over HTTP equal the independent computation', async () => {
    const steps = [
      { label: 'view', event_type: 'pageview' },
      { label: 'cart', event_name: 'cart' },
      { label: 'purchase', event_name: 'purchase' },
    ]
    const r = await postJson('/api/funnels', {
      from: '2022-07-31',
      to: '2022-08-29',
      steps,
      window: 7 * 86_400,
      breakdown: 'event_type',
    })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    conforms('FunnelResponse', r.body)
    const truth = truthFunnel(
      humans,
      [
        (e) => e.event_type === 'pageview',
        (e) => e.event_name === 'cart',
        (e) => e.event_name === 'purchase',
      ],
      7 * 86_400_000,
    )
    assert.deepEqual(
      (r.body.steps as { visitors: number }[]).map((s) => s.visitors),
      truth.visitors,
    )
    const ret = await postJson('/api/retention', { from: '2022-07-31', to: '2022-08-29', periods: 3 })
    assert.equal(ret.status, 200, JSON.stringify(ret.body))
    conforms('RetentionResponse', ret.body)
    assert.equal(
      (ret.body.cohorts as { visitors: number }[]).reduce((a, c) => a + c.visitors, 0),
      distinct(humans.map((e) => e.visitor_id)),
    )
  })

  test('saved funnels: save, list, delete, 404 for an unknown name', async () => {
    const saved = await postJson('/api/funnels/saved', {
      name: 'buy now',
      steps: [{ event_name: 'cart' }],
      window: 60,
    })
    assert.equal(saved.status, 200, JSON.stringify(saved.body))
    const list = await get('/api/funnels/saved')
    assert.deepEqual(list.body, {
      funnels: [{ name: 'buy now', steps: [{ event_name: 'cart' }], window: 60 }],
    })
    const del = await fetch(`${cf.adminUrl}/api/funnels/saved/buy%20now`, { method: 'DELETE' })
    assert.equal(del.status, 200)
    const again = await fetch(`${cf.adminUrl}/api/funnels/saved/buy%20now`, { method: 'DELETE' })
    assert.equal(again.status, 404)
    assert.equal(((await again.json()) as { code: string }).code, 'not_found')
  })

  test('bad parameters answer 400 {code, message}', async () => {
    const cases: [string, string][] = [
      ['/api/stats/overview?period=forever', 'invalid_range'],
      ['/api/stats/overview?tz=Nowhere/City', 'invalid_timezone'],
      ['/api/stats/overview?filters=country%3E%3DDE', 'invalid_filter'],
      ['/api/stats/breakdown?dimension=shoe_size', 'invalid_dimension'],
      ['/api/stats/timeseries?interval=fortnight', 'invalid_parameter'],
      ['/api/stats/timeseries?period=90d&interval=minute', 'too_many_buckets'],
      ['/api/stats/paths', 'invalid_parameter'],
      // A misspelt parameter is refused, not ignored (this one answered in UTC before).
      ['/api/stats/overview?timezone=Europe/Berlin', 'unknown_parameter'],
      ['/api/sites?site=x', 'unknown_parameter'],
    ]
    for (const [path, code] of cases) {
      const r = await get(path)
      assert.equal(r.status, 400, path)
      assert.equal(r.body.code, code, path)
      assert.equal(typeof r.body.message, 'string')
      conforms('Error', r.body)
    }
    const funnel = await postJson('/api/funnels', { steps: [{ event_type: 'page_view' }] })
    assert.deepEqual([funnel.status, funnel.body.code], [400, 'invalid_funnel'])
    const notJson = await post('/api/funnels', 'steps=1', 'application/x-www-form-urlencoded')
    assert.equal(notJson.status, 415)
    const broken = await post('/api/retention', '{"cohort":')
    assert.deepEqual([broken.status, ((await broken.json()) as { code: string }).code], [400, 'invalid_json'])
  })

  test('SQL: forbidden statements are refused with 400 in every format', async () => {
    const forbidden = [
      "COPY events TO '/tmp/x.csv'",
      `COPY (SELECT 1) TO '${dir.path}/lake/x.parquet' (FORMAT parquet)`,
      "ATTACH '/tmp/other.duckdb' AS o",
      'INSTALL httpfs',
      'SET enable_external_access = true',
      "SET memory_limit = '1GB'",
      'PRAGMA database_size',
      "SELECT * FROM read_csv('/etc/passwd')",
      `SELECT * FROM read_csv_auto('${dir.path}/clickflow.yaml')`,
      `SELECT * FROM read_parquet('${dir.path}/lake/*.parquet')`,
      'CREATE TABLE t (a INT)',
      "INSERT INTO saved_funnels VALUES ('x', '{}', now())",
      'DELETE FROM events',
      'SELECT 1; DELETE FROM events',
      'SELECT 1; SELECT 2',
    ]
    for (const format of ['json', 'csv', 'parquet']) {
      for (const sql of forbidden) {
        const r = await postJson('/api/sql', { sql, format })
        assert.equal(r.status, 400, `${format}: ${sql} -> ${JSON.stringify(r.body)}`)
        assert.ok(
          ['forbidden_statement', 'invalid_sql'].includes(r.body.code as string),
          `${sql}: ${r.body.code}`,
        )
      }
    }
    // A comment or a semicolon at the end cannot smuggle anything past the export's wrapping.
    for (const sql of ['SELECT 1 AS a --', 'SELECT 1 AS a;']) {
      const r = await post('/api/sql?format=csv', { sql })
      assert.equal(r.status, 200, sql)
      assert.equal(await r.text(), 'a\n1\n')
    }
    assert.deepEqual(await sqlRows('SELECT count(*) FROM events'), [[862]])
    const bad = await postJson('/api/sql', { sql: 'SELECT 1', format: 'xlsx' })
    assert.deepEqual([bad.status, bad.body.code], [400, 'invalid_format'])
  })

  test('SQL: a slow query stops at the timeout, in JSON and as an export', async () => {
    const slow = 'SELECT count(*) FROM range(10000000000) a, range(10) b WHERE a.range * b.range = -1'
    for (const format of ['json', 'parquet']) {
      const r = await postJson('/api/sql', { sql: slow, format })
      assert.equal(r.status, 400, format)
      assert.equal(r.body.code, 'query_timeout', format)
      assert.match(r.body.message as string, new RegExp(`${TIMEOUT_MS} ms`))
    }
    assert.deepEqual(await sqlRows('SELECT 42'), [[42]])
  })

  test('SQL: CSV and Parquet read back to the same rows as JSON; the row limit applies', async () => {
    const sql = `SELECT event_id, event_type, event_name, visitor_id, event_time, props
      FROM events ORDER BY event_id LIMIT 300`
    const json = await sqlRows(sql)
    assert.equal(json.length, 300)

    const csvRes = await post('/api/sql?format=csv', { sql })
    assert.equal(csvRes.status, 200)
    assert.match(csvRes.headers.get('content-type')!, /^text\/csv/)
    assert.equal(csvRes.headers.get('x-clickflow-rows'), '300')
    const csvPath = join(dir.path, 'read-back.csv')
    await writeFile(csvPath, Buffer.from(await csvRes.arrayBuffer()))

    const pq = await post('/api/sql', { sql, format: 'parquet' })
    assert.equal(pq.status, 200)
    assert.equal(pq.headers.get('content-type'), 'application/vnd.apache.parquet')
    const pqPath = join(dir.path, 'read-back.parquet')
    await writeFile(pqPath, Buffer.from(await pq.arrayBuffer()))

    // An unrestricted DuckDB of the test's own reads both files.
    const db = await DuckDBInstance.create(':memory:')
    const conn = await db.connect()
    try {
      const fromParquet = (
        await conn.runAndReadAll(
          `SELECT event_id, event_type, event_name, visitor_id, epoch_ms(event_time), props::VARCHAR FROM read_parquet('${pqPath}')`,
        )
      ).getRowsJson()
      const types = (
        await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${pqPath}')`)
      ).getRowsJson()
      assert.deepEqual(
        types.map((t) => [t[0], t[1]]),
        [
          ['event_id', 'VARCHAR'],
          ['event_type', 'VARCHAR'],
          ['event_name', 'VARCHAR'],
          ['visitor_id', 'VARCHAR'],
          ['event_time', 'TIMESTAMP'],
          ['props', 'JSON'],
        ],
      )
      const fromCsv = (
        await conn.runAndReadAll(
          `SELECT event_id, event_type, event_name, visitor_id FROM read_csv('${csvPath}', header = true, all_varchar = true)`,
        )
      ).getRowsJson()
      assert.deepEqual(
        fromParquet.map((r) => [r[0], r[1], r[2], r[3], Number(r[4]), JSON.parse(String(r[5]))]),
        json.map((r) => [r[0], r[1], r[2], r[3], Date.parse(String(r[4])), JSON.parse(String(r[5]))]),
      )
      assert.deepEqual(
        fromCsv,
        json.map((r) => [r[0], r[1], r[2], r[3]]),
      )
    } finally {
      conn.closeSync()
      db.closeSync()
    }

    // More rows than store.sql_max_rows (500): cut, and the headers say so.
    const cut = await post('/api/sql?format=csv', { sql: 'SELECT * FROM range(1000)' })
    assert.equal(cut.headers.get('x-clickflow-rows'), '500')
    assert.equal(cut.headers.get('x-clickflow-truncated'), 'true')
    assert.equal((await cut.text()).trim().split('\n').length, 501)
    const exact = await post('/api/sql?format=csv', { sql: 'SELECT * FROM range(500)' })
    assert.equal(exact.headers.get('x-clickflow-truncated'), 'false')
  })
})
