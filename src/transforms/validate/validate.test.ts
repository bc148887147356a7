// The validate transform: conformance, and each rule's outcome.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sampleEvent } from '../../../test/conformance/sink-conformance.ts'
import { transformConformance } from '../../../test/conformance/transform-conformance.ts'
import { validateConfig } from './config.ts'
import { createValidate, jsonSizeBound } from './transform.ts'

transformConformance('validate', async () => createValidate(validateConfig.parse({})))

test('validate: each rule gives its reason', () => {
  const strict = createValidate(
    validateConfig.parse({
      require_visitor_id: true,
      require_site: true,
      drop_bots: true,
      max_props_bytes: 50,
    }),
  )
  const cases: [string, (e: ReturnType<typeof sampleEvent>) => void, string, string][] = [
    ['no visitor', (e) => (e.visitor_id = null), 'dead_letter', 'missing_visitor_id'],
    ['no site', (e) => (e.site = null), 'dead_letter', 'missing_site'],
    ['bot', (e) => (e.is_bot = true), 'drop', 'bot'],
    ['big props', (e) => (e.props = { x: 'y'.repeat(60) }), 'dead_letter', 'props_too_large'],
    ['future', (e) => (e.event_time = e.received_at + 2 * 24 * 3600_000), 'dead_letter', 'future_timestamp'],
    ['track without name', (e) => (e.event_name = null), 'dead_letter', 'missing_name'],
    ['no id', (e) => (e.event_id = ''), 'dead_letter', 'missing_event_id'],
  ]
  for (const [name, change, kind, reason] of cases) {
    const e = sampleEvent(name)
    e.site = 'example.test'
    e.props = null
    change(e)
    const r = strict.apply(e)
    assert.equal(r.kind, kind, name)
    assert.equal((r as { reason: string }).reason, reason, name)
  }
})

test('validate: the props limit is exact at its edge, with escapes, nesting and Dates', () => {
  const props = (text: string) => ({ a: [1.5, null, true, { 'k"': text }], d: -1.25e-300 })
  const exact = (p: unknown) => JSON.stringify(p).length
  const cases = [
    props('x'.repeat(20)),
    props('"\\\n\u0001'.repeat(4)),
    props('ü😀'.repeat(7)),
    { when: new Date(Date.UTC(2026, 10, 22)) },
  ]
  for (const p of cases) {
    assert.ok(jsonSizeBound(p) >= exact(p), `bound of ${JSON.stringify(p)}`)
    for (const [limit, kind] of [
      [exact(p), 'pass'],
      [exact(p) - 1, 'dead_letter'],
    ] as const) {
      const e = sampleEvent('props')
      e.props = p as typeof e.props
      const r = createValidate(validateConfig.parse({ max_props_bytes: limit })).apply(e)
      assert.equal(r.kind, kind, `${JSON.stringify(p)} with a limit of ${limit}`)
    }
  }
})
