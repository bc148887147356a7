// The lake and erasure through the real CLI and a real running clickflow: `clickflow lake export`
// and `clickflow erase` hand their request to the running process, POST /api/erase answers with
// counts, the files the log lists read back through DuckDB hold exactly the store's rows; alone on
// the data directory the same commands open the store themselves; an export killed with SIGKILL
// after writing its files (or its temp commit) leaves the table readable at its previous version.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DuckDBInstance } from '@duckdb/node-api'
import {
  type Clickflow,
  killAll,
  pollUntil,
  post,
  REPO_ROOT,
  runCli,
  sql,
  sqlNumber,
  start,
  tempDir,
} from '../../test/helpers/clickflow-process.ts'
import { sqlString } from './parquet-io.ts'

const END = '2026-11-20T00:00:00Z'
const EVENTS = 1500

interface Summary {
  version: number
  files: { path: string; partition_values: { day: string }; rows: number }[]
}

describe('lake and erasure through the CLI', () => {
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = []
  let instance: DuckDBInstance
  let dataDir: string
  let cf: Clickflow | null = null
  before(async () => {
    instance = await DuckDBInstance.create(':memory:')
    const d = await tempDir()
    dirs.push(d)
    dataDir = d.path
  })
  after(async () => {
    await killAll()
    instance.closeSync()
    for (const d of dirs) await d.remove()
  })

  /** event_id -> visitor_id over the files of a snapshot summary. */
  const readLake = async (s: Summary): Promise<Map<string, string>> => {
    if (s.files.length === 0) return new Map()
    const conn = await instance.connect()
    try {
      const r = await conn.runAndReadAll(
        `SELECT event_id, visitor_id FROM read_parquet([${s.files.map((f) => sqlString(f.path)).join(', ')}])`,
      )
      const out = new Map<string, string>()
      for (const [id, v] of r.getRows()) {
        assert.ok(!out.has(String(id)), `${id} twice in the lake`)
        out.set(String(id), String(v))
      }
      return out
    } finally {
      conn.closeSync()
    }
  }
  const snapshot = async (args: string[] = []): Promise<Summary> => {
    const r = await runCli(['lake', 'snapshot', '--data-dir', dataDir, ...args])
    assert.equal(r.code, 0, r.stderr)
    return JSON.parse(r.stdout) as Summary
  }

  test('beside a running clickflow: export and erase are handed to it; the lake equals the store', async () => {
    const gen = await runCli([
      'generate',
      '--events',
      String(EVENTS),
      '--days',
      '4',
      '--end',
      END,
      '--seed',
      '5',
      '--into',
      dataDir,
    ])
    assert.equal(gen.code, 0, gen.stderr)
    // The schedule would export on its own; turned off so this test decides when.
    const cfg = join(dataDir, 'clickflow.yaml')
    const def = await runCli(['config', 'default'])
    await writeFile(cfg, `${def.stdout}\nlake:\n  export_closed_days: false\n`)
    cf = await start(dataDir, ['--config', cfg])
    assert.ok(
      await pollUntil(
        async () => (await sqlNumber(cf!.adminUrl, 'SELECT count(*) FROM events')) === EVENTS,
        60_000,
      ),
    )

    const exp = await runCli(['lake', 'export', '--data-dir', dataDir])
    assert.equal(exp.code, 0, exp.stderr)
    assert.match(exp.stderr, /a clickflow runs on .*; sending the request to it/)
    const result = JSON.parse(exp.stdout) as { version: number; rows: number; files: number }
    assert.equal(result.version, 0)
    assert.equal(result.rows, EVENTS)
    const s0 = await snapshot()
    const lake0 = await readLake(s0)
    const store0 = new Map(
      (await sql(cf.adminUrl, 'SELECT event_id, visitor_id FROM events')).map(([a, b]) => [
        String(a),
        String(b),
      ]),
    )
    assert.deepEqual(lake0, store0)
    for (const f of s0.files) assert.ok(f.path.includes(`/lake/events/day=${f.partition_values.day}/part-`))

    // Erase the visitor with the most events through the API.
    const [[victim, count]] = (await sql(
      cf.adminUrl,
      'SELECT visitor_id, count(*) AS n FROM events GROUP BY 1 ORDER BY n DESC, visitor_id LIMIT 1',
    )) as [[string, number]]
    const bad = await post(`${cf.adminUrl}/api/erase`, { visitor_id: victim })
    assert.equal(bad.status, 400)
    assert.equal((bad.body as { code: string }).code, 'invalid_erasure_request')
    const erased = await post<{ rows_events: number; lake_rows: number; lake_files_rewritten: number }>(
      `${cf.adminUrl}/api/erase`,
      { visitor_id: victim, requested_by: 'e2e' },
    )
    assert.equal(erased.status, 200, JSON.stringify(erased.body))
    assert.equal(erased.body.rows_events, Number(count))
    assert.equal(erased.body.lake_rows, Number(count))
    assert.equal(
      await sqlNumber(cf.adminUrl, `SELECT count(*) FROM events WHERE visitor_id = '${victim}'`),
      0,
    )
    assert.equal(
      await sqlNumber(cf.adminUrl, `SELECT count(*) FROM sessions WHERE visitor_id = '${victim}'`),
      0,
    )
    assert.equal(
      await sqlNumber(
        cf.adminUrl,
        `SELECT count(*) FROM erasure_audit WHERE subject_id = '${victim}' AND requested_by = 'e2e'`,
      ),
      1,
    )
    const s1 = await snapshot()
    assert.equal(s1.version, 1)
    const lake1 = await readLake(s1)
    assert.deepEqual(lake1, new Map([...store0].filter(([, v]) => v !== victim)))

    // The CLI's erase goes to the same process (generated traffic has identified users).
    const [[user]] = (await sql(
      cf.adminUrl,
      'SELECT user_id FROM events WHERE user_id IS NOT NULL LIMIT 1',
    )) as [[string]]
    assert.ok(user, 'the generated traffic has a user id')
    const e = await runCli(['erase', '--data-dir', dataDir, '--user', user, '--requested-by', 'cli-e2e'])
    assert.equal(e.code, 0, e.stderr)
    assert.match(e.stderr, /sending the request to it/)
    assert.ok((JSON.parse(e.stdout) as { rows_events: number }).rows_events > 0)
    assert.equal(await sqlNumber(cf.adminUrl, `SELECT count(*) FROM events WHERE user_id = '${user}'`), 0)
    assert.equal(
      await sqlNumber(cf.adminUrl, "SELECT count(*) FROM erasure_audit WHERE requested_by = 'cli-e2e'"),
      1,
    )
    const exit = await cf.stop()
    assert.equal(exit.code, 0)
    cf = null
  })

  test('alone on the data dir: commands open the store themselves; usage mistakes exit 2', async () => {
    const again = await runCli(['lake', 'export', '--data-dir', dataDir])
    assert.equal(again.code, 0, again.stderr)
    assert.doesNotMatch(again.stderr, /sending the request/)
    assert.equal((JSON.parse(again.stdout) as { files: number }).files, 0, 're-export adds nothing')
    const history = await runCli(['lake', 'history', '--data-dir', dataDir])
    assert.equal(history.code, 0, history.stderr)
    const ops = history.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { operation: string }).operation)
    assert.equal(ops.at(-1), 'WRITE')
    assert.equal(ops[0], 'DELETE')
    // Time travel: version 0 still lists the files of the first export.
    const v0 = await snapshot(['--as-of-version', '0'])
    assert.equal(v0.version, 0)
    for (const args of [
      ['erase', '--data-dir', dataDir],
      ['erase', '--data-dir', dataDir, '--visitor', 'a', '--user', 'b'],
      ['lake', 'export', '--data-dir', dataDir, '--day', '2026-13-45'],
      ['lake', 'snapshot', '--data-dir', dataDir, '--as-of-version', 'x'],
    ]) {
      const r = await runCli(args)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /clickflow: .+/)
    }
    const missing = await runCli(['lake', 'snapshot', '--data-dir', dataDir, '--as-of-version', '99'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /version 99 does not exist/)
  })

  for (const point of ['afterDataFiles', 'afterTempCommit'] as const) {
    test(`an export killed with SIGKILL ${point} leaves the table at its previous version`, async () => {
      const before = await snapshot()
      const beforeRows = await readLake(before)
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/lake/crash-fixture.ts', dataDir, '2026-11-19', point],
        {
          cwd: REPO_ROOT,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      )
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (s: string) => {
        stderr += s
      })
      const exit = await new Promise<NodeJS.Signals | null>((r) => child.once('close', (_c, sig) => r(sig)))
      assert.equal(exit, 'SIGKILL', stderr)
      assert.match(stderr, new RegExp(`killing myself ${point}`))
      const after = await snapshot()
      assert.equal(after.version, before.version)
      assert.deepEqual(await readLake(after), beforeRows)
      const log = await readdir(join(dataDir, 'lake', 'events', '_delta_log'))
      assert.ok(!log.includes(`${String(before.version + 1).padStart(20, '0')}.json`))
      // The next export writes the five new events once; a vacuum deletes the dead export's files.
      const exp = await runCli(['lake', 'export', '--data-dir', dataDir, '--day', '2026-11-19'])
      assert.equal(exp.code, 0, exp.stderr)
      assert.deepEqual(
        [
          (JSON.parse(exp.stdout) as { version: number }).version,
          (JSON.parse(exp.stdout) as { rows: number }).rows,
        ],
        [before.version + 1, 5],
      )
      const vac = await runCli(['lake', 'vacuum', '--data-dir', dataDir, '--retention-hours', '0'])
      assert.equal(vac.code, 0, vac.stderr)
      const files = await readdir(join(dataDir, 'lake', 'events', 'day=2026-11-19'))
      const listed = (await snapshot()).files
        .filter((f) => f.partition_values.day === '2026-11-19')
        .map((f) => f.path.split('/').pop())
      assert.deepEqual(files.sort(), listed.sort())
    })
  }
})
