// The global settings of a clickflow config file (everything but the components, whose schemas live
// with each component). Strict: unknown keys are errors.
import { z } from 'zod'
import { lakeSchema } from '../lake/config.ts'

/** Embedded log settings. */
export const logSchema = z
  .strictObject({
    type: z
      .literal('segment')
      .default('segment')
      .describe('Log implementation; `segment` is the embedded log (Kafka record batches in segment files).'),
    dir: z.string().min(1).optional().describe('Directory of the log; default `<data_dir>/log`.'),
    partitions: z
      .number()
      .int()
      .min(1)
      .max(256)
      .optional()
      .describe(
        'Partitions of a topic when it is created (existing topics keep theirs); default: the available cores, clamped to 2..8.',
      ),
    flush_interval_ms: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(0)
      .describe(
        'Extra wait for more appends before each write+fsync cycle (group commit); 0 starts a cycle as soon as the previous fsync ends.',
      ),
    max_batch_bytes: z
      .number()
      .int()
      .min(1024)
      .default(8 * 1024 * 1024)
      .describe('Most record bytes one write+fsync cycle takes, over all partitions.'),
    segment_bytes: z
      .number()
      .int()
      .min(4096)
      .max(1024 * 1024 * 1024)
      .default(128 * 1024 * 1024)
      .describe('A partition starts a new segment file when the active one would grow past this.'),
    segment_ms: z
      .number()
      .int()
      .min(1)
      .default(24 * 3600 * 1000)
      .describe('A partition starts a new segment at its next append once the active one is this old.'),
    retention_ms: z
      .number()
      .int()
      .min(1)
      .nullable()
      .default(7 * 24 * 3600 * 1000)
      .describe('Segments whose newest record is older than this are deleted; `null` keeps them forever.'),
    retention_bytes: z
      .number()
      .int()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        'Oldest segments are deleted while a topic (all partitions) holds more; `null`: no size limit.',
      ),
    compression: z
      .enum(['none', 'gzip', 'lz4'])
      .default('none')
      .describe('Compression of each record batch (Kafka codes: gzip 1, lz4 3).'),
    offset_reset: z
      .enum(['earliest', 'latest', 'fail'])
      .default('earliest')
      .describe(
        'What a consumer does when its committed offset is no longer in the log (deleted by retention): `earliest` goes on at the oldest record kept, `latest` at the end, `fail` stops consuming (not ready) until someone acts. Either reset logs a warning with the records skipped.',
      ),
  })
  .describe('The durable log every source writes to.')

/** Admin listener (API, dashboard, metrics). */
export const apiSchema = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('Address to bind; anything but loopback requires a token.'),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(8291)
      .describe('Port of the admin listener (0 picks a free one).'),
    token: z
      .string()
      .min(16, 'an admin token must have at least 16 characters')
      .optional()
      .describe(
        'When set, every admin request but /healthz and /readyz needs `Authorization: Bearer <token>`.',
      ),
  })
  .describe('The admin listener: query API, SQL, dashboard, /metrics, /healthz, /readyz.')

/** Query store. */
export const storeSchema = z
  .strictObject({
    type: z.literal('duckdb').default('duckdb').describe('Query backend.'),
    path: z
      .string()
      .min(1)
      .optional()
      .describe('DuckDB database file; default `<data_dir>/store/clickflow.duckdb`.'),
    sql_timeout_ms: z
      .number()
      .int()
      .min(10)
      .default(10_000)
      .describe('A SQL query running longer is interrupted.'),
    sql_max_rows: z.number().int().min(1).default(10_000).describe('Most rows a SQL query returns.'),
    memory_limit: z
      .string()
      .default('1280MB')
      .describe(
        "DuckDB's memory limit (e.g. `2GB`): its buffer cache and the working memory of queries, which spill larger steps to the data dir's `tmp` folder. The default keeps the whole node within about 2 GB, leaving room for the collector's, processor's and live view's own memory.",
      ),
    threads: z.number().int().min(1).optional().describe('DuckDB worker threads; default: all cores.'),
    retention_events_days: z
      .number()
      .int()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        'Events whose event time is older than this many days are deleted from the store; `null` keeps them.',
      ),
    retention_sessions_days: z
      .number()
      .int()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        'Sessions that ended more than this many days ago are deleted from the store; `null` keeps them.',
      ),
    retention_interval_ms: z
      .number()
      .int()
      .min(1000)
      .default(60 * 60 * 1000)
      .describe('How often retention runs (when either retention setting is set).'),
  })
  .describe('The store the API queries.')

/** How the pipeline moves events from the log to the transforms and sinks. */
export const pipelineSchema = z
  .strictObject({
    batch_max_events: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(10_000)
      .describe(
        'Most events per batch handed to sinks. A batch is what the log holds, up to this: small while the pipeline keeps up, this large while it works off a backlog. Over 122,880 (a DuckDB row group) a batch is written compressed straight to the store file instead of through its write-ahead log, 1.1-1.6x faster for the store sink, but the whole processing path gained ~3% in our runs while memory rose by ~400 MB and the admin API waited up to a second behind each large batch; raise it for bulk loads.',
      ),
    min_batch_interval_ms: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(100)
      .describe(
        'Least time between the starts of two batches: small batches wait to grow (adds at most this much latency).',
      ),
    poll_timeout_ms: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe('Longest wait for new log records before a poll returns.'),
    retry_initial_ms: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe('First backoff after a retryable sink error.'),
    retry_max_ms: z.number().int().min(1).default(10_000).describe('Longest backoff between sink retries.'),
  })
  .describe('Batching and retries between the log and the sinks.')

/** How `clickflow start` lays its roles out over threads and processes. */
export const runtimeSchema = z
  .strictObject({
    processing: z
      .enum(['thread', 'process'])
      .default('thread')
      .describe(
        "Where the processing role (pipeline, transforms, sinks, DuckDB, admin listener) runs: `thread` is a worker thread of the collector's process; `process` is a child process at lower priority, so the collector's memory is its own and a crash or out-of-memory of the processing side (DuckDB included) leaves the collector acknowledging; the child is restarted with backoff and resumes from the committed offsets, and it exits by itself when the collector's process dies.",
      ),
  })
  .describe('How the roles of `clickflow start` run.')

/** A component entry before its own schema is applied: a type, maybe inputs, and its settings. */
export const componentEntrySchema = z.looseObject({
  type: z.string().min(1, 'type must be a component type name'),
})

/** A `sources` / `transforms` / `sinks` section: components keyed by snake_case id. */
export const componentsSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_]*$/, 'component ids are snake_case: lowercase letters, digits and _'),
  componentEntrySchema,
)

/** The whole file, with components still unparsed. */
export const configFileSchema = z.strictObject({
  data_dir: z.string().min(1).default('./clickflow-data').describe('Where all data lives.'),
  log_level: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
    .default('info')
    .describe('Log verbosity.'),
  log: logSchema.default(logSchema.parse({})),
  api: apiSchema.default(apiSchema.parse({})),
  store: storeSchema.default(storeSchema.parse({})),
  pipeline: pipelineSchema.default(pipelineSchema.parse({})),
  lake: lakeSchema.default(lakeSchema.parse({})),
  runtime: runtimeSchema.default(runtimeSchema.parse({})),
  sources: componentsSchema.default({}),
  transforms: componentsSchema.default({}),
  sinks: componentsSchema.default({}),
})

/** The parsed config file (components unparsed). */
export type ConfigFile = z.infer<typeof configFileSchema>
/** Global log settings. */
export type LogConfig = z.infer<typeof logSchema>
/** Admin listener settings. */
export type ApiConfig = z.infer<typeof apiSchema>
/** Store settings. */
export type StoreConfig = z.infer<typeof storeSchema>
/** Pipeline settings. */
export type PipelineConfig = z.infer<typeof pipelineSchema>
/** Runtime layout settings. */
export type RuntimeConfig = z.infer<typeof runtimeSchema>
