// The duckdb sink.
import type { SinkSpec } from '../../core/component.ts'
import { type DuckdbSinkConfig, duckdbSinkConfig } from './config.ts'
import { eventAppender } from './encode.ts'
import { DuckdbSink } from './sink.ts'

/** Spec of the `duckdb` sink. */
export const duckdbSink: SinkSpec<DuckdbSinkConfig> = {
  kind: 'sink',
  type: 'duckdb',
  description: 'Stores events (and dead letters) in DuckDB, exactly once, where the API and SQL read them.',
  config: duckdbSinkConfig,
  build: async (config, ctx) => {
    const db = await ctx.openDuckdb(config.path)
    const conn = await db.connect()
    const columns = (
      await conn.runAndReadAll(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'events' AND schema_name = 'main' ORDER BY column_index",
      )
    )
      .getRows()
      .map((r) => String(r[0]))
    return new DuckdbSink(config, db, conn, ctx, eventAppender(columns))
  },
}
