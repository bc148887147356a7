// The lake's events table end to end over a real store: export of closed days in Hive layout, the
// files the log lists read back by DuckDB equal the store's rows, idempotent re-export, compaction,
// checkpoints, time travel, vacuum, and a failed commit that leaves the previous version intact.
import assert from 'node:assert/strict'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { Database } from '../store/duckdb/database.ts'
import { checkpointFileName } from './actions.ts'
import type { Snapshot } from './delta-log.ts'
import type { Lake } from './lake.ts'
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

async function query(db: Database, sql: string): Promise<unknown[][]> {
  return withConnection(db, async (c) => (await c.runAndReadAll(sql)).getRows())
}

/** event_id -> "visitor|time" of the rows in a snapshot's files, read by DuckDB's read_parquet. */
async function lakeRows(db: Database, lake: Lake, s: Snapshot): Promise<Map<string, string>> {
  const files = lake.files(s)
  if (files.length === 0) return new Map()
  const rows = await query(
    db,
    `SELECT event_id, visitor_id || '|' || strftime(timezone('UTC', event_time), '%Y-%m-%d %H:%M:%S.%g') || '|' || day
     FROM read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = true)`,
  )
  const out = new Map<string, string>()
  for (const [id, v] of rows) {
    assert.ok(!out.has(String(id)), `event ${id} is in the lake twice`)
    out.set(String(id), String(v))
  }
  return out
}

async function storeRows(db: Database, where = 'true'): Promise<Map<string, string>> {
  const rows = await query(
    db,
    `SELECT event_id, visitor_id || '|' || strftime(event_time, '%Y-%m-%d %H:%M:%S.%g') || '|' || strftime(event_time, '%Y-%m-%d') FROM events WHERE ${where}`,
  )
  return new Map(rows.map(([id, v]) => [String(id), String(v)]))
}

test('export writes each closed day as Hive-partitioned Parquet; the files the log lists hold exactly the store rows', async () => {
  const f = await fixture()
  await insertEvents(f.db, generateRows(21, 40, 7)) // Nov 1..21; Nov 20 and 21 are not closed at NOW
  const lake = testLake(f, { now: () => NOW })
  const progress: unknown[] = []
  const r = await lake.export({ onProgress: (_m, d) => progress.push(d) })
  assert.equal(r.version, 0)
  assert.equal(r.files, 19)
  assert.equal(r.rows, 19 * 40)
  assert.equal(progress.length, 19)
  const s = await lake.snapshot()
  assert.deepEqual(s.metadata.partitionColumns, ['day'])
  assert.equal(s.protocol.minReaderVersion, 1)
  for (const [path, add] of s.files) {
    assert.match(path, /^day=2026-11-(0[1-9]|1[0-9])\/part-00000-[0-9a-f-]{36}\.c000\.snappy\.parquet$/)
    assert.equal(add.partitionValues.day, path.slice(4, 14))
    assert.ok(add.path.startsWith('day=2026-11-'), 'add.path keeps = as Spark writes it')
    assert.equal((await stat(join(lake.root, path))).size, add.size)
    const stats = JSON.parse(add.stats!) as {
      numRecords: number
      minValues: { event_time: string }
      maxValues: { event_time: string }
      nullCount: Record<string, number>
    }
    assert.equal(stats.numRecords, 40)
    // The stats bracket what the file holds, and count its nulls.
    const [lo, hi, users] = (
      await query(
        f.db,
        `SELECT epoch_ms(min(event_time)), epoch_ms(max(event_time)), count(user_id) FROM read_parquet(${sqlString(join(lake.root, path))})`,
      )
    )[0]!
    assert.ok(Date.parse(stats.minValues.event_time) <= Number(lo))
    assert.ok(Date.parse(stats.maxValues.event_time) >= Number(hi))
    assert.ok(stats.minValues.event_time.startsWith(add.partitionValues.day!))
    assert.equal(stats.nullCount.user_id, 40 - Number(users))
    assert.equal(stats.nullCount.event_id, 0)
  }
  assert.deepEqual(
    await lakeRows(f.db, lake, s),
    await storeRows(f.db, "event_time < TIMESTAMP '2026-11-20'"),
  )
  // One txn per exported day.
  assert.equal([...s.txns.keys()].filter((k) => k.startsWith('clickflow-export/day=')).length, 19)
})

test('re-export is idempotent: nothing new -> no version; late rows of a closed day -> only those, in a new file', async () => {
  const f = await fixture()
  await insertEvents(f.db, generateRows(3, 50, 5))
  const lake = testLake(f, { now: () => NOW })
  assert.equal((await lake.export()).version, 0)
  const again = await lake.export()
  assert.equal(again.version, 0, 'no new version')
  assert.equal(again.rows, 0)
  await insertEvents(f.db, [
    { id: 'late-1', time: '2026-11-02 23:59:59', visitor: 'v9' },
    { id: 'late-2', time: '2026-11-02 00:00:00', visitor: 'v9' },
  ])
  const late = await lake.export()
  assert.equal(late.version, 1)
  assert.equal(late.rows, 2)
  assert.equal(late.files, 1)
  const s = await lake.snapshot()
  assert.equal([...s.files.keys()].filter((p) => p.startsWith('day=2026-11-02/')).length, 2)
  assert.deepEqual(await lakeRows(f.db, lake, s), await storeRows(f.db))
  // --day exports a day on demand, closed or not, with the same rule.
  await insertEvents(f.db, [{ id: 'today-1', time: '2026-11-20 08:00:00', visitor: 'v1' }])
  assert.equal((await lake.export({ day: '2026-11-20' })).rows, 1)
  assert.equal((await lake.export({ day: '2026-11-20' })).rows, 0)
})

test('the txn of a day records the store position; an export at the same position skips the day unread', async () => {
  const f = await fixture()
  await insertEvents(f.db, generateRows(2, 10, 3))
  await query(f.db, `INSERT INTO clickflow_sink_positions VALUES ('store', 'events', 0, 20)`)
  const lake = testLake(f, { now: () => NOW })
  await lake.export()
  const s = await lake.snapshot()
  assert.equal(s.txns.get('clickflow-export/day=2026-11-01')?.version, 20)
  const again = await lake.export()
  assert.deepEqual(
    again.days.map((d) => d.skipped),
    ['already exported at this store position', 'already exported at this store position'],
  )
})

test('compaction merges a day into one file (dataChange=false); time travel still reads every earlier version', async () => {
  const f = await fixture()
  let tick = 0
  const lake = testLake(f, { now: () => NOW + 1000 * tick++, checkpointInterval: 3 })
  const versions: Map<string, string>[] = []
  for (let round = 0; round < 4; round++) {
    await insertEvents(f.db, generateRows(2, 25, 5, `r${round}-`))
    await lake.export()
    versions.push(await storeRows(f.db))
  }
  const before = await lake.snapshot()
  assert.equal(before.version, 3)
  assert.equal(before.files.size, 8)
  assert.equal(before.checkpointVersion, 3, 'a checkpoint every 3 versions')
  await stat(join(lake.table.logDir, checkpointFileName(3)))
  const c = await lake.compact()
  assert.equal(c.version, 4)
  assert.deepEqual(
    c.days.map((d) => [d.day, d.files_before, d.rows]),
    [
      ['2026-11-01', 4, 100],
      ['2026-11-02', 4, 100],
    ],
  )
  const s = await lake.snapshot()
  assert.equal(s.files.size, 2)
  assert.ok([...s.files.values()].every((a) => a.dataChange === false))
  assert.ok([...s.tombstones.values()].every((r) => r.dataChange === false))
  assert.deepEqual(await lakeRows(f.db, lake, s), versions[3])
  for (let v = 0; v < 4; v++)
    assert.deepEqual(await lakeRows(f.db, lake, await lake.snapshot({ version: v })), versions[v])
  const history = await lake.history()
  assert.deepEqual(
    history.map((h) => h.operation),
    ['OPTIMIZE', 'WRITE', 'WRITE', 'WRITE', 'WRITE'],
  )
  // By timestamp: the commit time of version 1 reads version 1, a millisecond earlier version 0.
  const t1 = history.find((h) => h.version === 1)!.timestamp
  assert.equal((await lake.snapshot({ timestamp: t1 })).version, 1)
  assert.equal((await lake.snapshot({ timestamp: t1 - 1 })).version, 0)
  // Nothing left to compact.
  assert.equal((await lake.compact()).days.length, 0)
})

test('vacuum deletes only files no version within the retention period needs', async () => {
  const f = await fixture()
  let now = NOW
  const lake = testLake(f, { now: () => now })
  await insertEvents(f.db, generateRows(1, 10, 2, 'a'))
  await lake.export()
  await insertEvents(f.db, generateRows(1, 10, 2, 'b'))
  await lake.export()
  await lake.compact()
  const keepAll = await lake.vacuum({ retentionMs: 7 * 86_400_000 })
  assert.equal(keepAll.files_deleted, 0)
  now = Date.now() + 1000 // removed files are now older than a zero retention
  const r = await lake.vacuum({ retentionMs: 0 })
  assert.equal(r.files_deleted, 2)
  const s = await lake.snapshot()
  for (const p of s.files.keys()) await stat(join(lake.root, p))
  const dayFiles = await readdir(join(lake.root, 'day=2026-11-01'))
  assert.deepEqual(
    dayFiles,
    [...s.files.keys()].map((p) => p.slice('day=2026-11-01/'.length)),
  )
})

test('a failure between writing the files and committing leaves the table at its previous version', async () => {
  for (const point of ['afterDataFiles', 'afterTempCommit'] as const) {
    const f = await fixture()
    let fail = false
    const lake = testLake(f, {
      now: () => NOW,
      faults: {
        [point]: () => {
          if (fail) throw new Error(`injected failure ${point}`)
        },
      },
    })
    await insertEvents(f.db, generateRows(2, 10, 2, 'a'))
    await lake.export()
    const v0 = await lakeRows(f.db, lake, await lake.snapshot())
    await insertEvents(f.db, generateRows(2, 10, 2, 'b'))
    fail = true
    await assert.rejects(lake.export(), new RegExp(`injected failure ${point}`))
    const s = await lake.snapshot()
    assert.equal(s.version, 0, point)
    assert.deepEqual(await lakeRows(f.db, lake, s), v0)
    assert.deepEqual(
      (await readdir(lake.table.logDir)).filter((n) => n.endsWith('.json')),
      ['00000000000000000000.json'],
    )
    fail = false
    const retry = await lake.export()
    assert.equal(retry.version, 1)
    assert.equal(retry.rows, 20)
    assert.deepEqual(await lakeRows(f.db, lake, await lake.snapshot()), await storeRows(f.db))
  }
})
