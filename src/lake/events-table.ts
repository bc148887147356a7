// The lake's events table: where it lives, its Delta schema (the store's event columns plus the
// `day` partition column), and the SELECT that turns store rows into the Parquet columns.
import { join } from 'node:path'
import { EVENT_COLUMNS } from '../store/duckdb/schema.ts'

/** The table's folder under the data directory. */
export function eventsTableRoot(dataDir: string): string {
  return join(dataDir, 'lake', 'events')
}

/** The partition column: the UTC day of `event_time`, as Hive folders `day=YYYY-MM-DD`. */
export const PARTITION_COLUMN = 'day'

function deltaType(duckdbType: string): string {
  const t = duckdbType.replace(' NOT NULL', '')
  if (t === 'TIMESTAMP') return 'timestamp'
  if (t === 'BOOLEAN') return 'boolean'
  if (t === 'BIGINT') return 'long'
  if (t === 'INTEGER') return 'integer'
  // VARCHAR, and JSON (props) which the files hold as text.
  return 'string'
}

/** The Delta schemaString (Spark's StructType JSON) of the table. */
export function eventsSchemaString(): string {
  const fields: { name: string; type: string; nullable: boolean; metadata: object }[] = EVENT_COLUMNS.map(
    ([name, type]) => ({
      name,
      type: deltaType(type),
      // Nullable as Spark declares what it writes: DuckDB's Parquet columns are all optional, and
      // columns added to the store later are null in older files.
      nullable: true,
      metadata: {},
    }),
  )
  fields.push({ name: PARTITION_COLUMN, type: 'date', nullable: true, metadata: {} })
  return JSON.stringify({ type: 'struct', fields })
}

/**
 * The column list that turns store rows into file rows. Timestamps become UTC-adjusted Parquet
 * timestamps (TIMESTAMPTZ), which Spark, Trino and pandas read as instants; `timezone('UTC', ...)`
 * does not depend on the session's time zone. `props` is written as JSON text.
 */
export function exportColumns(): string {
  return EVENT_COLUMNS.map(([name, type]) => {
    const t = type.replace(' NOT NULL', '')
    if (t === 'TIMESTAMP') return `timezone('UTC', "${name}") AS "${name}"`
    if (t === 'JSON') return `"${name}"::VARCHAR AS "${name}"`
    return `"${name}"`
  }).join(', ')
}

/** Columns whose min and max go into each file's stats (small, and what range queries filter on). */
export const STATS_MIN_MAX = ['event_time', 'received_at'] as const

/** `YYYY-MM-DD` or throws. */
export function checkDay(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))
    throw new RangeError(`"${day}" is not a day; use YYYY-MM-DD`)
  return day
}
