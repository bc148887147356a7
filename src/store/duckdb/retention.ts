// Retention by age in the DuckDB store: events older than `events_days` (by event time) and
// sessions that ended more than `sessions_days` ago are deleted. The lake keeps its history.
import type { DuckDBConnection } from '@duckdb/node-api'

/** Rows deleted per table. */
export interface RetentionResult {
  readonly events: number
  readonly sessions: number
}

async function deleted(conn: DuckDBConnection, sql: string): Promise<number> {
  return Number((await conn.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0)
}

/** Deletes what is older than the given days (null: keep forever), measured back from `now` (ms). */
export async function applyRetention(
  conn: DuckDBConnection,
  days: { readonly events: number | null; readonly sessions: number | null },
  now: number,
): Promise<RetentionResult> {
  const cutoff = (d: number) => `make_timestamp(${(now - d * 86_400_000) * 1000}::BIGINT)`
  return {
    events:
      days.events === null
        ? 0
        : await deleted(conn, `DELETE FROM events WHERE event_time < ${cutoff(days.events)}`),
    sessions:
      days.sessions === null
        ? 0
        : await deleted(conn, `DELETE FROM sessions WHERE end_time < ${cutoff(days.sessions)}`),
  }
}
