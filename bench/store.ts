// `npm run bench:store`: the store's append path against DuckDB's own, in one run, at two transaction
// sizes: 10,000 rows (the pipeline's default batch_max_events; DuckDB logs such a transaction to its
// WAL and writes it again at a checkpoint) and 131,072 rows (a bulk-load setting: over a row group,
// so DuckDB writes it compressed straight to the database file).
// (a) The baseline: DuckDB's appender fed pre-converted values of the same rows, and DuckDB's own
// ceiling (INSERT ... SELECT of the same rows, no JavaScript per row). (b) The duckdb sink's write()
// on the events it receives (decoded from log records, enriched), with its log position in the same
// transaction. (c) The whole processing path: the default topology consuming a pre-filled log into the
// store, with the pipeline's batches capped at each size. Target: store append >= 500 K rows/s.
// Rounds repeat each measurement because the shared machine's speed drifts; the median ratio counts.
// Writes the "Store" section of docs/benchmarks.md.
import { loadavg } from 'node:os'
import { pipelineSchema } from '../src/config/schema.ts'
import type { ClickEvent } from '../src/core/event.ts'
import { decodeEnvelope, eventRecord } from '../src/log/envelope.ts'
import { machine, revision, writeSection } from './lib/docs.ts'
import { withProcessingHeap } from './lib/processing-heap.ts'
import { enrichedEvent } from './lib/store-events.ts'
import { processingPath, type Rate, rawAppender, sinkWrite } from './lib/store-measure.ts'

withProcessingHeap()

/** The pipeline's default batch cap. */
const SMALL = pipelineSchema.parse({}).batch_max_events
/** Over a DuckDB row group (122,880 rows): what a bulk load may set. */
const LARGE = 131_072
const ROWS = Number(process.env.BENCH_STORE_ROWS ?? 3 * LARGE)
const ROUNDS = 3
const PIPELINE_EVENTS = Number(process.env.BENCH_STORE_PIPELINE_EVENTS ?? ROWS)
const TARGET = 500_000

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** Event `i` as the sink receives it: decoded from its log record, so its strings are the decoder's. */
function received(i: number): ClickEvent {
  const envelope = decodeEnvelope(eventRecord(enrichedEvent(i)).value)
  if (!('event' in envelope)) throw new Error('an event record decoded as a dead letter')
  return envelope.event
}

const loadBefore = loadavg()[0]!
const events = Array.from({ length: ROWS }, (_, i) => received(i))
const bytes = events.slice(0, 1000).reduce((s, e) => s + eventRecord(e).value.length, 0) / 1000
const compact =
  events.slice(0, 1000).reduce((s, e) => s + JSON.stringify(e, (_k, v) => v ?? undefined).length, 0) / 1000

interface Round {
  readonly raw: Record<number, Rate>
  readonly copy: Record<number, Rate>
  readonly sink: Record<number, Rate>
}
const rounds: Round[] = []
for (let round = 0; round < ROUNDS; round++) {
  const r: Round = { raw: {}, copy: {}, sink: {} }
  // Interleaved, so both sizes see the same drift of the machine's speed.
  for (const size of [SMALL, LARGE]) {
    const { appender, sqlCopy } = await rawAppender(events, size)
    r.raw[size] = appender
    r.copy[size] = sqlCopy
    r.sink[size] = await sinkWrite(events, size)
    process.stderr.write(
      `round ${round + 1}, ${fmt(size)}-row transactions: raw appender ${fmt(appender.rowsPerS)} rows/s, SQL copy ${fmt(sqlCopy.rowsPerS)} rows/s, sink ${fmt(r.sink[size]!.rowsPerS)} rows/s\n`,
    )
  }
  rounds.push(r)
}
const key = (r: Round) => r.sink[LARGE]!.rowsPerS / r.copy[LARGE]!.rowsPerS
rounds.sort((a, b) => key(a) - key(b))
const median = rounds[Math.floor(rounds.length / 2)]!
// (c) in rounds too, both caps interleaved: one run of each swung either way with the machine's load.
const paths: { small: { rate: number; stored: number }; large: { rate: number; stored: number } }[] = []
for (let round = 0; round < ROUNDS; round++) {
  const small = await processingPath(events.slice(0, PIPELINE_EVENTS), SMALL)
  const large = await processingPath(events.slice(0, PIPELINE_EVENTS))
  paths.push({ small, large })
  process.stderr.write(
    `round ${round + 1}, processing path: batches up to ${fmt(SMALL)} ${fmt(small.rate)} events/s, up to ${fmt(LARGE)} ${fmt(large.rate)} events/s\n`,
  )
}
const allStored = paths.every((p) => p.small.stored === PIPELINE_EVENTS && p.large.stored === PIPELINE_EVENTS)
const pathKey = (p: (typeof paths)[number]) => p.large.rate / p.small.rate
paths.sort((a, b) => pathKey(a) - pathKey(b))
const { small: pathSmall, large: pathLarge } = paths[Math.floor(paths.length / 2)]!
const loadAfter = loadavg()[0]!

const pass = (ok: boolean) => (ok ? 'pass' : 'BELOW TARGET')
const row = (what: string, size: number, r: Rate) =>
  `| ${what} | ${fmt(Math.min(size, ROWS))} | ${fmt(r.rowsPerS)} | ${fmt(r.rowsPerS / median.raw[size]!.rowsPerS, 2)} | ${fmt(r.cpuUsPerRow, 1)} | ${pass(r.rowsPerS >= TARGET)} |`
const pathRow = (what: string, size: number, rate: number) =>
  `| ${what} | up to ${fmt(size)} | ${fmt(rate)} | ${fmt(rate / median.raw[size]!.rowsPerS, 2)} | | ${pass(rate >= TARGET)} |`
const lines = [
  `| what | rows per transaction | rows/s | ratio to (a) at that size | CPU µs per row (all threads) | target ${fmt(TARGET)} rows/s |`,
  '| --- | ---: | ---: | ---: | ---: | --- |',
  ...[SMALL, LARGE].map((s) =>
    row('(a) baseline: DuckDB appender, pre-converted values, row by row', s, median.raw[s]!),
  ),
  ...[SMALL, LARGE].map((s) =>
    row("DuckDB's ceiling: INSERT ... SELECT of the same rows from memory", s, median.copy[s]!),
  ),
  ...[SMALL, LARGE].map((s) => row('(b) duckdb sink write()', s, median.sink[s]!)),
  pathRow(
    '(c) processing path: log -> default transforms -> sink (default batch_max_events)',
    SMALL,
    pathSmall.rate,
  ),
  pathRow('(c) processing path, batch_max_events raised for a bulk load', LARGE, pathLarge.rate),
]
const body = [
  `Latest run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, clickflow ${revision() ?? 'unknown'}, ${machine()}, load average ${loadBefore.toFixed(1)} at start and ${loadAfter.toFixed(1)} at end. Run with \`npm run bench:store\`.`,
  '',
  `Rows: ${fmt(ROWS)} enriched events as the sink receives them (decoded from their log records: ${fmt(bytes)} bytes each there, ${fmt(compact)} as compact JSON; ids, URLs, user agent, UTM, props on a third), into the events table of store/duckdb/schema.ts (41 columns, 33 of them text) in a fresh database file with the store's settings. Each measurement of (a), the ceiling and (b) ends with the CHECKPOINT that writes out what the WAL holds (the database's close for (b)). (a), the ceiling and (b) run in ${ROUNDS} rounds, both sizes interleaved; the table shows the round with the median ratio of (b) to the ceiling at ${fmt(LARGE)} rows (ratios: ${rounds.map((r) => fmt(key(r), 2)).join(', ')}). (c) runs over ${fmt(PIPELINE_EVENTS)} events appended to the log beforehand (as the collector writes them: enrichment fields empty), from the processing role's start until the pipeline committed the last offset, in ${ROUNDS} rounds of both batch caps; the table shows the round with the median ratio of the large cap to the small (ratios: ${paths.map((p) => fmt(pathKey(p), 2)).join(', ')}); ${allStored ? `every run stored all ${fmt(PIPELINE_EVENTS)} rows` : 'SOME RUNS DID NOT STORE EVERY EVENT'}. CPU is the process's user + system time over the measurement, DuckDB's threads included.`,
  '',
  ...lines,
]
process.stdout.write(`${body.join('\n')}\n`)
writeSection('store', 'Store', body.join('\n'))
if (!allStored) {
  const stored = paths.flatMap((p) => [p.small.stored, p.large.stored])
  process.stderr.write(`processing path runs stored ${stored.join(', ')} of ${PIPELINE_EVENTS} events\n`)
  process.exitCode = 1
}
