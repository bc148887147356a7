// The duckdb sink.
import type { SinkSpec } from '../../core/component.ts'
import { type DuckdbSinkConfig, duckdbSinkConfig } from './config.ts'
import { DuckdbSink } from './sink.ts'

/** Spec of the `duckdb` sink. */
export const duckdbSink: SinkSpec<DuckdbSinkConfig> = {
  kind: 'sink',
  type: 'duckdb',
  description: 'Stores events (and dead letters) in DuckDB, exactly once, where the API and SQL read them.',
  config: duckdbSinkConfig,
  build: async (config, ctx) => {
    const db = await ctx.openDuckdb(config.path)
    return new DuckdbSink(config, db, await db.connect(), ctx)
  },
}
