// The duckdb sink: passes the sink conformance suite, stores every column of the contract, and stores a
// batch larger than a DuckDB row group (the pipeline's batches while it works off a backlog) exactly once.
import assert from 'node:assert/strict'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { DuckDBInstance } from '@duckdb/node-api'
import { sampleEvent, sinkConformance } from '../../../test/conformance/sink-conformance.ts'
import { buildTestDuckdbSink } from '../../../test/helpers/build-context.ts'
import { ManualClock } from '../../core/clock.ts'
import { SinkError } from '../../core/errors.ts'

const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

let current = ''
async function make() {
  current = await mkdtemp(join(tmpdir(), 'clickflow-duckdb-sink-'))
  dirs.push(current)
  return buildTestDuckdbSink(join(current, 'db.duckdb'), { clock: new ManualClock(), dataDir: current })
}

async function query(sql: string): Promise<unknown[][]> {
  // Opened after the sink closed it, as another reader would.
  const instance = await DuckDBInstance.create(join(current, 'db.duckdb'))
  const c = await instance.connect()
  const rows = (await c.runAndReadAll(sql)).getRowsJson() as unknown[][]
  c.closeSync()
  instance.closeSync()
  return rows
}

sinkConformance('duckdb', {
  make,
  storedIds: async () => (await query('SELECT event_id FROM events')).map((r) => String(r[0])),
  storedDeadLetterReasons: async () =>
    (await query('SELECT reason FROM dead_letters')).map((r) => String(r[0])),
})

test('duckdb sink stores the contract columns with their types', async () => {
  const sink = await make()
  const e = sampleEvent('full')
  e.site = 'example.test'
  e.is_bot = true
  e.sent_at = e.received_at - 100
  await sink.write(
    { events: [e], deadLetters: [] },
    { signal: new AbortController().signal, position: { topic: 'events', offsets: { 0: 1 } } },
  )
  await sink.close()
  const [row] = await query(
    "SELECT event_id, event_type, event_name, strftime(event_time, '%Y-%m-%dT%H:%M:%S'), typeof(event_time), typeof(received_at), site, is_bot, props->>'$.plan', json_extract(props, '$.nested.ok')::BOOLEAN FROM events",
  )
  assert.deepEqual(row, [
    'full',
    'track',
    'signup',
    '2026-11-21T10:00:00',
    'TIMESTAMP',
    'TIMESTAMP',
    'example.test',
    true,
    'pro',
    true,
  ])
})

test('a batch with a required value missing is refused for good, and the next batch is stored', async () => {
  const sink = await make()
  const bad = sampleEvent('no-source')
  ;(bad as unknown as Record<string, unknown>).source_id = null
  const ctx = (offset: number) => ({
    signal: new AbortController().signal,
    position: { topic: 'events', offsets: { 0: offset } },
  })
  await assert.rejects(sink.write({ events: [sampleEvent('fine'), bad], deadLetters: [] }, ctx(2)), (err) => {
    assert.ok(err instanceof SinkError)
    assert.equal(err.retryable, false)
    return true
  })
  await sink.write({ events: [sampleEvent('next')], deadLetters: [] }, ctx(3))
  assert.deepEqual(await sink.storedPosition?.('events'), { topic: 'events', offsets: { 0: 3 } })
  await sink.close()
  assert.deepEqual(
    (await query('SELECT event_id FROM events')).map((r) => r[0]),
    ['next'],
  )
})

/** Rows of a DuckDB row group: a transaction with more is written to the database file, not the WAL. */
const ROW_GROUP_ROWS = 122_880

test('a batch larger than a row group is stored whole or not at all, written past the WAL', async () => {
  const sink = await make()
  const n = ROW_GROUP_ROWS + 4096
  const events = Array.from({ length: n }, (_, i) => sampleEvent(`big-${i}`))
  const ctx = (offset: number) => ({
    signal: new AbortController().signal,
    position: { topic: 'events', offsets: { 0: offset } },
  })
  // The last row fails after DuckDB already wrote the first row group to the file for this
  // transaction: the rollback must take those rows back, and the position must not move.
  const bad = [...events.slice(0, n - 1), { ...events[n - 1]!, source_id: null as unknown as string }]
  await assert.rejects(sink.write({ events: bad, deadLetters: [] }, ctx(n)), (err) => {
    assert.ok(err instanceof SinkError)
    assert.equal(err.retryable, false)
    return true
  })
  assert.equal(await sink.storedPosition?.('events'), null)
  await sink.write({ events, deadLetters: [] }, ctx(n))
  assert.deepEqual(await sink.storedPosition?.('events'), { topic: 'events', offsets: { 0: n } })
  // Through the WAL these rows would take ~80 MB there (and again in the file at a checkpoint).
  const wal = await stat(join(current, 'db.duckdb.wal')).then(
    (s) => s.size,
    () => 0,
  )
  assert.ok(wal < 1024 * 1024, `the WAL holds ${wal} bytes after a ${n}-row batch`)
  await sink.close()
  assert.deepEqual(
    await query(
      "SELECT count(*)::INTEGER, count(DISTINCT event_id)::INTEGER, (count(*) FILTER (event_id = 'big-0'))::INTEGER FROM events",
    ),
    [[n, n, 1]],
  )
})
