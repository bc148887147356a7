// The OpenAPI document covers every admin endpoint, is valid enough for tools (refs resolve, ids are
// unique), and docs/api.md carries its current rendering (run `npm run docs` after changing it).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { matchesSchema } from '../../test/helpers/schema-check.ts'
import type { AnalyticsBackend } from '../analytics/analytics-backend.ts'
import { AnalyticsService } from '../analytics/analytics-service.ts'
import { analyticsRoutes } from './analytics-routes.ts'
import { openApiDocument, withOpenApiSection } from './openapi.ts'

type Doc = {
  paths: Record<string, Record<string, { operationId: string }>>
  components: { schemas: Record<string, unknown> }
}

test('every admin route is documented, with unique operation ids and resolvable refs', () => {
  const doc = openApiDocument() as Doc
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m.toUpperCase()} ${p}`)),
  )
  const routes = analyticsRoutes(new AnalyticsService({} as AnalyticsBackend, () => 0)).map(
    (r) => `${r.method} ${r.path.replace('/*', '/{name}')}`,
  )
  const builtIn = ['GET /healthz', 'GET /readyz', 'GET /metrics', 'POST /api/sql', 'POST /api/import']
  // Routes other parts register (live sink, lake service, dashboard).
  const live = [
    'GET /api/live',
    'GET /api/live/snapshot',
    'GET /api/alerts',
    'POST /api/lake/export',
    'POST /api/lake/compact',
    'POST /api/lake/vacuum',
    'GET /api/lake/history',
    'GET /api/lake/snapshot',
    'POST /api/erase',
    'GET /api/dashboard/setup',
    'GET /',
    'GET /assets/{path}',
  ]
  for (const r of [...routes, ...builtIn, ...live])
    assert.ok(documented.has(r), `${r} is not in the OpenAPI document`)
  const ids = Object.values(doc.paths).flatMap((ms) => Object.values(ms).map((o) => o.operationId))
  assert.equal(new Set(ids).size, ids.length)
  const text = JSON.stringify(doc)
  for (const m of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g))
    assert.ok(m[1]! in doc.components.schemas, `dangling $ref ${m[1]}`)
})

test('the schemas accept contract-shaped answers and refuse wrong ones', () => {
  const doc = openApiDocument()
  const ok = {
    from: '2026-11-01T00:00:00.000Z',
    to: '2026-11-02T00:00:00.000Z',
    tz: 'UTC',
    dimension: 'prop:plan',
    rows: [{ value: null, visitors: 1, page_views: 2, events: 3 }],
    total_visitors: 1,
  }
  assert.deepEqual(matchesSchema(doc, { $ref: '#/components/schemas/BreakdownResponse' }, ok), [])
  const bad = { ...ok, rows: [{ value: 5, visitors: -1, page_views: 2 }] }
  assert.ok(matchesSchema(doc, { $ref: '#/components/schemas/BreakdownResponse' }, bad).length >= 3)
})

test('docs/api.md carries the current OpenAPI rendering (run `npm run docs` to update it)', () => {
  const md = readFileSync('docs/api.md', 'utf8')
  assert.equal(md, withOpenApiSection(md))
  assert.match(md, /GET \/api\/stats\/overview/)
})
