// The built-in registry lists each type by a head written next to a dynamic import of its code: the
// head must be the spec that import yields (the same schema object, description and kind), every
// shipped spec must be listed, and a build must run the real code.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { testContext } from '../../test/helpers/build-context.ts'
import type { ClickEvent } from '../core/event.ts'
import { liveSink } from '../live/index.ts'
import { duckdbSink } from '../sinks/duckdb/index.ts'
import { processorSink } from '../sinks/processor/index.ts'
import { fileTailSource } from '../sources/file-tail/index.ts'
import { httpCollectorSource } from '../sources/http-collector/index.ts'
import { anonymizeIpTransform } from '../transforms/anonymize-ip/index.ts'
import { dedupeTransform } from '../transforms/dedupe/index.ts'
import { enrichGeoTransform } from '../transforms/enrich-geo/index.ts'
import { enrichReferrerTransform } from '../transforms/enrich-referrer/index.ts'
import { enrichUserAgentTransform } from '../transforms/enrich-user-agent/index.ts'
import { validateTransform } from '../transforms/validate/index.ts'
import { builtinRegistry } from './builtin-registry.ts'

const SHIPPED = [
  httpCollectorSource,
  fileTailSource,
  validateTransform,
  dedupeTransform,
  enrichUserAgentTransform,
  enrichGeoTransform,
  enrichReferrerTransform,
  anonymizeIpTransform,
  duckdbSink,
  liveSink,
  processorSink,
]

test('each registered head is the spec its import yields, and every shipped spec is registered', () => {
  const registry = builtinRegistry()
  for (const spec of SHIPPED) {
    const head = registry.get(spec.kind, spec.type)
    assert.ok(head, `${spec.kind} ${spec.type} is not registered`)
    assert.equal(head.kind, spec.kind)
    assert.equal(head.description, spec.description, `${spec.type}: description differs from its index.ts`)
    assert.equal(head.config, spec.config, `${spec.type}: not the config schema of its index.ts`)
    assert.notEqual(head.build, spec.build, `${spec.type}: registered eagerly`)
  }
  const registered = (['source', 'transform', 'sink'] as const).flatMap((k) => registry.list(k))
  assert.equal(registered.length, SHIPPED.length)
})

test('a lazily registered spec builds the real component', async () => {
  const spec = builtinRegistry().get('transform', 'validate')!
  const transform = (await spec.build(
    spec.config.parse({ require_visitor_id: true }),
    testContext({ type: 'validate', kind: 'transform' }),
  )) as { apply(e: Partial<ClickEvent>): { kind: string; reason?: string } }
  // The config reached the real code: a missing visitor id is a dead letter only when required.
  const now = Date.now()
  const event = { event_id: 'e1', event_type: 'pageview', event_time: now, received_at: now, props: null }
  const r = transform.apply({ ...event, visitor_id: null } as Partial<ClickEvent>)
  assert.deepEqual([r.kind, r.reason], ['dead_letter', 'missing_visitor_id'])
  assert.notEqual(transform.apply({ ...event, visitor_id: 'v1' } as Partial<ClickEvent>).kind, 'dead_letter')
})
