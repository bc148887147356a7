// The checkpoint's bulk path for session rows: staged through data chunks and a strings document,
// inserted by SQL, every row must read back from `sessions` exactly as given (nulls stay null in
// every column, across several chunks), and the staged replace flags name the right session ids.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DuckDBInstance } from '@duckdb/node-api'
import { SCHEMA_DDL } from '../store/duckdb/schema.ts'
import type { SessionRow } from './session.ts'
import {
  CLEAR_STAGED_SESSIONS,
  CODED_COLUMNS,
  INSERT_STAGED_SESSIONS,
  SESSION_STAGING_DDL,
  STAGED_REPLACED_IDS,
  stageSessionRows,
} from './session-staging.ts'

/** The string columns staged as codes: each one mixes nulls and values below. */
const CODED = CODED_COLUMNS

/** Row `i`: each text column null on its own period, so every column mixes nulls and values. */
function row(i: number): SessionRow {
  const text = (k: number, value: string) => (i % (k + 2) === 0 ? null : value)
  const coded = Object.fromEntries(CODED.map((c, k) => [c, text(k, `${c}-${i % 5}`)])) as Record<
    (typeof CODED)[number],
    string | null
  >
  return {
    ...coded,
    session_id: `s${i}`,
    visitor_id: i === 7 ? 'v\ud800 lone surrogate' : `v${i}`,
    user_id: i % 3 === 0 ? null : `u${i}`,
    hint_session_id: i % 4 === 0 ? null : `h${i}`,
    start_time: 1_763_700_000_000 + i * 1_000,
    end_time: 1_763_700_060_000 + i * 1_000,
    duration_ms: 60_000 + i,
    page_views: i % 9,
    events: 1 + (i % 13),
    is_bounce: i % 2 === 0,
    engaged_ms: 17 * i,
    is_bot: i % 11 === 0,
  }
}

describe('session staging', () => {
  test('rows across chunks read back from sessions exactly, nulls included', async () => {
    const db = await DuckDBInstance.create(':memory:')
    const c = await db.connect()
    try {
      for (const ddl of [...SCHEMA_DDL, ...SESSION_STAGING_DDL]) await c.run(ddl)
      const rows = Array.from({ length: 5_000 }, (_, i) => row(i))
      const replaces = rows.map((_, i) => i % 3 === 1)
      await stageSessionRows(c, rows, replaces)
      const replaced = (await c.runAndReadAll(STAGED_REPLACED_IDS)).getRows().map((r) => String(r[0]))
      assert.deepEqual(
        replaced.sort(),
        rows
          .filter((_, i) => replaces[i])
          .map((r) => r.session_id)
          .sort(),
      )
      await c.run(INSERT_STAGED_SESSIONS)
      for (const sql of CLEAR_STAGED_SESSIONS) await c.run(sql)
      const columns = [
        'session_id',
        'visitor_id',
        'user_id',
        'hint_session_id',
        ...CODED,
        'is_bounce',
        'is_bot',
      ] as const
      const read = (
        await c.runAndReadAll(
          `SELECT ${columns.join(', ')}, epoch_ms(start_time), epoch_ms(end_time), duration_ms, page_views, events, engaged_ms FROM sessions ORDER BY CAST(substr(session_id, 2) AS INTEGER)`,
        )
      ).getRows()
      assert.equal(read.length, rows.length)
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!
        const visitor = i === 7 ? 'v\ufffd lone surrogate' : r.visitor_id
        const expected = [
          ...columns.map((k) => (k === 'visitor_id' ? visitor : r[k])),
          r.start_time,
          r.end_time,
          r.duration_ms,
          r.page_views,
          r.events,
          r.engaged_ms,
        ]
        assert.deepEqual(
          read[i]!.map((v) => (typeof v === 'bigint' ? Number(v) : v)),
          expected,
          `row ${i}`,
        )
      }
    } finally {
      c.closeSync()
    }
  })
})
