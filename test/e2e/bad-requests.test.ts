// End to end: bad requests to the collector and to /api/sql get the documented 4xx with {code, message},
// bad events are dead-lettered with their reason, and every refusal is counted in /metrics.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  type Clickflow,
  killAll,
  metricValue,
  pollUntil,
  post,
  scrapeMetrics,
  sql,
  start,
  tempDir,
} from '../helpers/clickflow-process.ts'

async function send(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init)
  const text = await res.text()
  return { status: res.status, body: JSON.parse(text) }
}

function assertError(res: { status: number; body: unknown }, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body))
  const body = res.body as { code: unknown; message: unknown }
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message'])
  assert.equal(body.code, code)
  assert.ok(typeof body.message === 'string' && body.message.length > 0)
}

const FORBIDDEN_SQL = [
  'DELETE FROM events',
  "INSERT INTO events (event_id) VALUES ('x')",
  'CREATE TABLE stolen (a INTEGER)',
  "COPY events TO '/tmp/clickflow-e2e-stolen.csv'",
  "ATTACH '/tmp/clickflow-e2e-other.duckdb' AS other",
  'PRAGMA database_list',
  'SET threads = 1',
  'SELECT 1; SELECT 2',
  "SELECT * FROM read_csv('/etc/passwd')",
  "SELECT * FROM glob('/*')",
  "SELECT * FROM query('select 1')",
]

describe('bad requests', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let cf: Clickflow

  before(async () => {
    dir = await tempDir()
    cf = await start(dir.path)
  })
  after(async () => {
    await killAll()
    await dir?.remove()
  })

  const json = { 'content-type': 'application/json' }

  test('collector: malformed requests get 4xx {code, message}', async () => {
    const url = cf.collectUrl
    assertError(await send(url, { method: 'POST', headers: json, body: '{"events": [' }), 400, 'invalid_json')
    assertError(
      await send(url, { method: 'POST', headers: json, body: '[{"type": "pageview"}]' }),
      400,
      'invalid_body',
    )
    assertError(
      await send(url, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<events/>' }),
      415,
      'unsupported_media_type',
    )
    const big = JSON.stringify({
      events: [{ type: 'pageview', props: { pad: 'x'.repeat(1024 * 1024 + 10) } }],
    })
    assertError(await send(url, { method: 'POST', headers: json, body: big }), 413, 'body_too_large')
    assertError(await send(url, { method: 'GET' }), 405, 'method_not_allowed')
    assertError(
      await send(url.replace('/collect', '/no-such-path'), { method: 'POST', headers: json, body: '{}' }),
      404,
      'not_found',
    )
  })

  test('collector: an invalid event is rejected by index and kept as a dead letter', async () => {
    const events = [
      { event_id: 'bad-req-ok', type: 'pageview', url: 'https://bad.example.com/' },
      { event_id: 'bad-req-no-name', type: 'track', url: 'https://bad.example.com/' },
    ]
    const res = await post<{ accepted: number; rejected: { index: number; code: string }[] }>(cf.collectUrl, {
      events,
    })
    assert.equal(res.status, 200)
    assert.equal(res.body.accepted, 1)
    assert.deepEqual(
      res.body.rejected.map(({ index, code }) => ({ index, code })),
      [{ index: 1, code: 'missing_name' }],
    )
    let rows: unknown[][] = []
    const stored = await pollUntil(async () => {
      rows = await sql(
        cf.adminUrl,
        "SELECT component_id, reason, payload FROM dead_letters WHERE payload LIKE '%bad-req-no-name%'",
      )
      return rows.length > 0
    }, 10_000)
    assert.ok(stored, 'the rejected event never reached dead_letters')
    assert.equal(rows.length, 1)
    assert.equal(rows[0]![0], 'collector')
    assert.equal(rows[0]![1], 'missing_name')
    assert.deepEqual(JSON.parse(rows[0]![2] as string), events[1])
  })

  test('/api/sql: missing sql, writes, file access and syntax errors get 400', async () => {
    const url = `${cf.adminUrl}/api/sql`
    assertError(await post(url, {}), 400, 'invalid_body')
    for (const query of FORBIDDEN_SQL) {
      const res = await post(url, { sql: query })
      assert.equal((res.body as { code?: string }).code, 'forbidden_statement', `for ${query}`)
      assertError(res, 400, 'forbidden_statement')
    }
    assertError(await post(url, { sql: 'SELEC 1 FROM events' }), 400, 'invalid_sql')
    // The refusals changed nothing.
    assert.deepEqual(await sql(cf.adminUrl, "SELECT count(*) FROM events WHERE event_id = 'x'"), [[0]])
  })

  test('/metrics counts every refusal by component, reason and status', async () => {
    const expected = {
      collector: {
        invalid_json: 1,
        invalid_body: 1,
        unsupported_media_type: 1,
        body_too_large: 1,
        method_not_allowed: 1,
        not_found: 1,
        missing_name: 1,
      },
      api: { invalid_body: 1, forbidden_statement: FORBIDDEN_SQL.length, invalid_sql: 1 },
      http: {
        'collector collect 400': 2,
        'collector collect 413': 1,
        'collector collect 415': 1,
        'collector collect 405': 1,
        'collector other 404': 1,
        'collector collect 200': 1,
        'admin /api/sql 400': FORBIDDEN_SQL.length + 2,
      },
    }
    const observe = (text: string) => {
      const discarded = (component_id: string, reasons: Record<string, number>) =>
        Object.fromEntries(
          Object.keys(reasons).map((reason) => [
            reason,
            metricValue(text, 'clickflow_component_discarded_events_total', { component_id, reason }),
          ]),
        )
      return {
        collector: discarded('collector', expected.collector),
        api: discarded('api', expected.api),
        http: Object.fromEntries(
          Object.keys(expected.http).map((key) => {
            const [listener, route, status] = key.split(' ') as [string, string, string]
            return [key, metricValue(text, 'clickflow_http_requests_total', { listener, route, status })]
          }),
        ),
      }
    }
    // Request counters are bumped when a response closes, which may trail the client's read slightly.
    let seen: ReturnType<typeof observe> | undefined
    await pollUntil(async () => {
      seen = observe(await scrapeMetrics(cf.adminUrl))
      return JSON.stringify(seen) === JSON.stringify(expected)
    }, 5000)
    assert.deepEqual(seen, expected)
  })
})
