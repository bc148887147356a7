// `npm run bench:store`: the store's append path against DuckDB's own appender, in one run. (a) The
// baseline: DuckDB's appender fed pre-converted values of the same rows, same table, batches of
// 10,000 in one transaction each, and DuckDB's own ceiling (INSERT ... SELECT of the same rows, no
// JavaScript per row). (b) The duckdb sink's write() on enriched events (what the
// transforms hand it), with its log position in the same transaction. (c) The whole processing path:
// the default topology consuming a pre-filled log into the store. Target: store append >= 500 K
// rows/s. Rounds pair (a) and (b) because the shared machine's speed drifts; the median ratio counts.
// Writes the "Store" section of docs/benchmarks.md.
import { loadavg } from 'node:os'
import { machine, revision, writeSection } from './lib/docs.ts'
import { enrichedEvent } from './lib/store-events.ts'
import { processingPath, rawAppender, sinkWrite } from './lib/store-measure.ts'

const ROWS = Number(process.env.BENCH_STORE_ROWS ?? 200_000)
const BATCH = 10_000
const ROUNDS = 3
const PIPELINE_EVENTS = Number(process.env.BENCH_STORE_PIPELINE_EVENTS ?? 200_000)
const TARGET = 500_000

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

const loadBefore = loadavg()[0]!
const events = Array.from({ length: ROWS }, (_, i) => enrichedEvent(i))
const bytes = events.slice(0, 1000).reduce((s, e) => s + JSON.stringify(e).length, 0) / 1000
const compact =
  events.slice(0, 1000).reduce((s, e) => s + JSON.stringify(e, (_k, v) => v ?? undefined).length, 0) / 1000

const rounds: { raw: number; copy: number; sink: number }[] = []
for (let round = 0; round < ROUNDS; round++) {
  const { appender: raw, sqlCopy: copy } = await rawAppender(events, BATCH)
  const sink = await sinkWrite(events, BATCH)
  rounds.push({ raw, copy, sink })
  process.stderr.write(
    `round ${round + 1}: raw appender ${fmt(raw)} rows/s, SQL copy ${fmt(copy)} rows/s, sink ${fmt(sink)} rows/s\n`,
  )
}
rounds.sort((a, b) => a.sink / a.raw - b.sink / b.raw)
const median = rounds[Math.floor(rounds.length / 2)]!
const path = await processingPath(events.slice(0, PIPELINE_EVENTS))
const loadAfter = loadavg()[0]!

const pass = (ok: boolean) => (ok ? 'pass' : 'BELOW TARGET')
const lines = [
  `| what | rows/s | ratio to the raw appender | target ${fmt(TARGET)} rows/s |`,
  '| --- | ---: | ---: | --- |',
  `| (a) baseline: DuckDB appender, pre-converted values, row by row | ${fmt(median.raw)} | 1.00 | ${pass(median.raw >= TARGET)} |`,
  `| DuckDB's ceiling: INSERT ... SELECT of the same rows from a temp table, same batches | ${fmt(median.copy)} | ${fmt(median.copy / median.raw, 2)} | ${pass(median.copy >= TARGET)} |`,
  `| (b) duckdb sink write(), batches of ${fmt(BATCH)} | ${fmt(median.sink)} | ${fmt(median.sink / median.raw, 2)} | ${pass(median.sink >= TARGET)} |`,
  `| (c) processing path: log -> default transforms -> sink | ${fmt(path.rate)} | ${fmt(path.rate / median.raw, 2)} | ${pass(path.rate >= TARGET)} |`,
]
const body = [
  `Latest run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, clickflow ${revision() ?? 'unknown'}, ${machine()}, load average ${loadBefore.toFixed(1)} at start and ${loadAfter.toFixed(1)} at end. Run with \`npm run bench:store\`.`,
  '',
  `Rows: ${fmt(ROWS)} enriched events (${fmt(compact)} bytes each as compact JSON, ${fmt(bytes)} with every null field; ids, URLs, user agent, UTM, props on a third), into the events table of store/duckdb/schema.ts (41 columns) in a fresh database file with the store's settings, one transaction per batch of ${fmt(BATCH)}. (a), the ceiling and (b) run in ${ROUNDS} rounds, each a fresh database; the table shows the round with the median ratio (ratios: ${rounds.map((r) => fmt(r.sink / r.raw, 2)).join(', ')}). (c) is one run over ${fmt(PIPELINE_EVENTS)} events appended to the log beforehand (as the collector writes them: enrichment fields empty), from the processing role's start until the pipeline committed the last offset; ${fmt(path.stored)} rows stored.`,
  '',
  ...lines,
]
process.stdout.write(`${body.join('\n')}\n`)
writeSection('store', 'Store', body.join('\n'))
if (path.stored !== PIPELINE_EVENTS) {
  process.stderr.write(`processing path stored ${path.stored} of ${PIPELINE_EVENTS} events\n`)
  process.exitCode = 1
}
