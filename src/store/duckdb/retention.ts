// Retention by age in the DuckDB store: events older than `events_days` (by event time) and
// sessions that ended more than `sessions_days` ago are deleted. Late events (kept aside by the
// processor) follow the events' limit, with the late reconciler's marks of them: a late event whose
// stored copy retention took can never be folded into a session and would wait forever. The lake
// keeps its history.
import type { DuckDBConnection } from '@duckdb/node-api'

/** Rows deleted per table. */
export interface RetentionResult {
  readonly events: number
  readonly sessions: number
  readonly late_events: number
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
  const events =
    days.events === null
      ? 0
      : await deleted(conn, `DELETE FROM events WHERE event_time < ${cutoff(days.events)}`)
  let lateEvents = 0
  if (days.events !== null) {
    lateEvents = await deleted(conn, `DELETE FROM late_events WHERE event_time < ${cutoff(days.events)}`)
    await conn.run(
      'DELETE FROM clickflow_late_reconciled WHERE event_id NOT IN (SELECT event_id FROM late_events)',
    )
  }
  const sessions =
    days.sessions === null
      ? 0
      : await deleted(conn, `DELETE FROM sessions WHERE end_time < ${cutoff(days.sessions)}`)
  return { events, sessions, late_events: lateEvents }
}
