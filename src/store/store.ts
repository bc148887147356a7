// The query store interface the API uses. DuckDB fills it on one node; ClickHouse will fill it when
// one machine is not enough. Dialect-specific SQL stays inside each implementation.

/** A column of a result. */
export interface ResultColumn {
  readonly name: string
  readonly type: string
}

/** Rows of a query, JSON-ready: integers as numbers (strings beyond 2^53), timestamps as ISO 8601 UTC. */
export interface QueryResult {
  readonly columns: readonly ResultColumn[]
  readonly rows: readonly (readonly unknown[])[]
  /** True when the row limit cut the result. */
  readonly truncated: boolean
  readonly elapsed_ms: number
}

/** File formats a query result can be exported in. */
export type ExportFormat = 'csv' | 'parquet'

/** A query result as a file. */
export interface ExportResult {
  readonly data: Buffer
  readonly rows: number
  /** True when the row limit cut the result. */
  readonly truncated: boolean
}

/** What the API can ask of a store. */
export interface Store {
  /** Runs one read-only SQL statement; throws RequestError (400) for anything else or for bad SQL. */
  sql(query: string): Promise<QueryResult>
  /** Runs the same kind of statement and returns the result as a CSV (with header) or Parquet file. */
  sqlExport(query: string, format: ExportFormat): Promise<ExportResult>
  healthcheck(): Promise<void>
  close(): Promise<void>
}
