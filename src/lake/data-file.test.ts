// Delta stats from DuckDB's COPY statistics: timestamps become ISO milliseconds rounded outward,
// whatever offset DuckDB printed them with.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { statTimestamp } from './data-file.ts'

test('COPY statistics timestamps -> Delta stats, rounded outward to the millisecond', () => {
  assert.equal(statTimestamp('2026-11-01 00:16:39.123456+00', false), '2026-11-01T00:16:39.123Z')
  assert.equal(statTimestamp('2026-11-01 00:16:39.123456+00', true), '2026-11-01T00:16:39.124Z')
  assert.equal(statTimestamp('2026-11-01 00:16:39.123+00', true), '2026-11-01T00:16:39.123Z')
  assert.equal(statTimestamp('2026-11-01 00:16:39+00', false), '2026-11-01T00:16:39.000Z')
  assert.equal(statTimestamp('2026-11-01 02:16:39.5+02', false), '2026-11-01T00:16:39.500Z')
  assert.equal(statTimestamp('2026-10-31 19:46:39-04:30', false), '2026-11-01T00:16:39.000Z')
  assert.equal(statTimestamp('not a time', false), null)
})
