// End to end with the real 10,000-line access log: imported with `clickflow import`, and tailed by a
// file_tail source while the file is written into a watched directory in uneven chunks. Both must give
// page views, visitors and bots per day equal to an independent count from the raw file.
import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { accessLogTruth } from '../helpers/access-log-truth.ts'
import { killAll, pollUntil, runCli, sql, sqlNumber, start, tempDir } from '../helpers/clickflow-process.ts'

const LOG = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'elastic_apache_logs_combined.log')
const truth = accessLogTruth(LOG)
const expectedViews = [...truth.days.values()].reduce((a, d) => a + d.views, 0)
const PER_DAY = `SELECT CAST(event_time AS DATE)::VARCHAR AS day, count(*), count(DISTINCT visitor_id), count(*) FILTER (WHERE is_bot)
  FROM events GROUP BY 1 ORDER BY 1`

function expectedRows(): unknown[][] {
  return [...truth.days.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, d]) => [day, d.views, d.visitors.size, d.bots])
}
const asNumbers = (rows: unknown[][]) => rows.map((r) => [r[0], Number(r[1]), Number(r[2]), Number(r[3])])

describe('the real access log', () => {
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = []
  after(async () => {
    await killAll()
    for (const d of dirs) await d.remove()
  })

  test('clickflow import: per-day page views, visitors and bots equal the independent count', async () => {
    const dir = await tempDir()
    dirs.push(dir)
    const imp = await runCli([
      'import',
      LOG,
      '--data-dir',
      dir.path,
      '--parser',
      '{"base_url":"http://semicomplete.com"}',
    ])
    assert.equal(imp.code, 0, imp.stderr)
    const summary = JSON.parse(imp.stdout) as { imported: number; dead_lettered: number; lines: number }
    assert.equal(summary.lines, 10_000)
    assert.equal(summary.imported, expectedViews)
    assert.equal(summary.dead_lettered, truth.malformed.length)
    // A second run finds the file done (by identity) and adds nothing.
    const again = await runCli(['import', LOG, '--data-dir', dir.path])
    assert.equal(JSON.parse(again.stdout).imported, 0)
    const cf = await start(dir.path)
    assert.ok(
      await pollUntil(
        async () => (await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')) >= expectedViews,
        30_000,
      ),
    )
    assert.deepEqual(asNumbers(await sql(cf.adminUrl, PER_DAY)), expectedRows())
    // The file is not in time order; the per-day counts above hold because each line keeps its own time.
    assert.ok(truth.late > 0)
    const dead = await sql(cf.adminUrl, "SELECT payload FROM dead_letters WHERE reason = 'unparsable_line'")
    assert.deepEqual(
      dead.map((r) => JSON.parse(r[0] as string).line_number),
      truth.malformed,
    )
    // The user agent and referrer were enriched like collector events.
    assert.ok(
      (await sqlNumber(
        cf.adminUrl,
        'SELECT count(*) FROM events WHERE browser IS NOT NULL AND referrer_host IS NOT NULL',
      )) > 0,
    )
    assert.equal((await cf.stop()).code, 0, cf.stderr())
  })

  test('file_tail: the log written into a watched directory in chunks gives the same counts', async () => {
    const dir = await tempDir()
    dirs.push(dir)
    const watched = join(dir.path, 'incoming')
    const config = join(dir.path, 'clickflow.yaml')
    writeFileSync(
      config,
      `sources:
  collector: { type: http_collector }
  logs:
    type: file_tail
    groups: [{ dir: ${JSON.stringify(watched)}, glob: 'access*.log' }]
    parser: { format: combined, base_url: 'http://semicomplete.com' }
transforms:
  valid: { type: validate, inputs: [collector, logs] }
  dedupe: { type: dedupe, inputs: [valid] }
  user_agent: { type: enrich_user_agent, inputs: [dedupe] }
  referrer: { type: enrich_referrer, inputs: [user_agent] }
sinks:
  store: { type: duckdb, inputs: [referrer] }
`,
    )
    const cf = await start(dir.path, ['--config', config])
    const bytes = readFileSync(LOG)
    mkdirSync(watched)
    // Uneven chunks that cut lines in the middle: a partial line must wait for the rest.
    let pos = 0
    for (const size of [1000, 77_777, 500_000, 3, 900_000]) {
      appendFileSync(join(watched, 'access.log'), bytes.subarray(pos, pos + size))
      pos += size
      await new Promise((r) => setTimeout(r, 100))
    }
    appendFileSync(join(watched, 'access.log'), bytes.subarray(pos))
    const arrived = await pollUntil(
      async () => (await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')) >= expectedViews,
      30_000,
    )
    assert.ok(
      arrived,
      `events: ${await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM events')} of ${expectedViews}`,
    )
    assert.deepEqual(asNumbers(await sql(cf.adminUrl, PER_DAY)), expectedRows())
    assert.equal(await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM dead_letters'), truth.malformed.length)
    assert.equal((await cf.stop()).code, 0, cf.stderr())
  })
})
