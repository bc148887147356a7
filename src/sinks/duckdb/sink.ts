// The duckdb sink: appends each batch with DuckDB's appender inside one transaction that also
// records the log position reached, so a restart neither loses nor repeats a batch (exactly once).
import type { DuckDBConnection } from '@duckdb/node-api'
import type { BuildContext, LogPosition, Sink, SinkBatch, SinkWriteContext } from '../../core/component.ts'
import { errorMessage, SinkError } from '../../core/errors.ts'
import type { Database } from '../../store/duckdb/database.ts'
import type { DuckdbSinkConfig } from './config.ts'
import { appendDeadLetter, type EventAppender } from './encode.ts'

/**
 * DuckDB errors that repeating cannot fix: the batch itself is at fault. The appender reports a
 * missing required value as "Failed to append: NOT NULL constraint failed: ...", without the
 * "Constraint Error" prefix, which made such a batch retried forever.
 */
const PERMANENT = /^(Conversion|Constraint|Invalid Input|Binder|Parser) Error|NOT NULL constraint failed/

function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

/** The running duckdb sink. */
export class DuckdbSink implements Sink {
  readonly keepsDeadLetters: boolean
  readonly #db: Database
  readonly #conn: DuckDBConnection
  readonly #ctx: BuildContext
  readonly #appendEvent: EventAppender
  readonly #storeDuplicates: boolean
  /** One batch at a time: DuckDB transactions on one connection do not interleave. */
  #queue: Promise<void> = Promise.resolve()

  constructor(
    cfg: DuckdbSinkConfig,
    db: Database,
    conn: DuckDBConnection,
    ctx: BuildContext,
    appendEvent: EventAppender,
  ) {
    this.keepsDeadLetters = cfg.dead_letters
    this.#storeDuplicates = cfg.store_duplicates
    this.#appendEvent = appendEvent
    this.#db = db
    this.#conn = conn
    this.#ctx = ctx
  }

  async healthcheck(): Promise<void> {
    await this.#conn.run('SELECT 1')
  }

  write(batch: SinkBatch, ctx: SinkWriteContext): Promise<void> {
    const run = this.#queue.then(() => this.#write(batch, ctx.position))
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #write(batch: SinkBatch, position: LogPosition): Promise<void> {
    const c = this.#conn
    try {
      await c.run('BEGIN TRANSACTION')
      const events = this.#storeDuplicates ? batch.events : batch.events.filter((e) => !e.is_duplicate)
      if (events.length < batch.events.length)
        this.#ctx.metrics.discarded('duplicate', batch.events.length - events.length)
      if (events.length > 0) {
        const a = await c.createAppender('events')
        this.#appendEvent(a, events)
        a.flushSync()
        a.closeSync()
      }
      if (this.keepsDeadLetters && batch.deadLetters.length > 0) {
        const a = await c.createAppender('dead_letters')
        const now = this.#ctx.clock.now()
        for (const d of batch.deadLetters) appendDeadLetter(a, d, now)
        a.flushSync()
        a.closeSync()
      }
      const rows = Object.entries(position.offsets).map(
        ([p, o]) => `(${quote(this.#ctx.id)}, ${quote(position.topic)}, ${Number(p)}, ${Number(o)})`,
      )
      if (rows.length > 0)
        await c.run(`INSERT OR REPLACE INTO clickflow_sink_positions VALUES ${rows.join(', ')}`)
      await c.run('COMMIT')
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined)
      const message = errorMessage(err)
      throw new SinkError(
        'duckdb_write_failed',
        `writing to ${this.#db.path} failed: ${message}`,
        !PERMANENT.test(message),
        {
          cause: err,
        },
      )
    }
  }

  async storedPosition(topic: string): Promise<LogPosition | null> {
    const r = await this.#conn.runAndReadAll(
      `SELECT log_partition, next_offset FROM clickflow_sink_positions WHERE sink_id = ${quote(this.#ctx.id)} AND topic = ${quote(topic)}`,
    )
    const rows = r.getRows()
    if (rows.length === 0) return null
    const offsets: Record<number, number> = {}
    for (const [p, o] of rows) offsets[Number(p)] = Number(o)
    return { topic, offsets }
  }

  async close(): Promise<void> {
    await this.#queue
    this.#conn.closeSync()
    await this.#db.release()
  }
}
