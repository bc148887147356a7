// docs/config.md is generated from the schemas; this fails when someone changed a schema without
// running `npm run docs`.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { builtinRegistry } from '../topology/builtin-registry.ts'
import { renderConfigReference } from './reference.ts'

test('docs/config.md matches the schemas (run `npm run docs` to update it)', () => {
  const rendered = renderConfigReference(builtinRegistry())
  assert.equal(readFileSync('docs/config.md', 'utf8'), rendered)
  for (const key of [
    'flush_interval_ms',
    'collect_path',
    'max_body_bytes',
    'require_visitor_id',
    'dead_letters',
  ]) {
    assert.ok(rendered.includes(`\`${key}\``), `${key} is documented`)
  }
})
