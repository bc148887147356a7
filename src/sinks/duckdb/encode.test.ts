// The columnar event appender stores exactly what it is given: inline and long strings (also ones
// that only exceed 12 bytes once UTF-8 encoded), repeats, nulls, empty strings, timestamps around
// the epoch, several chunks per batch, and a table whose columns are in another order.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { type ClickEvent, emptyEvent } from '../../core/event.ts'
import { EVENT_COLUMNS, SCHEMA_DDL } from '../../store/duckdb/schema.ts'
import { eventAppender } from './encode.ts'

const TEXTS = [
  '',
  'DE',
  'exactly12chr',
  'thirteen-char',
  'ÄÖÜäöü',
  'ÄÖÜäöüß',
  '日本語のテキストです',
  null,
] as const

function event(i: number): ClickEvent {
  const e = emptyEvent({
    event_id: `event-${i}-${'x'.repeat(i % 20)}`,
    event_type: 'track',
    event_time: Date.UTC(2026, 10, 21) + i * 1001.7,
    received_at: i % 3 === 0 ? -86_400_123 + i : Date.UTC(1999, 0, 1) + i,
    source_id: 'test',
  })
  e.sent_at = i % 4 === 0 ? null : e.received_at - 1
  e.event_name = TEXTS[i % TEXTS.length]!
  e.country = TEXTS[(i >> 1) % TEXTS.length]!
  e.user_agent = i % 5 === 0 ? null : `Mozilla/5.0 agent number ${i % 3}` // long and repeated
  e.page_url = `https://example.test/${i % 7 === 0 ? 'same' : i}`
  e.is_bot = i % 2 === 0
  e.is_corrupt = i % 3 === 0
  e.props = i % 6 === 0 ? null : { i, s: TEXTS[i % TEXTS.length]!, nested: { ok: i % 2 === 0 } }
  return e
}

async function roundTrip(conn: DuckDBConnection, events: ClickEvent[]): Promise<Record<string, unknown>[]> {
  const columns = (
    await conn.runAndReadAll(
      "SELECT column_name FROM duckdb_columns() WHERE table_name = 'events' ORDER BY column_index",
    )
  )
    .getRows()
    .map((r) => String(r[0]))
  const a = await conn.createAppender('events')
  eventAppender(columns)(a, events)
  a.flushSync()
  a.closeSync()
  const select = EVENT_COLUMNS.map(([n, t]) =>
    t.startsWith('TIMESTAMP') ? `epoch_ms(${n}) AS ${n}` : t === 'JSON' ? `${n}::VARCHAR AS ${n}` : n,
  )
  const r = await conn.runAndReadAll(
    `SELECT ${select.join(', ')} FROM events ORDER BY epoch_ms(event_time), event_id`,
  )
  return r.getRowObjectsJson() as Record<string, unknown>[]
}

function expected(e: ClickEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [n, t] of EVENT_COLUMNS) {
    const v = e[n]
    if (t.startsWith('TIMESTAMP')) out[n] = v === null ? null : String(Math.trunc(v as number))
    else if (t === 'JSON') out[n] = v === null ? null : JSON.stringify(v)
    else out[n] = v
  }
  return out
}

test('events round-trip through data chunks, several chunks per batch', async () => {
  const instance = await DuckDBInstance.create(':memory:')
  const conn = await instance.connect()
  for (const ddl of SCHEMA_DDL) await conn.run(ddl)
  const events = Array.from({ length: 5000 }, (_, i) => event(i))
  const rows = await roundTrip(conn, events)
  const want = events.map(expected).sort((a, b) => Number(a.event_time) - Number(b.event_time))
  assert.equal(rows.length, want.length)
  for (let i = 0; i < rows.length; i++) assert.deepEqual(rows[i], want[i], `row ${i}`)
  conn.closeSync()
  instance.closeSync()
})

test('a table with its columns in another order gets each value in its own column', async () => {
  const instance = await DuckDBInstance.create(':memory:')
  const conn = await instance.connect()
  const reversed = [...EVENT_COLUMNS].reverse()
  await conn.run(`CREATE TABLE events (${reversed.map(([n, t]) => `${n} ${t}`).join(', ')})`)
  const events = Array.from({ length: 300 }, (_, i) => event(i))
  const rows = await roundTrip(conn, events)
  const want = events.map(expected).sort((a, b) => Number(a.event_time) - Number(b.event_time))
  assert.deepEqual(rows, want)
  conn.closeSync()
  instance.closeSync()
})
