// Erasure over a real store and lake: after erasing a visitor (or a user with the visitors they
// were seen with), no row in events, sessions, late_events or dead_letters and no record in any
// file of the lake's current version (indeed in any file left in the lake) holds their id; every
// other row is untouched; the audit record holds the counts; the log does not name the person.
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { after, test } from 'node:test'
import type { Database } from '../store/duckdb/database.ts'
import { createLogger } from '../telemetry/logger.ts'
import { erase, parseErasureRequest } from './erasure.ts'
import {
  generateRows,
  insertEvents,
  NOW,
  removeLakeFixtures,
  testLake,
  trackedLakeFixture,
} from './lake-test-kit.ts'
import { sqlString, withConnection } from './parquet-io.ts'

after(removeLakeFixtures)
const fixture = trackedLakeFixture

async function rows(db: Database, sql: string): Promise<unknown[][]> {
  return withConnection(db, async (c) => (await c.runAndReadAll(sql)).getRows())
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await walk(p)))
    else out.push(p)
  }
  return out
}

/** Sorted "event_id" lists of the store and of every Parquet file in the lake folder. */
async function everything(db: Database, lakeRoot: string) {
  const parquet = (await walk(lakeRoot)).filter((p) => p.endsWith('.parquet') && !p.includes('_delta_log'))
  const lake = parquet.length
    ? await rows(
        db,
        `SELECT event_id, visitor_id, user_id FROM read_parquet([${parquet.map(sqlString).join(', ')}])`,
      )
    : []
  const store = await rows(db, 'SELECT event_id, visitor_id, user_id FROM events')
  return { lake, store }
}

async function seed(db: Database) {
  // 4 days x 60 events, visitors v0..v5; v1's events carry user "user-1" (a logged-in visitor).
  await insertEvents(db, generateRows(4, 60, 6))
  // The same user also seen anonymously on another device, linked by one identified event.
  await insertEvents(db, [
    { id: 'x-1', time: '2026-11-02 10:00:00', visitor: 'phone-9' },
    { id: 'x-2', time: '2026-11-02 10:01:00', visitor: 'phone-9', user: 'user-1' },
  ])
  await withConnection(db, async (c) => {
    await c.run(`INSERT INTO sessions (session_id, visitor_id, user_id, start_time, end_time, duration_ms, page_views, events, is_bounce, engaged_ms)
      VALUES ('s-v2', 'v2', NULL, TIMESTAMP '2026-11-01 00:00:00', TIMESTAMP '2026-11-01 00:10:00', 600000, 3, 4, false, 1000),
             ('s-v3', 'v3', NULL, TIMESTAMP '2026-11-01 00:00:00', TIMESTAMP '2026-11-01 00:10:00', 600000, 3, 4, false, 1000),
             ('s-v1', 'v1', 'user-1', TIMESTAMP '2026-11-01 00:00:00', TIMESTAMP '2026-11-01 00:10:00', 600000, 1, 1, true, 0)`)
    await c.run(`INSERT INTO late_events (event_id, event_time, watermark, visitor_id, event_type, payload)
      VALUES ('late-v2', TIMESTAMP '2026-11-01 00:00:00', TIMESTAMP '2026-11-02 00:00:00', 'v2', 'page_view', '{"visitor_id":"v2"}'),
             ('late-v3', TIMESTAMP '2026-11-01 00:00:00', TIMESTAMP '2026-11-02 00:00:00', 'v3', 'page_view', '{"visitor_id":"v3"}')`)
    await c.run(`INSERT INTO dead_letters (component_id, reason, message, received_at, payload)
      VALUES ('validate', 'invalid', 'bad', TIMESTAMP '2026-11-01 00:00:00', '{"visitor_id":"v2","x":1}'),
             ('validate', 'invalid', 'bad', TIMESTAMP '2026-11-01 00:00:00', '{"visitor_id":"v4"}'),
             ('validate', 'invalid', 'bad', TIMESTAMP '2026-11-01 00:00:00', '{"visitor_id":"v22"}'),
             ('csc_event', 'corrupt', 'bad', TIMESTAMP '2026-11-01 00:00:00', 'p=0&v=v2&e=x')`)
  })
}

test('erasing a visitor removes every row about them from store and lake, leaves the rest, and is audited', async () => {
  const f = await fixture()
  await seed(f.db)
  let tick = 0
  const lake = testLake(f, { now: () => NOW + tick++ })
  await lake.export()
  // A second export to the same days (late rows), so erasure has several files per day to consider.
  await insertEvents(f.db, [{ id: 'late-v2-a', time: '2026-11-03 12:00:00', visitor: 'v2' }])
  await lake.export()
  // Compaction leaves Nov 3's two replaced files on disk (within the vacuum retention): they hold
  // v2 too, although no current version lists them.
  assert.equal((await lake.compact()).days.length, 1)
  const before = await everything(f.db, lake.root)
  const currentIds = async () =>
    (
      await rows(
        f.db,
        `SELECT event_id FROM read_parquet([${lake
          .files(await lake.snapshot())
          .map(sqlString)
          .join(', ')}])`,
      )
    )
      .map((x) => String(x[0]))
      .sort()
  const v2Ids = new Set(before.store.filter((x) => x[1] === 'v2').map((x) => String(x[0])))
  const expectLake = (await currentIds()).filter((id) => !v2Ids.has(id))
  const expectStore = before.store
    .filter((r) => r[1] !== 'v2')
    .map((r) => String(r[0]))
    .sort()
  assert.ok(before.lake.some((r) => r[1] === 'v2'))

  const lines = new PassThrough()
  let logged = ''
  lines.on('data', (b: Buffer) => {
    logged += b.toString()
  })
  const log = createLogger({ destination: lines })
  const r = await erase(lake, f.db, { kind: 'visitor', id: 'v2' }, 'privacy@example.com', NOW, undefined, log)
  const line = JSON.parse(logged.split('\n').find((l) => l.includes('erasure carried out'))!) as Record<
    string,
    unknown
  >
  assert.equal(line.rows_events, 41)
  assert.ok(!logged.includes('"v2"'), 'the log line does not name the person')
  assert.equal(r.rows_events, 41)
  assert.equal(r.rows_sessions, 1)
  assert.equal(r.rows_late_events, 1)
  assert.equal(r.rows_dead_letters, 2, 'the JSON payload and the pixel query string')
  assert.equal(r.lake_rows, 41)
  assert.equal(r.lake_files_rewritten, 4, 'one file per day')
  assert.equal(r.lake_stale_files_deleted, 2, "Nov 3's files from before the compaction")

  const afterAll = await everything(f.db, lake.root)
  assert.deepEqual(
    afterAll.lake.filter((x) => x[1] === 'v2'),
    [],
    'no file anywhere in the lake, current or left from older versions, holds v2',
  )
  assert.deepEqual(await currentIds(), expectLake, 'the current version lost exactly their rows')
  assert.deepEqual(afterAll.store.map((x) => String(x[0])).sort(), expectStore)
  // The current version's files are exactly the rest.
  const current = await lake.snapshot()
  const listed = await rows(
    f.db,
    `SELECT count(*), count(*) FILTER (WHERE visitor_id = 'v2') FROM read_parquet([${lake.files(current).map(sqlString).join(', ')}])`,
  )
  assert.deepEqual(listed[0]!.map(Number), [expectLake.length, 0])
  for (const [table, col] of [
    ['sessions', 'visitor_id'],
    ['late_events', 'payload::VARCHAR'],
    ['dead_letters', 'payload'],
  ]) {
    // v2 as a whole id (quoted in JSON, or a query-string value); "v22" is someone else.
    const [[n]] = (await rows(
      f.db,
      `SELECT count(*) FROM ${table} WHERE contains(${col}, '"v2"') OR contains(${col}, '=v2&') OR ${col} = 'v2'`,
    )) as [[bigint]]
    assert.equal(Number(n), 0, table)
  }
  assert.equal(Number((await rows(f.db, 'SELECT count(*) FROM sessions'))[0]![0]), 2)
  assert.equal(
    Number((await rows(f.db, 'SELECT count(*) FROM dead_letters'))[0]![0]),
    2,
    'v4 and v22 (not v2) stay',
  )
  const audit = await rows(
    f.db,
    "SELECT requested_by, subject_kind, subject_id, strftime(requested_at, '%Y-%m-%dT%H:%M:%S'), rows_events, rows_sessions, rows_other, lake_files_rewritten FROM erasure_audit",
  )
  assert.deepEqual(
    audit.map((a) => a.map((v) => (typeof v === 'bigint' ? Number(v) : v))),
    [['privacy@example.com', 'visitor', 'v2', '2026-11-20T12:00:00', 41, 1, 3, 4]],
  )
  // The Delta log records a DELETE but not whom it was about.
  const history = await lake.history()
  assert.equal(history[0]!.operation, 'DELETE')
  for (const name of await readdir(lake.table.logDir)) {
    if (name.endsWith('.json'))
      assert.ok(!(await readFile(join(lake.table.logDir, name), 'utf8')).includes('"v2"'))
  }
  // Erasing again finds nothing; a re-export does not bring the rows back.
  const again = await erase(lake, f.db, { kind: 'visitor', id: 'v2' }, 'privacy@example.com', NOW)
  assert.equal(again.rows_events + again.lake_rows + again.lake_files_rewritten, 0)
  await lake.export()
  assert.equal((await everything(f.db, lake.root)).lake.filter((x) => x[1] === 'v2').length, 0)
})

test('erasing a user also erases the visitors they were seen with, in store and lake', async () => {
  const f = await fixture()
  await seed(f.db)
  const lake = testLake(f, { now: () => NOW })
  await lake.export()
  // Retention took the store's copy of phone-9's events: only the lake still links it to user-1.
  await withConnection(f.db, (c) => c.run("DELETE FROM events WHERE visitor_id = 'phone-9'"))
  const r = await erase(lake, f.db, { kind: 'user', id: 'user-1' }, 'dpo', NOW)
  assert.equal(r.rows_events, 40, "v1's events (4 days x 10)")
  assert.equal(r.lake_rows, 42, "v1's events and both of phone-9's")
  const left = await everything(f.db, lake.root)
  for (const row of [...left.lake, ...left.store]) {
    assert.notEqual(row[1], 'v1')
    assert.notEqual(row[1], 'phone-9')
    assert.notEqual(row[2], 'user-1')
  }
  assert.equal(left.store.length, 4 * 60 - 40)
  assert.equal(left.lake.length, 4 * 60 + 2 - 42)
})

test('erasure requests are checked: exactly one id, and who asked', () => {
  assert.deepEqual(parseErasureRequest({ visitor_id: 'v1', requested_by: 'me' }), {
    subject: { kind: 'visitor', id: 'v1' },
    requestedBy: 'me',
  })
  for (const bad of [
    {},
    { visitor_id: 'v', user_id: 'u', requested_by: 'me' },
    { visitor_id: '', requested_by: 'me' },
    { visitor_id: 7, requested_by: 'me' },
    { user_id: 'u' },
  ]) {
    assert.throws(
      () => parseErasureRequest(bad),
      (err: { status?: number }) => err.status === 400,
      JSON.stringify(bad),
    )
  }
})
