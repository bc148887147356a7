// Erasure in the DuckDB store (issue 6): every row about a person leaves events, sessions,
// late_events and dead_letters (whose payloads mention one of their ids), and an audit record is
// appended, all in one transaction. The ids are quoted as literals: no statement is prepared, since
// DuckDB 1.5 can misread strings in a statement prepared before a concurrent commit.
import type { DuckDBConnection } from '@duckdb/node-api'

/** Whose data to erase. */
export interface ErasureSubject {
  readonly kind: 'visitor' | 'user'
  readonly id: string
}

/** Rows removed per table. */
export interface StoreErasureCounts {
  readonly events: number
  readonly sessions: number
  readonly late_events: number
  readonly dead_letters: number
}

/** A SQL string literal. */
export function literal(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

/** Escapes RE2 metacharacters. */
function escapeRegex(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}-]/g, '\\$&')
}

async function count(conn: DuckDBConnection, sql: string): Promise<number> {
  const rows = (await conn.runAndReadAll(sql)).getRows()
  return Number(rows[0]?.[0] ?? 0)
}

/** The visitor ids a user was seen with in the store (a user erasure takes their anonymous events too). */
export async function visitorsOfUser(conn: DuckDBConnection, userId: string): Promise<string[]> {
  const r = await conn.runAndReadAll(
    `SELECT DISTINCT visitor_id FROM events WHERE user_id = ${literal(userId)} AND visitor_id IS NOT NULL
     UNION SELECT DISTINCT visitor_id FROM sessions WHERE user_id = ${literal(userId)}`,
  )
  return r.getRows().map((row) => String(row[0]))
}

/**
 * Deletes the subject's rows and appends the audit record with `lakeFilesRewritten`, in one
 * transaction. `visitors` are the visitor ids that belong to the subject (for a visitor: itself).
 */
export async function eraseFromStore(
  conn: DuckDBConnection,
  subject: ErasureSubject,
  visitors: readonly string[],
  requestedBy: string,
  requestedAt: number,
  lakeFilesRewritten: number,
): Promise<StoreErasureCounts> {
  const ids = [...new Set([subject.id, ...visitors])]
  const inVisitors = visitors.length ? `visitor_id IN (${visitors.map(literal).join(', ')})` : 'false'
  const byUser = subject.kind === 'user' ? ` OR user_id = ${literal(subject.id)}` : ''
  // A whole-token match: "v1" must not take the dead letters of "v10". Ids are bounded by anything
  // that cannot be part of an id (quotes in JSON, & and = in query strings, spaces in log lines).
  const mentions = (col: string) =>
    ids
      .map(
        (id) =>
          `regexp_matches(${col}, ${literal(`(^|[^A-Za-z0-9_.:-])${escapeRegex(id)}($|[^A-Za-z0-9_.:-])`)})`,
      )
      .join(' OR ')
  await conn.run('BEGIN TRANSACTION')
  try {
    const counts = {
      events: await count(conn, `DELETE FROM events WHERE ${inVisitors}${byUser}`),
      sessions: await count(conn, `DELETE FROM sessions WHERE ${inVisitors}${byUser}`),
      late_events: await count(
        conn,
        `DELETE FROM late_events WHERE ${inVisitors} OR ${mentions('payload::VARCHAR')}`,
      ),
      dead_letters: await count(conn, `DELETE FROM dead_letters WHERE ${mentions('payload')}`),
    }
    // Which of their late events were folded into sessions: bookkeeping, but it names the visitor.
    await conn.run(`DELETE FROM clickflow_late_reconciled WHERE ${inVisitors}`)
    await conn.run(
      `INSERT INTO erasure_audit VALUES (${literal(requestedBy)}, ${literal(subject.kind)}, ${literal(subject.id)},
        make_timestamp(${requestedAt * 1000}::BIGINT), ${counts.events}, ${counts.sessions},
        ${counts.late_events + counts.dead_letters}, ${lakeFilesRewritten})`,
    )
    await conn.run('COMMIT')
    return counts
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined)
    throw err
  }
}
