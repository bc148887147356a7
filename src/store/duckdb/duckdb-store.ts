// The DuckDB query store: user SQL runs read-only, with a row limit and a timeout, on its own
// connection to the database the duckdb sink writes.
import { randomUUID } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { RequestError } from '../../core/errors.ts'
import type { ExportFormat, ExportResult, QueryResult, Store } from '../store.ts'
import type { Database } from './database.ts'
import { readResult } from './result.ts'
import { checkReadOnly, sqlError } from './sql-guard.ts'

/** Limits of user SQL. */
export interface DuckdbStoreOptions {
  readonly timeoutMs: number
  readonly maxRows: number
}

/** {@link Store} over a shared DuckDB database. */
export class DuckdbStore implements Store {
  readonly #db: Database
  readonly #options: DuckdbStoreOptions

  constructor(db: Database, options: DuckdbStoreOptions) {
    this.#db = db
    this.#options = options
  }

  async sql(query: string): Promise<QueryResult> {
    const started = performance.now()
    return this.#limited(async (conn) => {
      await checkReadOnly(conn, query)
      // Planned and run in one step (see checkReadOnly): the plan's statistics then cover every
      // row the query's snapshot can see.
      const reader = await conn.runAndReadUntil(query, this.#options.maxRows + 1)
      const result = readResult(reader, this.#options.maxRows)
      return { ...result, elapsed_ms: Math.round((performance.now() - started) * 10) / 10 }
    })
  }

  async sqlExport(query: string, format: ExportFormat): Promise<ExportResult> {
    return this.#limited(async (conn) => {
      await checkReadOnly(conn, query)
      // The checked text goes inside a subquery on lines of its own (a trailing `--` comment cannot
      // swallow what follows), and the wrapped SELECT is checked again as a whole.
      const inner = query.trim().replace(/;+\s*$/, '')
      const max = this.#options.maxRows
      const limited = `SELECT * FROM (\n${inner}\n) LIMIT ${max}`
      await checkReadOnly(conn, limited)
      // DuckDB writes the file itself, into the database's temp folder (one of allowed_directories:
      // external access is otherwise off), and it is read back and removed at once.
      const file = join(dirname(this.#db.path), 'tmp', `export-${randomUUID()}.${format}`)
      const options = format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT parquet, COMPRESSION zstd'
      try {
        const copied = await conn.runAndReadAll(
          `COPY (${limited}\n) TO '${file.replaceAll("'", "''")}' (${options})`,
        )
        const rows = Number(copied.getRowsJson()[0]?.[0] ?? 0)
        let truncated = false
        if (rows === max) {
          const more = await conn.runAndReadAll(
            `SELECT count(*) FROM (SELECT 1 FROM (\n${inner}\n) LIMIT 1 OFFSET ${max})`,
          )
          truncated = Number(more.getRowsJson()[0]?.[0]) > 0
        }
        return { data: await readFile(file), rows, truncated }
      } finally {
        await rm(file, { force: true })
      }
    })
  }

  /** Runs `work` on a fresh connection that is interrupted after the timeout. */
  async #limited<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    // A connection per query: cheap in DuckDB, and an interrupt stops only this query.
    const conn = await this.#db.connect()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      conn.interrupt()
    }, this.#options.timeoutMs)
    try {
      return await work(conn)
    } catch (err) {
      if (timedOut) {
        throw new RequestError(
          400,
          'query_timeout',
          `the query ran longer than ${this.#options.timeoutMs} ms and was stopped; narrow it (time range, LIMIT) and try again`,
        )
      }
      if (err instanceof RequestError) throw err
      throw sqlError(err)
    } finally {
      clearTimeout(timer)
      conn.closeSync()
    }
  }

  async healthcheck(): Promise<void> {
    const conn = await this.#db.connect()
    try {
      await conn.run('SELECT 1')
    } finally {
      conn.closeSync()
    }
  }

  async close(): Promise<void> {
    await this.#db.release()
  }
}
