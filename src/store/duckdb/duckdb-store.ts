// The DuckDB query store: user SQL runs read-only, with a row limit and a timeout, on its own
// connection to the database the duckdb sink writes.
import { RequestError } from '../../core/errors.ts'
import type { QueryResult, Store } from '../store.ts'
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
    // A connection per query: cheap in DuckDB, and an interrupt stops only this query.
    const conn = await this.#db.connect()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      conn.interrupt()
    }, this.#options.timeoutMs)
    try {
      await checkReadOnly(conn, query)
      // Planned and run in one step (see checkReadOnly): the plan's statistics then cover every
      // row the query's snapshot can see.
      const reader = await conn.runAndReadUntil(query, this.#options.maxRows + 1)
      const result = readResult(reader, this.#options.maxRows)
      return { ...result, elapsed_ms: Math.round((performance.now() - started) * 10) / 10 }
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
