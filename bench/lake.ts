// npm run bench:lake: the lake's export of closed days against DuckDB's own Parquet writing of the
// same rows in the same run (the ceiling: export adds the per-day files, stats and the commit), and
// the cost of a re-export that finds nothing new, a compaction and an erasure, over N stored events.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { erase } from '../src/lake/erasure.ts'
import { exportColumns } from '../src/lake/events-table.ts'
import { Lake } from '../src/lake/lake.ts'
import { openDatabase } from '../src/store/duckdb/database.ts'
import { createLogger } from '../src/telemetry/logger.ts'
import { machine, revision, writeSection } from './lib/docs.ts'

const N = Number(process.argv[2] ?? 2_000_000)
const DAYS = 30
const NOW = Date.parse('2026-12-15T00:00:00Z')

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now()
  const r = await fn()
  return [r, (performance.now() - t) / 1000]
}

const dataDir = await mkdtemp(join(tmpdir(), 'clickflow-bench-lake-'))
await mkdir(join(dataDir, 'lake'), { recursive: true })
const db = await openDatabase(join(dataDir, 'store', 'clickflow.duckdb'), {
  memoryLimit: '1GB',
  allowedDirectories: [join(dataDir, 'lake')],
})
try {
  const conn = await db.connect()
  // N events over 30 days of November, 50 000 visitors, realistic string widths.
  await conn.run(`INSERT INTO events (event_id, event_type, event_time, received_at, source_id, site, visitor_id, session_id,
      page_url, page_host, page_path, referrer, country, browser, os, device_type, is_bot, is_duplicate, is_corrupt, props)
    SELECT 'ev-' || i, CASE WHEN i % 10 = 0 THEN 'custom' ELSE 'page_view' END,
      TIMESTAMP '2026-11-01' + (i * ${(DAYS * 86_400) / N}) * INTERVAL 1 SECOND,
      TIMESTAMP '2026-11-01' + (i * ${(DAYS * 86_400) / N}) * INTERVAL 1 SECOND, 'http',
      'shop.example.com', 'visitor-' || (hash(i // 7) % 50000), 'session-' || (i // 7),
      'https://shop.example.com/p/' || (i % 997), 'shop.example.com', '/p/' || (i % 997),
      CASE WHEN i % 3 = 0 THEN 'https://www.google.com/' END, ['DE','FR','US','NL'][1 + i % 4],
      'Chrome', 'Windows', 'desktop', false, false, false, '{"plan":"pro"}'
    FROM range(${N}) t(i)`)
  await conn.run('CHECKPOINT')
  const [, baseline] = await timed(() =>
    conn.run(
      `COPY (SELECT ${exportColumns()} FROM events ORDER BY event_time, event_id) TO '${join(dataDir, 'lake', 'baseline.parquet')}' (FORMAT parquet)`,
    ),
  )
  conn.closeSync()
  await rm(join(dataDir, 'lake', 'baseline.parquet'))

  const lake = new Lake({ dataDir, db, log: createLogger({ level: 'silent' }), now: () => NOW })
  const [exp, exportS] = await timed(() => lake.export())
  const [again, reexportS] = await timed(() => lake.export())
  // A second, small export per day (late events), then compaction merges two files per day.
  const c2 = await db.connect()
  await c2.run(`INSERT INTO events (event_id, event_type, event_time, received_at, source_id, visitor_id, is_bot, is_duplicate, is_corrupt)
    SELECT 'late-' || i, 'page_view', TIMESTAMP '2026-11-01' + (i % ${DAYS}) * INTERVAL 1 DAY + INTERVAL 1 HOUR, now()::TIMESTAMP, 'http', 'visitor-late', false, false, false
    FROM range(${DAYS * 10}) t(i)`)
  const [visitor] = (
    await c2.runAndReadAll(`SELECT visitor_id FROM events GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)
  ).getRows()[0]! as [string]
  c2.closeSync()
  await lake.export()
  const [cmp, compactS] = await timed(() => lake.compact({ minFiles: 2 }))
  const [er, eraseS] = await timed(() => erase(lake, db, { kind: 'visitor', id: visitor }, 'bench', NOW))

  const rate = (rows: number, s: number) => `${Math.round(rows / s / 1000)} K rows/s`
  const lines = [
    `Measured ${new Date().toISOString()} on ${machine()}${revision() ? `, commit ${revision()}` : ''}.`,
    '',
    `${N.toLocaleString('en')} events over ${DAYS} days in the store (DuckDB), exported to \`<data_dir>/lake/events\`.`,
    '',
    '| what | time | rate | ratio to the baseline |',
    '|---|---|---|---|',
    `| baseline: DuckDB \`COPY (SELECT ...) TO (FORMAT parquet)\` of all rows, one file | ${baseline.toFixed(2)} s | ${rate(N, baseline)} | 1 |`,
    `| lake export of ${exp.files} closed days (a file per day, stats, one commit) | ${exportS.toFixed(2)} s | ${rate(exp.rows, exportS)} | ${(baseline / exportS).toFixed(2)} x |`,
    `| re-export, nothing new (anti-join of each day against its file) | ${reexportS.toFixed(2)} s | | ${again.files} files written |`,
    `| compaction of ${cmp.days.length} days (2 files each) | ${compactS.toFixed(2)} s | ${rate(N, compactS)} | |`,
    `| erasure of the busiest visitor (${er.rows_events} events; ${er.lake_files_rewritten} lake files rewritten) | ${eraseS.toFixed(2)} s | | |`,
  ]
  const body = lines.join('\n')
  process.stdout.write(`${body}\n`)
  if (!process.argv.includes('--no-docs')) writeSection('lake', 'Lake (npm run bench:lake)', body)
} finally {
  await db.release()
  await rm(dataDir, { recursive: true, force: true })
}
