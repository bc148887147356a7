// `npm run bench:query`: the dashboard's questions (overview, timeseries, top pages, countries, a
// 3-step funnel, retention) through clickflow's analytics API against the same questions in
// hand-written SQL on PostgreSQL 15, same rows, same run. Steps: generate N events (default 10 M;
// `npm run bench:query -- --events 100000000` for the 100 M run) over 30 days into a fresh data
// directory with `clickflow generate --into` (the import path into the durable log), start clickflow
// and wait until the pipeline stored every event and the processor wrote the sessions, ask each
// question warm (3 untimed runs, then `--runs` timed ones) over HTTP, stop clickflow; copy the stored
// events and sessions into PostgreSQL (started by this script on a free loopback port, stopped by
// its PID), index them, VACUUM ANALYZE, and time the same questions through psql. Targets (brief):
// each question <= 300 ms warm at 100 M events on 2 cores, and >= 10x faster than PostgreSQL.
// Writes the "Queries" section of docs/benchmarks.md.
import { spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { DuckDBInstance } from '@duckdb/node-api'
import { clickflowCommand, sql, startClickflow } from './lib/clickflow.ts'
import { machine, revision, writeSection } from './lib/docs.ts'
import { postgresInstalled, psql, startPostgres, stopPostgres, timeQuery } from './lib/postgres.ts'
import { memoryOf, stopServer, track } from './lib/processes.ts'
import { type Question, questions } from './lib/query-questions.ts'

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '30' },
    runs: { type: 'string', default: '15' },
    keep: { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
  },
})
const EVENTS = Number(args.events)
const DAYS = Number(args.days)
const RUNS = Number(args.runs)
const WARMUP = 3
// A fixed end: the same seed and end give the same events in every run of the bench.
const END = Date.parse('2026-11-01T00:00:00Z')
const FROM = END - DAYS * 86_400_000
const TARGET_MS = 300
const TARGET_RATIO = 10

if (!postgresInstalled()) {
  process.stderr.write('bench:query needs PostgreSQL 15: apt-get install -y postgresql-15\n')
  process.exit(1)
}
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const say = (s: string) => process.stderr.write(`[bench:query] ${s}\n`)
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const loadBefore = loadavg()[0]!
const tmp = mkdtempSync(join(tmpdir(), 'clickflow-bench-query-'))
// PostgreSQL runs as its own user and must reach its folder inside.
chmodSync(tmp, 0o755)
const dataDir = join(tmp, 'data')

// 1. Generate into the data directory (log), through the CLI as a user would.
say(`generating ${fmt(EVENTS)} events over ${DAYS} days into ${dataDir}`)
let t0 = Date.now()
await new Promise<void>((resolve, reject) => {
  const child = spawn(
    process.execPath,
    clickflowCommand([
      'generate',
      '--events',
      String(EVENTS),
      '--days',
      String(DAYS),
      '--end',
      new Date(END).toISOString(),
      '--seed',
      '1',
      '--into',
      dataDir,
    ]),
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  track(child)
  child.once('error', reject)
  child.once('exit', (code) =>
    code === 0 ? resolve() : reject(new Error(`clickflow generate exited ${code}`)),
  )
})
const generateSeconds = (Date.now() - t0) / 1000

// 2. Start clickflow; wait until every event is stored and the sessions stop changing.
say('starting clickflow; waiting for the pipeline to store every event')
t0 = Date.now()
const cf = await startClickflow(dataDir)
// The admin listener shares its thread with the pipeline, so a count may wait while a batch is
// stored; a slow answer is retried, not fatal.
const count = async (table: string): Promise<number> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return Number((await sql(cf.adminUrl, `SELECT count(*) FROM ${table}`))[0]![0])
    } catch (err) {
      if (attempt >= 10) throw err
      say(`count of ${table} failed (${(err as Error).message}); retrying`)
    }
  }
}
let stored = await count('events')
let lastReport = 0
while (stored < EVENTS) {
  if (Date.now() - lastReport > 10_000) {
    lastReport = Date.now()
    const secs = (Date.now() - t0) / 1000
    say(`stored ${fmt(stored)} of ${fmt(EVENTS)} (${fmt(stored / secs)} events/s)`)
  }
  await sleep(1000)
  stored = await count('events')
}
const storeSeconds = (Date.now() - t0) / 1000
let sessions = await count('sessions')
for (let stable = 0; stable < 3; ) {
  await sleep(2000)
  const now = await count('sessions')
  stable = now === sessions ? stable + 1 : 0
  sessions = now
}
const processSeconds = (Date.now() - t0) / 1000
say(
  `stored ${fmt(stored)} events in ${fmt(storeSeconds, 1)} s; ${fmt(sessions)} sessions after ${fmt(processSeconds, 1)} s`,
)

// 3. The API, warm.
const qs = questions(FROM, END)
const apiTimes = new Map<string, number[]>()
const apiDigest = new Map<string, string>()
for (const q of qs) {
  const times: number[] = []
  let body: unknown
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const start = performance.now()
    const res = await fetch(new URL(q.api.path, cf.adminUrl), {
      method: q.api.method,
      headers: q.api.body ? { 'content-type': 'application/json' } : {},
      body: q.api.body ? JSON.stringify(q.api.body) : undefined,
      signal: AbortSignal.timeout(120_000),
    })
    body = await res.json()
    const ms = performance.now() - start
    if (res.status !== 200)
      throw new Error(`${q.name}: ${q.api.path} answered ${res.status} ${JSON.stringify(body)}`)
    if (i >= WARMUP) times.push(ms)
  }
  apiTimes.set(q.name, times)
  apiDigest.set(q.name, q.apiDigest(body))
  say(`clickflow ${q.name}: p50 ${fmt(pct(times, 50), 1)} ms, p95 ${fmt(pct(times, 95), 1)} ms`)
}
const rss = memoryOf(cf.server.pid)
await stopServer(cf.server, 60_000)

// 4. The same rows into PostgreSQL.
const pgDir = join(tmp, 'pg')
const eventsCsv = join(tmp, 'events.csv')
const sessionsCsv = join(tmp, 'sessions.csv')
const EVENT_COLS =
  'event_id, event_type, event_name, event_time, site, visitor_id, session_id, user_id, page_path, referrer_host, channel, country, browser, os, device_type, utm_source, utm_medium, utm_campaign, is_bot, is_duplicate'
const SESSION_COLS =
  'session_id, visitor_id, site, start_time, end_time, duration_ms, page_views, events, is_bounce, entry_page, exit_page, channel, country, device_type, is_bot'
say('copying the stored events and sessions out of DuckDB')
{
  const instance = await DuckDBInstance.create(join(dataDir, 'store', 'clickflow.duckdb'), {
    access_mode: 'READ_ONLY',
  })
  const conn = await instance.connect()
  await conn.run(`COPY (SELECT ${EVENT_COLS} FROM events) TO '${eventsCsv}' (FORMAT csv, HEADER false)`)
  await conn.run(`COPY (SELECT ${SESSION_COLS} FROM sessions) TO '${sessionsCsv}' (FORMAT csv, HEADER false)`)
  conn.closeSync()
  instance.closeSync()
}
chmodSync(eventsCsv, 0o644)
chmodSync(sessionsCsv, 0o644)
say(`starting PostgreSQL; loading ${fmt(statSync(eventsCsv).size / 1e6)} MB of events`)
const pg = await startPostgres(pgDir, [
  'shared_buffers=2GB',
  'work_mem=256MB',
  'maintenance_work_mem=1GB',
  'effective_cache_size=8GB',
  'max_parallel_workers_per_gather=2',
  'random_page_cost=1.1',
  'fsync=off',
  'synchronous_commit=off',
  'full_page_writes=off',
])
// An interrupted bench (Ctrl+C exits through bench/lib/processes.ts) must not leave the server behind.
process.on('exit', () => {
  try {
    process.kill(pg.pid, 'SIGINT')
  } catch {}
})
const pgTimes = new Map<string, number[]>()
const pgDigest = new Map<string, string>()
let pgLoadSeconds = 0
try {
  t0 = Date.now()
  await psql(
    pg,
    `CREATE TABLE events (event_id text NOT NULL, event_type text NOT NULL, event_name text, event_time timestamp NOT NULL,
       site text, visitor_id text, session_id text, user_id text, page_path text, referrer_host text, channel text,
       country text, browser text, os text, device_type text, utm_source text, utm_medium text, utm_campaign text,
       is_bot boolean NOT NULL, is_duplicate boolean NOT NULL);
     CREATE TABLE sessions (session_id text PRIMARY KEY, visitor_id text NOT NULL, site text, start_time timestamp NOT NULL,
       end_time timestamp NOT NULL, duration_ms bigint NOT NULL, page_views int NOT NULL, events int NOT NULL,
       is_bounce boolean NOT NULL, entry_page text, exit_page text, channel text, country text, device_type text,
       is_bot boolean NOT NULL);
     \\copy events FROM '${eventsCsv}' WITH (FORMAT csv)
     \\copy sessions FROM '${sessionsCsv}' WITH (FORMAT csv)
     CREATE INDEX events_time ON events (event_time);
     CREATE INDEX events_visitor_time ON events (visitor_id, event_time);
     CREATE INDEX events_name_visitor_time ON events (event_name, visitor_id, event_time) WHERE event_name IS NOT NULL;
     CREATE INDEX sessions_start ON sessions (start_time);
     VACUUM ANALYZE events;
     VACUUM ANALYZE sessions;`,
  )
  pgLoadSeconds = (Date.now() - t0) / 1000
  say(`PostgreSQL loaded and indexed in ${fmt(pgLoadSeconds, 1)} s`)
  for (const q of qs) {
    const times = await timeQuery(pg, q.sql, WARMUP, RUNS)
    pgTimes.set(q.name, times)
    const rows = (await psql(pg, `${q.sql};`))
      .trimEnd()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'))
    pgDigest.set(q.name, q.sqlDigest(rows))
    say(`PostgreSQL ${q.name}: p50 ${fmt(pct(times, 50), 1)} ms, p95 ${fmt(pct(times, 95), 1)} ms`)
  }
} finally {
  await stopPostgres(pg)
  if (!args.keep) rmSync(tmp, { recursive: true, force: true })
  else say(`kept ${tmp}`)
}
const loadAfter = loadavg()[0]!

// 5. Report.
const pass = (ok: boolean) => (ok ? 'pass' : 'BELOW TARGET')
const rows = qs.map((q: Question) => {
  const a = apiTimes.get(q.name)!
  const p = pgTimes.get(q.name)!
  const ratio = pct(p, 50) / pct(a, 50)
  return `| ${q.name} | ${fmt(pct(a, 50), 1)} | ${fmt(pct(a, 95), 1)} | ${fmt(pct(p, 50), 1)} | ${fmt(pct(p, 95), 1)} | ${fmt(ratio, 1)}x | ${pass(pct(a, 50) <= TARGET_MS)} | ${pass(ratio >= TARGET_RATIO)} |`
})
const checks = qs.map((q) => {
  const a = apiDigest.get(q.name)
  const p = pgDigest.get(q.name)
  return `| ${q.name} | ${a} | ${p} | ${a === p ? 'same' : 'DIFFERENT'} |`
})
const body = [
  `Latest run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, clickflow ${revision() ?? 'unknown'}, ${machine()}, load average ${loadBefore.toFixed(1)} at start and ${loadAfter.toFixed(1)} at end. Run with \`npm run bench:query\` (10 M events); the 100 M run is \`npm run bench:query -- --events 100000000\`.`,
  '',
  `Data: ${fmt(EVENTS)} events of \`clickflow generate\` (seed 1, ${DAYS} days ending ${new Date(END).toISOString().slice(0, 10)}) loaded with \`clickflow generate --into\` in ${fmt(generateSeconds, 1)} s (${fmt(EVENTS / generateSeconds)} events/s into the durable log), then stored by the pipeline in ${fmt(storeSeconds, 1)} s (${fmt(EVENTS / storeSeconds)} events/s through the default transforms, the duckdb, live and processor sinks); ${fmt(sessions)} sessions from the processor. clickflow RSS after the queries: ${fmt(rss.rssMb)} MB (peak ${fmt(rss.peakMb)} MB). PostgreSQL 15 got the same rows (the ${EVENT_COLS.split(',').length} event columns the questions need, and the sessions), loaded, indexed (event_time; visitor_id, event_time; event_name, visitor_id, event_time; sessions.start_time) and analysed in ${fmt(pgLoadSeconds, 1)} s, with shared_buffers 2 GB, work_mem 256 MB and 2 parallel workers per query.`,
  '',
  `Each question covers the whole ${DAYS} days; ${WARMUP} untimed runs, then ${RUNS} timed ones, one at a time. clickflow: client time of the HTTP request to the admin listener (GET/POST as the dashboard sends it). PostgreSQL: psql's \`\\timing\` (client time) of the hand-written SQL in bench/lib/query-questions.ts. Ratio = PostgreSQL p50 / clickflow p50. Targets: <= ${TARGET_MS} ms warm at 100 M events on 2 cores; >= ${TARGET_RATIO}x PostgreSQL.`,
  '',
  '| question | clickflow p50 ms | p95 ms | PostgreSQL p50 ms | p95 ms | ratio | <= 300 ms | >= 10x |',
  '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ...rows,
  '',
  'Both answered the same question (headline numbers of each answer):',
  '',
  '| question | clickflow API | PostgreSQL | |',
  '| --- | --- | --- | --- |',
  ...checks,
]
process.stdout.write(`${body.join('\n')}\n`)
if (!args['no-docs']) writeSection('query', 'Queries', body.join('\n'))
