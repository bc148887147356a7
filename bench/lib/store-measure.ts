// The measurements of `npm run bench:store`, each into a fresh database opened with the settings the
// store uses: (a) DuckDB's appender fed pre-converted values row by row (the baseline) and DuckDB's
// own INSERT ... SELECT of the same rows, (b) the duckdb sink's write(), (c) the whole processing path
// from a pre-filled log into the store. (a) and (b) take the transaction size as a parameter: DuckDB
// logs a transaction smaller than a row group (122,880 rows) to its WAL and writes a larger one
// straight to the database file, so the two sizes are two different write paths.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBAppender, DuckDBTimestampValue } from '@duckdb/node-api'
import { loadConfig } from '../../src/config/load.ts'
import { storeSchema } from '../../src/config/schema.ts'
import { ManualClock, systemClock } from '../../src/core/clock.ts'
import type { BuildContext, Sink } from '../../src/core/component.ts'
import type { ClickEvent } from '../../src/core/event.ts'
import { EVENTS_TOPIC, eventRecord } from '../../src/log/envelope.ts'
import { openLog } from '../../src/log/open-log.ts'
import { duckdbSink } from '../../src/sinks/duckdb/index.ts'
import { openDatabase } from '../../src/store/duckdb/database.ts'
import { EVENT_COLUMNS, SCHEMA_DDL } from '../../src/store/duckdb/schema.ts'
import { createLogger } from '../../src/telemetry/logger.ts'
import { Metrics } from '../../src/telemetry/metrics.ts'
import { builtinRegistry } from '../../src/topology/builtin-registry.ts'
import { PIPELINE_GROUP, startProcessing } from '../../src/topology/processing.ts'

/** The default config's store settings (its memory_limit, all cores), the same for every measurement. */
const DB_OPTIONS = { memoryLimit: storeSchema.parse({}).memory_limit, allowedDirectories: [] }

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9

/** CPU seconds of the whole process (the JavaScript thread and DuckDB's threads) since `u0`. */
const cpuSeconds = (u0: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(u0)
  return (u.user + u.system) / 1e6
}

/** A rate: rows per second of wall time, and microseconds of CPU (all threads) per row. */
export interface Rate {
  readonly rowsPerS: number
  readonly cpuUsPerRow: number
}

function rate(rows: number, t0: bigint, u0: NodeJS.CpuUsage): Rate {
  return { rowsPerS: rows / seconds(t0), cpuUsPerRow: (cpuSeconds(u0) * 1e6) / rows }
}

async function tempDir(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `clickflow-bench-store-${name}-`))
}

type Cell = string | DuckDBTimestampValue | boolean | null

/**
 * (a) The appender fed pre-built values row by row, one transaction per batch; and DuckDB's own
 * ceiling: the same rows copied by INSERT ... SELECT from in-memory temporary tables (one per batch,
 * distinct rows, filled beforehand) into an empty table of the same schema, one transaction per
 * batch, so no JavaScript runs per row. The appender's table is written out (CHECKPOINT) before the
 * copy starts, and each measurement ends with a CHECKPOINT, so neither leaves work to the other.
 */
export async function rawAppender(
  events: readonly ClickEvent[],
  batch: number,
): Promise<{ appender: Rate; sqlCopy: Rate }> {
  // Converted up front: the baseline is DuckDB's own append path, not our encoding.
  const rows: Cell[][] = events.map((e) =>
    EVENT_COLUMNS.map(([name, type]): Cell => {
      const v = e[name]
      if (type.startsWith('BOOLEAN')) return v === true
      if (v === null) return null
      if (type.startsWith('TIMESTAMP')) return new DuckDBTimestampValue(BigInt(v as number) * 1000n)
      return type === 'JSON' ? JSON.stringify(v) : String(v)
    }),
  )
  const dir = await tempDir('raw')
  const db = await openDatabase(join(dir, 'raw.duckdb'), DB_OPTIONS)
  const c = await db.connect()
  try {
    let t0 = process.hrtime.bigint()
    let u0 = process.cpuUsage()
    for (let i = 0; i < rows.length; i += batch) {
      await c.run('BEGIN TRANSACTION')
      const a = await c.createAppender('events')
      for (let r = i; r < Math.min(rows.length, i + batch); r++) appendRow(a, rows[r]!)
      a.flushSync()
      a.closeSync()
      await c.run('COMMIT')
    }
    await c.run('CHECKPOINT')
    const appender = rate(rows.length, t0, u0)
    const events = SCHEMA_DDL[0]!
    if (!events.startsWith('CREATE TABLE IF NOT EXISTS events ('))
      throw new Error('schema.ts no longer creates the events table first')
    await c.run(events.replace('events (', 'events_copy ('))
    const batches = Math.ceil(rows.length / batch)
    for (let k = 0; k < batches; k++) {
      await c.run(
        `CREATE TEMP TABLE batch_${k} AS SELECT * FROM events WHERE rowid >= ${k * batch} AND rowid < ${(k + 1) * batch}`,
      )
    }
    t0 = process.hrtime.bigint()
    u0 = process.cpuUsage()
    for (let k = 0; k < batches; k++) {
      await c.run('BEGIN TRANSACTION')
      await c.run(`INSERT INTO events_copy SELECT * FROM batch_${k}`)
      await c.run('COMMIT')
    }
    await c.run('CHECKPOINT')
    return { appender, sqlCopy: rate(rows.length, t0, u0) }
  } finally {
    c.closeSync()
    await db.release()
    await rm(dir, { recursive: true, force: true })
  }
}

function appendRow(a: DuckDBAppender, row: readonly Cell[]): void {
  for (const v of row) {
    if (v === null) a.appendNull()
    else if (typeof v === 'string') a.appendVarchar(v)
    else if (typeof v === 'boolean') a.appendBoolean(v)
    else a.appendTimestamp(v)
  }
  a.endRow()
}

/**
 * (b) The duckdb sink's write() in batches of `batch`, each with its log position (one transaction),
 * then the database's close, whose CHECKPOINT writes out what small transactions left in the WAL.
 */
export async function sinkWrite(events: readonly ClickEvent[], batch: number): Promise<Rate> {
  const dir = await tempDir('sink')
  const metrics = new Metrics({ defaultMetrics: false })
  const ctx: BuildContext = {
    id: 'store',
    type: 'duckdb',
    log: createLogger({ level: 'silent' }),
    metrics: metrics.component('store', 'duckdb', 'sink'),
    registry: metrics,
    clock: new ManualClock(),
    dataDir: dir,
    openDuckdb: (p?: string) => openDatabase(p ?? join(dir, 'sink.duckdb'), DB_OPTIONS),
  }
  const sink: Sink = await duckdbSink.build(duckdbSink.config.parse({}), ctx)
  let closed = false
  try {
    const signal = new AbortController().signal
    const t0 = process.hrtime.bigint()
    const u0 = process.cpuUsage()
    for (let i = 0; i < events.length; i += batch) {
      const end = Math.min(events.length, i + batch)
      const position = { topic: EVENTS_TOPIC, offsets: { 0: end } }
      await sink.write({ events: events.slice(i, end), deadLetters: [] }, { signal, position })
    }
    closed = true
    await sink.close()
    return rate(events.length, t0, u0)
  } finally {
    if (!closed) await sink.close().catch(() => undefined)
    await rm(dir, { recursive: true, force: true })
  }
}

/** What the collector appends for an enriched event: the fields the transforms fill are still empty. */
function collected(e: ClickEvent): ClickEvent {
  return {
    ...e,
    page_host: null,
    page_path: null,
    page_query: null,
    referrer_host: null,
    channel: null,
    country: null,
    browser: null,
    browser_version: null,
    os: null,
    os_version: null,
    device_type: null,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
  }
}

/**
 * (c) Events per second of the processing role (the default topology: log -> validate -> dedupe ->
 * user agent -> geo -> referrer -> anonymize IP -> duckdb sink) consuming a log filled beforehand,
 * from start until the pipeline committed the last offset, with the pipeline's batches at most
 * `batchMaxEvents` (the default config's when absent). Also returns the rows stored.
 */
export async function processingPath(
  events: readonly ClickEvent[],
  batchMaxEvents?: number,
): Promise<{ rate: number; stored: number }> {
  const dir = await tempDir('pipeline')
  const logger = createLogger({ level: 'silent' })
  const loaded = loadConfig({
    env: {},
    registry: builtinRegistry(),
    overrides: { dataDir: dir, adminPort: 0, collectPort: 0 },
  })
  const config =
    batchMaxEvents === undefined
      ? loaded
      : {
          ...loaded,
          global: {
            ...loaded.global,
            pipeline: { ...loaded.global.pipeline, batch_max_events: batchMaxEvents },
          },
        }
  const log = await openLog(config.global.log, dir, logger)
  try {
    for (let i = 0; i < events.length; i += 1000) {
      const records = events.slice(i, i + 1000).map((e) => eventRecord(collected(e)))
      await log.append(EVENTS_TOPIC, records)
    }
    const end = await log.endOffsets(EVENTS_TOPIC)
    const total = Object.values(end).reduce((s, o) => s + o, 0)
    const metrics = new Metrics({ defaultMetrics: false })
    const t0 = process.hrtime.bigint()
    const processing = await startProcessing(config, { logger, metrics, clock: systemClock }, log)
    let done = 0
    while (done < total) {
      await new Promise((r) => setTimeout(r, 5))
      done = Object.values(await log.committed(EVENTS_TOPIC, PIPELINE_GROUP)).reduce((s, o) => s + o, 0)
    }
    const rate = total / seconds(t0)
    await processing.stop(0)
    const db = await openDatabase(join(dir, 'store', 'clickflow.duckdb'), DB_OPTIONS)
    const c = await db.connect()
    const stored = Number((await c.runAndReadAll('SELECT count(*) FROM events')).getRows()[0]![0])
    c.closeSync()
    await db.release()
    return { rate, stored }
  } finally {
    await log.close()
    await rm(dir, { recursive: true, force: true })
  }
}
