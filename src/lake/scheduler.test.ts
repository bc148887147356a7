// The worker's schedule over a real store: closed days are exported to the lake without being
// asked, retention deletes events and sessions older than their limits (and only those), logs
// what it deleted and counts it in Prometheus metrics.
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { PassThrough } from 'node:stream'
import { after, test } from 'node:test'
import { Registry } from 'prom-client'
import { createLogger } from '../telemetry/logger.ts'
import { lakeSchema } from './config.ts'
import { LakeMetrics } from './lake-metrics.ts'
import { generateRows, insertEvents, lakeFixture, NOW, testLake } from './lake-test-kit.ts'
import { withConnection } from './parquet-io.ts'
import { startLakeScheduler } from './scheduler.ts'

const cleanups: (() => Promise<void>)[] = []
after(async () => {
  for (const c of cleanups) await c()
})

async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await probe()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('condition not reached within 60 s')
}

test('the schedule exports closed days and applies retention by age, logged and metered', async () => {
  const f = await lakeFixture()
  cleanups.push(async () => {
    await f.db.release()
    await rm(f.dataDir, { recursive: true, force: true })
  })
  // Nov 1..19 (NOW is Nov 20 12:00): with 3 days of event retention, everything before Nov 17
  // 12:00 goes: Nov 1..16 (160 events) and the six of Nov 17's morning.
  await insertEvents(f.db, generateRows(19, 10, 4))
  await withConnection(f.db, (c) =>
    c.run(`INSERT INTO sessions (session_id, visitor_id, start_time, end_time, duration_ms, page_views, events, is_bounce, engaged_ms)
      VALUES ('old', 'v0', TIMESTAMP '2026-11-10 10:00:00', TIMESTAMP '2026-11-10 10:30:00', 1800000, 2, 2, false, 0),
             ('edge', 'v1', TIMESTAMP '2026-11-18 10:00:00', TIMESTAMP '2026-11-18 12:01:00', 60000, 2, 2, false, 0),
             ('new', 'v2', TIMESTAMP '2026-11-19 10:00:00', TIMESTAMP '2026-11-19 10:30:00', 1800000, 2, 2, false, 0)`),
  )
  // Late events follow the events' limit, with the late reconciler's marks of the ones that go.
  await withConnection(f.db, async (c) => {
    await c.run(`INSERT INTO late_events (event_id, event_time, watermark, visitor_id, event_type, payload)
      VALUES ('late-old', TIMESTAMP '2026-11-12 09:00:00', TIMESTAMP '2026-11-19 09:00:00', 'v0', 'pageview', '{}'),
             ('late-new', TIMESTAMP '2026-11-18 09:00:00', TIMESTAMP '2026-11-19 09:00:00', 'v1', 'pageview', '{}')`)
    await c.run(`INSERT INTO clickflow_late_reconciled VALUES ('late-old', 'v0', TIMESTAMP '2026-11-19 10:00:00'),
      ('late-new', 'v1', TIMESTAMP '2026-11-19 10:00:00')`)
  })
  const lines = new PassThrough()
  let logged = ''
  lines.on('data', (b: Buffer) => {
    logged += b.toString()
  })
  const registry = new Registry()
  const metrics = new LakeMetrics(registry)
  const lake = testLake(f, { now: () => NOW, metrics })
  const scheduler = startLakeScheduler({
    lake,
    db: f.db,
    config: lakeSchema.parse({ export_interval_ms: 1000 }),
    retention: { events_days: 3, sessions_days: 2, interval_ms: 1000 },
    log: createLogger({ level: 'info', destination: lines }),
    metrics,
    now: () => NOW,
  })
  cleanups.push(() => scheduler.stop())
  await until(
    async () => logged.includes('store retention applied') && logged.includes('lake export of closed days'),
  )
  await scheduler.stop()

  const left = await withConnection(f.db, async (c) =>
    (await c.runAndReadAll("SELECT strftime(min(event_time), '%Y-%m-%d'), count(*) FROM events")).getRows(),
  )
  assert.deepEqual(
    left.map((r) => [r[0], Number(r[1])]),
    [['2026-11-17', 24]],
  )
  const sessions = await withConnection(f.db, async (c) =>
    (await c.runAndReadAll('SELECT session_id FROM sessions ORDER BY 1')).getRows().map((r) => r[0]),
  )
  assert.deepEqual(sessions, ['edge', 'new'])
  const late = await withConnection(f.db, async (c) =>
    (
      await c.runAndReadAll(
        'SELECT (SELECT list(event_id) FROM late_events), (SELECT list(event_id) FROM clickflow_late_reconciled)',
      )
    ).getRows(),
  )
  assert.deepEqual(
    late.map((r) => r.map((l) => (l as { items: unknown[] }).items)),
    [[['late-new'], ['late-new']]],
  )
  const text = await registry.metrics()
  assert.match(text, /clickflow_retention_deleted_rows_total\{table="events"\} 166/)
  assert.match(text, /clickflow_retention_deleted_rows_total\{table="sessions"\} 1/)
  assert.match(text, /clickflow_retention_deleted_rows_total\{table="late_events"\} 1/)
  assert.match(text, /clickflow_lake_commits_total\{operation="WRITE"\} 1/)
  const line = logged.split('\n').find((l) => l.includes('store retention applied'))!
  assert.deepEqual([JSON.parse(line).deleted_events, JSON.parse(line).deleted_sessions], [166, 1])
  // The lake keeps its history: the export ran first (same interval, registered first), so all 19
  // days are there, also those retention then took from the store.
  const s = await lake.snapshot()
  assert.equal(new Set([...s.files.values()].map((a) => a.partitionValues.day)).size, 19)
})
