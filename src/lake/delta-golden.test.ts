// The Delta log reader against real tables written by Spark (../shared/data/delta-golden, from
// delta-io/delta's golden tables): for every version, the files the reader lists hold exactly the
// rows the table's own history says (appends, deletes, updates, overwrites as the generator ran
// them), checkpoints (single, multi-part, with a corrupt `_last_checkpoint`) give the same state as
// a replay of the JSON commits, and a log with a missing version fails with a clear error.
import assert from 'node:assert/strict'
import { cp, mkdtemp, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { DuckDBInstance } from '@duckdb/node-api'
import { REPO_ROOT } from '../../test/helpers/clickflow-process.ts'
import type { DeltaError } from './delta-errors.ts'
import { type AsOf, DeltaTable, type Snapshot } from './delta-log.ts'
import { sqlString } from './parquet-io.ts'

const GOLDEN = join(REPO_ROOT, '..', 'shared', 'data', 'delta-golden')
let instance: DuckDBInstance
const dirs: string[] = []
before(async () => {
  instance = await DuckDBInstance.create(':memory:')
})
after(async () => {
  instance.closeSync()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

function table(name: string, root = join(GOLDEN, name)): DeltaTable {
  return new DeltaTable(root, instance)
}

async function snap(name: string, asOf?: AsOf): Promise<Snapshot> {
  return table(name).snapshot(asOf)
}

/** Every row of a snapshot's files as JSON objects, partition values included (strings as in the log). */
async function rows(root: string, s: Snapshot): Promise<Record<string, unknown>[]> {
  const conn = await instance.connect()
  try {
    const out: Record<string, unknown>[] = []
    for (const [path, add] of s.files) {
      const r = await conn.runAndReadAll(
        `SELECT to_json(t)::VARCHAR FROM read_parquet(${sqlString(join(root, path))}) t`,
      )
      for (const [json] of r.getRows()) out.push({ ...JSON.parse(String(json)), ...add.partitionValues })
    }
    return out
  } finally {
    conn.closeSync()
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i)
}

test('basic-with-inserts-deletes-checkpoint: each of the 14 versions holds what its appends and deletes left', async () => {
  const name = 'basic-with-inserts-deletes-checkpoint'
  // The generator's operations, version by version (commitInfo.operationParameters says the same).
  const ops: ((ids: Set<number>) => void)[] = [
    ...range(0, 5).map((i) => (ids: Set<number>) => {
      for (const x of range(i * 10, i * 10 + 10)) ids.add(x)
    }),
    ...range(0, 5).map((i) => (ids: Set<number>) => {
      for (const x of range(i * 10 + 5, i * 10 + 10)) ids.delete(x)
    }),
    ...range(5, 8).map((i) => (ids: Set<number>) => {
      for (const x of range(i * 10, i * 10 + 10)) ids.add(x)
    }),
    (ids: Set<number>) => {
      for (const x of [...ids]) if (x >= 66) ids.delete(x)
    },
  ]
  const expected = new Set<number>()
  for (let v = 0; v < ops.length; v++) {
    ops[v]!(expected)
    const s = await snap(name, { version: v })
    assert.equal(s.version, v)
    assert.equal(
      s.checkpointVersion,
      v >= 10 ? 10 : null,
      `v${v} starts from the checkpoint once there is one`,
    )
    const ids = (await rows(join(GOLDEN, name), s)).map((r) => Number(r.id)).sort((a, b) => a - b)
    assert.deepEqual(
      ids,
      [...expected].sort((a, b) => a - b),
      `rows of version ${v}`,
    )
    // Stats in the log agree with the files.
    const counted = [...s.files.values()].reduce(
      (n, a) => n + (JSON.parse(a.stats ?? '{}').numRecords ?? 0),
      0,
    )
    assert.equal(counted, ids.length)
  }
  assert.equal(expected.size, 41)
})

test('a checkpoint gives the same state as replaying every JSON commit', async () => {
  const copy = await mkdtemp(join(tmpdir(), 'clickflow-golden-'))
  dirs.push(copy)
  await cp(join(GOLDEN, 'basic-with-inserts-deletes-checkpoint'), copy, { recursive: true })
  const withCheckpoint = await table('', copy).snapshot()
  await unlink(join(copy, '_delta_log', '00000000000000000010.checkpoint.parquet'))
  await unlink(join(copy, '_delta_log', '_last_checkpoint'))
  const replayed = await table('', copy).snapshot()
  assert.equal(withCheckpoint.checkpointVersion, 10)
  assert.equal(replayed.checkpointVersion, null)
  assert.deepEqual([...withCheckpoint.files.keys()].sort(), [...replayed.files.keys()].sort())
  assert.deepEqual([...withCheckpoint.tombstones.keys()].sort(), [...replayed.tombstones.keys()].sort())
  assert.equal(withCheckpoint.files.size, 7)
})

test('checkpoint: a file replaced in every commit; versions before, at and after the checkpoint', async () => {
  for (const v of [0, 5, 9, 10, 11, 14]) {
    const s = await snap('checkpoint', { version: v })
    assert.deepEqual([...s.files.keys()], [String(v + 1)], `version ${v}`)
    assert.equal(s.checkpointVersion, v >= 10 ? 10 : null)
    // Removed files stay as tombstones (vacuum needs them).
    assert.equal(s.tombstones.size, v)
  }
  assert.equal((await snap('checkpoint')).version, 14)
})

test('corrupted-last-checkpoint: a garbled _last_checkpoint is ignored and the log listed instead', async () => {
  const good = await snap('corrupted-last-checkpoint')
  assert.equal(good.version, 10)
  assert.deepEqual(
    [...good.files.keys()].sort((a, b) => Number(a) - Number(b)),
    range(0, 11).map(String),
  )
  const copy = await mkdtemp(join(tmpdir(), 'clickflow-golden-'))
  dirs.push(copy)
  await cp(join(GOLDEN, 'corrupted-last-checkpoint'), copy, { recursive: true })
  await writeFile(join(copy, '_delta_log', '_last_checkpoint'), '{"version":10,"size":')
  const t = table('', copy)
  const s = await t.snapshot()
  assert.equal(s.version, 10)
  assert.equal(s.checkpointVersion, 10)
  assert.deepEqual([...s.files.keys()].sort(), [...good.files.keys()].sort())
  assert.match(t.warnings.join(' '), /_last_checkpoint is unreadable/)
})

test('multi-part-checkpoint: both parts are read; 30 rows in 10 files', async () => {
  const name = 'multi-part-checkpoint'
  const s = await snap(name)
  assert.equal(s.checkpointVersion, 1)
  assert.equal(s.files.size, 10)
  const ids = (await rows(join(GOLDEN, name), s)).map((r) => Number(r.id)).sort((a, b) => a - b)
  // Version 0 wrote id 0, version 1 ids 0..29 (operationMetrics: 9 files, 30 rows).
  assert.deepEqual(
    ids,
    [0, ...range(0, 30)].sort((a, b) => a - b),
  )
  const v0 = await snap(name, { version: 0 })
  assert.equal(v0.files.size, 1)
})

test('time-travel-start-start20-start40: by version and by commit timestamp', async () => {
  const name = 'time-travel-start-start20-start40'
  const root = join(GOLDEN, name)
  const counts: number[] = []
  for (const v of [0, 1, 2]) {
    const ids = (await rows(root, await snap(name, { version: v })))
      .map((r) => Number(r.id))
      .sort((a, b) => a - b)
    counts.push(ids.length)
    // start, start + 20, start + 40: each append adds the next ten ids.
    assert.deepEqual(ids, range(0, (v + 1) * 10), `version ${v}`)
  }
  const history = await table(name).history()
  assert.deepEqual(
    history.map((h) => [h.version, h.timestamp]),
    [
      [2, 1603724022561],
      [1, 1603724021190],
      [0, 1603724019870],
    ],
  )
  assert.equal((await snap(name, { timestamp: 1603724021190 })).version, 1)
  assert.equal((await snap(name, { timestamp: 1603724021189 })).version, 0)
  assert.equal((await snap(name, { timestamp: Date.now() })).version, 2)
  await assert.rejects(snap(name, { timestamp: 1603724019869 }), (err: DeltaError) => {
    assert.equal(err.code, 'delta_timestamp_too_early')
    return true
  })
  await assert.rejects(snap(name, { version: 3 }), /version 3 does not exist: the table has versions up to 2/)
})

test('time-travel-partition-changes-a: partition values come from the log, ten files in five partitions', async () => {
  const name = 'time-travel-partition-changes-a'
  const s = await snap(name)
  assert.deepEqual(s.metadata.partitionColumns, ['part5'])
  const all = await rows(join(GOLDEN, name), s)
  assert.equal(all.length, 10)
  for (const r of all) assert.equal(String(Number(r.id) % 5), r.part5, `row ${JSON.stringify(r)}`)
  for (const [path, add] of s.files) assert.ok(path.startsWith(`part5=${add.partitionValues.part5}/`))
})

test('data-reader-partition-values: URI-encoded paths resolve, null partition values stay null', async () => {
  const name = 'data-reader-partition-values'
  const s = await snap(name)
  assert.equal(s.files.size, 3)
  for (const path of s.files.keys()) await stat(join(GOLDEN, name, path)) // throws if the decoded path is wrong
  const nulls = [...s.files.values()].filter((a) => a.partitionValues.as_int === null)
  assert.equal(nulls.length, 1)
  assert.ok(Object.values(nulls[0]!.partitionValues).every((v) => v === null))
  const withTs = [...s.files.values()].find((a) => a.partitionValues.as_int === '0')!
  assert.equal(withTs.partitionValues.as_timestamp, '2021-09-08 11:11:11')
  assert.equal(withTs.partitionValues.as_string_lit_null, 'null')
  assert.equal((await rows(join(GOLDEN, name), s)).length, 3)
})

test('data-skipping-basic-stats-all-types: per-file stats parse and match the data', async () => {
  const name = 'data-skipping-basic-stats-all-types'
  const s = await snap(name)
  const [add] = [...s.files.values()].filter((a) => JSON.parse(a.stats!).numRecords === 1)
  const stats = JSON.parse(add!.stats!) as {
    minValues: Record<string, unknown>
    nullCount: Record<string, number>
  }
  assert.equal(stats.minValues.as_string, '0')
  assert.equal(stats.minValues.as_date, '2000-01-01')
  assert.equal(stats.nullCount.as_int, 0)
  assert.equal((await rows(join(GOLDEN, name), s)).length, 1)
})

test('log-replay-latest-metadata-protocol: the newest metaData and protocol win', async () => {
  const s = await snap('log-replay-latest-metadata-protocol')
  assert.equal(s.protocol.minReaderVersion, 3)
  assert.equal(s.protocol.minWriterVersion, 7)
  const fields = (JSON.parse(s.metadata.schemaString!) as { fields: { name: string }[] }).fields.map(
    (f) => f.name,
  )
  assert.deepEqual(fields, ['col1', 'col2'])
  assert.equal(s.files.size, 4)
  const v0 = await snap('log-replay-latest-metadata-protocol', { version: 0 })
  assert.equal(v0.protocol.minReaderVersion, 1)
})

test('basic-with-inserts-updates: the update replaced the file holding ids below 50', async () => {
  const name = 'basic-with-inserts-updates'
  const all = await rows(join(GOLDEN, name), await snap(name))
  assert.equal(all.length, 100)
  for (const r of all) assert.equal(r.str, Number(r.id) < 50 ? 'N/A' : `val=${r.id}`)
})

test('snapshot-vacuumed: the newest version is complete; files of older versions were vacuumed away', async () => {
  const name = 'snapshot-vacuumed'
  const latest = await snap(name)
  assert.equal(latest.version, 5)
  for (const p of latest.files.keys()) await stat(join(GOLDEN, name, p))
  // Version 5 rewrote the data with dataChange=false (a repartition): same rows as version 4.
  assert.ok([...latest.files.values()].every((a) => a.dataChange === false))
  const v4 = await snap(name, { version: 4 })
  const missing = []
  for (const p of v4.files.keys())
    missing.push(
      await stat(join(GOLDEN, name, p)).then(
        () => false,
        () => true,
      ),
    )
  assert.ok(missing.every(Boolean))
  const rows5 = await rows(join(GOLDEN, name), latest)
  assert.ok(
    rows5.every((r) => !String(r.col2).startsWith('data-2-')),
    'the DELETE of version 4 still holds',
  )
})

test('versions-not-contiguous: a log that skips a version is refused with a clear error', async () => {
  await assert.rejects(snap('versions-not-contiguous'), (err: DeltaError) => {
    assert.equal(err.code, 'delta_log_not_contiguous')
    assert.match(err.message, /version 1 is missing \(commits present: 0, 2\)/)
    return true
  })
  const v0 = await snap('versions-not-contiguous', { version: 0 })
  assert.deepEqual([...v0.files.keys()], ['foo'])
})

test('a folder without a log is not a Delta table', async () => {
  await assert.rejects(snap('no-such-table'), (err: DeltaError) => err.code === 'delta_table_missing')
})
