// The tables clickflow writes have the shape of Spark's: the same action fields in the JSON commits
// as the golden tables, a checkpoint whose columns carry Spark's checkpoint types, and data files
// that DuckDB's read_parquet reads with the partition column from the Hive folders.
import assert from 'node:assert/strict'
import { copyFile, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { REPO_ROOT } from '../../test/helpers/clickflow-process.ts'
import { checkpointFileName, parseCommit } from './actions.ts'
import { generateRows, insertEvents, lakeFixture, NOW, testLake } from './lake-test-kit.ts'
import { sqlString, withConnection } from './parquet-io.ts'

const GOLDEN = join(REPO_ROOT, '..', 'shared', 'data', 'delta-golden')
const cleanups: (() => Promise<void>)[] = []
after(async () => {
  for (const c of cleanups) await c()
})

/** action kind -> field names, over every commit of a log. */
async function fieldsOf(logDir: string): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>()
  for (const name of (await readdir(logDir)).filter((n) => /^\d{20}\.json$/.test(n))) {
    for (const a of parseCommit(await readFile(join(logDir, name), 'utf8'), name)) {
      const [kind, body] = Object.entries(a)[0]!
      const set = out.get(kind) ?? new Set<string>()
      for (const k of Object.keys(body as object)) set.add(k)
      out.set(kind, set)
    }
  }
  return out
}

test('commits, checkpoint and files have the shape Spark writes', async () => {
  const f = await lakeFixture()
  cleanups.push(async () => {
    await f.db.release()
    await rm(f.dataDir, { recursive: true, force: true })
  })
  let tick = 0
  const lake = testLake(f, { now: () => NOW + tick++, checkpointInterval: 2 })
  await insertEvents(f.db, generateRows(2, 20, 3, 'a'))
  await lake.export()
  await insertEvents(f.db, generateRows(2, 20, 3, 'b'))
  await lake.export()
  await lake.compact() // version 2: removes, dataChange=false, and a checkpoint

  // JSON commits: every field we write is one Spark writes for that action.
  const spark = await fieldsOf(join(GOLDEN, 'basic-with-inserts-updates', '_delta_log'))
  for (const [kind, fields] of await fieldsOf(join(GOLDEN, 'time-travel-partition-changes-a', '_delta_log')))
    for (const x of fields) spark.get(kind)?.add(x)
  const ours = await fieldsOf(lake.table.logDir)
  for (const kind of ['add', 'remove', 'metaData', 'protocol']) {
    const mine = [...(ours.get(kind) ?? [])]
    assert.ok(mine.length > 0, `we write ${kind}`)
    for (const field of mine)
      assert.ok(spark.get(kind)?.has(field), `${kind}.${field} is a field Spark writes`)
  }
  assert.deepEqual([...(ours.get('add') ?? [])].sort(), [...(spark.get('add') ?? [])].sort())

  // Checkpoint: each struct field we write has the type Spark's checkpoint gives it.
  const sparkCheckpoint = join(
    GOLDEN,
    'basic-with-inserts-deletes-checkpoint',
    '_delta_log',
    checkpointFileName(10),
  )
  const ourCheckpoint = join(lake.table.logDir, checkpointFileName(2))
  const fieldTypes = async (file: string) =>
    withConnection(f.db, async (c) => {
      const out = new Map<string, string>()
      for (const col of ['txn', 'add', 'remove', 'metaData', 'protocol']) {
        // One typed NULL per struct field, named col.field, so the types compare one by one.
        const d = await c.runAndReadAll(`DESCRIBE SELECT ${col}.* FROM read_parquet(${sqlString(file)})`)
        for (const [name, type] of d.getRows()) out.set(`${col}.${name}`, String(type))
      }
      return out
    })
  // DuckDB may read only under the lake folder: compare against a copy of Spark's checkpoint there.
  const sparkCopy = join(lake.root, 'spark-checkpoint.parquet')
  await copyFile(sparkCheckpoint, sparkCopy)
  const theirs = await fieldTypes(sparkCopy)
  await rm(sparkCopy)
  const mine = await fieldTypes(ourCheckpoint)
  assert.ok(mine.size >= 20)
  for (const [field, type] of mine) assert.equal(type, theirs.get(field), field)

  // The snapshot read back through our checkpoint equals the one from the JSON commits.
  const s = await lake.snapshot()
  assert.equal(s.checkpointVersion, 2)
  // read_parquet over the files the log lists, partition column from the folder names.
  const rows = await withConnection(f.db, async (c) =>
    (
      await c.runAndReadAll(
        `SELECT day::VARCHAR, count(*), min(typeof(event_time)) FROM read_parquet([${lake.files(s).map(sqlString).join(', ')}], hive_partitioning = true) GROUP BY 1 ORDER BY 1`,
      )
    ).getRows(),
  )
  assert.deepEqual(
    rows.map((r) => [r[0], Number(r[1]), r[2]]),
    [
      ['2026-11-01', 40, 'TIMESTAMP WITH TIME ZONE'],
      ['2026-11-02', 40, 'TIMESTAMP WITH TIME ZONE'],
    ],
  )
})
