// Read-only SQL over the store: a table of forbidden statements each refused with 400, results as
// JSON (integers, timestamps), the row limit, and the timeout.
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { RequestError } from '../../core/errors.ts'
import { type Database, openDatabase } from './database.ts'
import { DuckdbStore } from './duckdb-store.ts'

let dir: string
let db: Database
let store: DuckdbStore

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clickflow-store-'))
  await writeFile(join(dir, 'secret.csv'), 'a,b\n1,2\n')
  db = await openDatabase(join(dir, 'store', 'db.duckdb'), {
    memoryLimit: '512MB',
    allowedDirectories: [join(dir, 'lake')],
  })
  const c = await db.connect()
  await c.run(`INSERT INTO events (event_id, event_type, event_time, received_at, source_id, is_bot, is_duplicate, is_corrupt)
    SELECT 'e' || i, 'pageview', TIMESTAMP '2026-11-21 10:00:00' + to_seconds(i), TIMESTAMP '2026-11-21 10:00:00', 'test', false, false, false
    FROM range(100) t(i)`)
  c.closeSync()
  store = new DuckdbStore(db, { timeoutMs: 300, maxRows: 10 })
})

after(async () => {
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

async function refused(sql: string): Promise<RequestError> {
  try {
    await store.sql(sql)
  } catch (err) {
    assert.ok(err instanceof RequestError, `expected RequestError for ${sql}, got ${String(err)}`)
    assert.equal(err.status, 400)
    return err
  }
  assert.fail(`not refused: ${sql}`)
}

describe('DuckdbStore.sql', () => {
  const forbidden = [
    "COPY events TO '/tmp/x.csv'",
    "ATTACH '/tmp/other.duckdb' AS o",
    'INSTALL httpfs',
    'LOAD httpfs',
    'SET enable_external_access = true',
    'PRAGMA database_size',
    'CREATE TABLE t (a INT)',
    "INSERT INTO dead_letters VALUES ('a','b','c', now(), 'p', now())",
    'DELETE FROM events',
    'UPDATE events SET site = 1',
    'DROP TABLE events',
    'SELECT 1; SELECT 2',
    "SELECT * FROM read_csv('/etc/passwd')",
    `SELECT * FROM read_csv('${'DIR'}/secret.csv')`,
    "SELECT * FROM glob('/*')",
    "SELECT * FROM query('DELETE FROM events')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM '/etc/passwd'",
    'CHECKPOINT',
    "EXPORT DATABASE '/tmp/x'",
  ]
  for (const sql of forbidden) {
    test(`refuses ${sql}`, async () => {
      const err = await refused(sql.replace('DIR', dir))
      assert.ok(['forbidden_statement', 'invalid_sql'].includes(err.code), err.code)
    })
  }

  test('statements that are not SELECT say forbidden_statement', async () => {
    for (const sql of [
      'DELETE FROM events',
      "COPY events TO '/tmp/x.csv'",
      'SELECT 1; SELECT 2',
      "SELECT * FROM read_csv('/etc/passwd')",
    ]) {
      assert.equal((await refused(sql)).code, 'forbidden_statement', sql)
    }
  })

  test('the data survives the attempts', async () => {
    const r = await store.sql('SELECT count(*) AS n FROM events')
    assert.deepEqual(r.rows, [[100]])
  })

  test("syntax errors are invalid_sql with DuckDB's message", async () => {
    const err = await refused('SELEC 1')
    assert.equal(err.code, 'invalid_sql')
    assert.match(err.message, /syntax error/i)
    assert.equal((await refused('SELECT nope FROM events')).code, 'invalid_sql')
    assert.equal((await refused('   ')).code, 'invalid_sql')
  })

  test('results are JSON: numbers, ISO timestamps, row limit', async () => {
    const r = await store.sql(
      "SELECT count(*) AS n, min(event_time) AS t, 1.25::DECIMAL(5,2) AS d, 'x' AS s FROM events",
    )
    assert.deepEqual(
      r.columns.map((c) => c.name),
      ['n', 't', 'd', 's'],
    )
    assert.deepEqual(r.rows, [[100, '2026-11-21T10:00:00Z', 1.25, 'x']])
    assert.equal(r.truncated, false)
    const many = await store.sql('SELECT event_id FROM events ORDER BY event_id')
    assert.equal(many.rows.length, 10)
    assert.equal(many.truncated, true)
  })

  test('a slow query stops at the timeout', async () => {
    const err = await refused(
      'SELECT count(*) FROM range(10000000000) a, range(10) b WHERE a.range * b.range = -1',
    )
    assert.equal(err.code, 'query_timeout')
    // The store still answers afterwards.
    assert.deepEqual((await store.sql('SELECT 42 AS x')).rows, [[42]])
  })
})
