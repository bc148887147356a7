// Erasure of one person (issue 6): their rows leave the lake's current files (rewritten without
// them, the old files deleted at once), the store and the processor's open sessions (in memory and
// saved), and an audit record says who asked, when and
// how much went. It runs inside the lake's queue, so no export can copy the rows back in between.
import { join } from 'node:path'
import type { ErasureHooks } from '../core/erasure-hooks.ts'
import { RequestError } from '../core/errors.ts'
import { purgeVisitorsFromState } from '../processor/state-erasure.ts'
import { type ErasureSubject, eraseFromStore, literal, visitorsOfUser } from '../store/duckdb/erase.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { Lake } from './lake.ts'
import type { LakeMetrics } from './lake-metrics.ts'
import { type ConnectionSource, sqlString, withConnection } from './parquet-io.ts'

/** What an erasure removed. */
export interface ErasureResult {
  readonly subject_kind: ErasureSubject['kind']
  readonly subject_id: string
  readonly requested_by: string
  readonly requested_at: string
  readonly rows_events: number
  readonly rows_sessions: number
  readonly rows_late_events: number
  readonly rows_dead_letters: number
  readonly lake_rows: number
  readonly lake_files_rewritten: number
  /** Files of earlier versions, still on disk, that held the person and were deleted. */
  readonly lake_stale_files_deleted: number
  readonly lake_version: number | null
}

/** Parses `{visitor_id | user_id, requested_by}`; a RequestError says what is wrong. */
export function parseErasureRequest(body: unknown): { subject: ErasureSubject; requestedBy: string } {
  const b = (body ?? {}) as Record<string, unknown>
  const visitor = b.visitor_id
  const user = b.user_id
  const by = b.requested_by
  const bad = (m: string) => new RequestError(400, 'invalid_erasure_request', m)
  if ((visitor === undefined) === (user === undefined))
    throw bad('give exactly one of "visitor_id" or "user_id"')
  const id = visitor ?? user
  if (typeof id !== 'string' || id.trim() === '' || id.length > 512)
    throw bad('the id must be a non-empty string of at most 512 characters')
  if (typeof by !== 'string' || by.trim() === '' || by.length > 256)
    throw bad('"requested_by" must say who asked (a non-empty string of at most 256 characters)')
  return { subject: { kind: visitor !== undefined ? 'visitor' : 'user', id }, requestedBy: by }
}

/** Erases `subject` from lake and store; resolves with the counts (also in `erasure_audit`). */
export function erase(
  lake: Lake,
  db: ConnectionSource,
  subject: ErasureSubject,
  requestedBy: string,
  now: number,
  metrics?: LakeMetrics,
  log?: Logger,
  hooks?: ErasureHooks,
): Promise<ErasureResult> {
  return lake.exclusive('erase', async () => {
    const visitors = new Set<string>(subject.kind === 'visitor' ? [subject.id] : [])
    const current = await lake.current()
    await withConnection(db, async (conn) => {
      if (subject.kind !== 'user') return
      for (const v of await visitorsOfUser(conn, subject.id)) visitors.add(v)
      // The lake may hold visitors the store no longer has (retention).
      if (current && current.files.size > 0) {
        const files = [...current.files.keys()].map((p) => sqlString(join(lake.root, p)))
        const r = await conn.runAndReadAll(
          `SELECT DISTINCT visitor_id FROM read_parquet([${files.join(', ')}], union_by_name = true)
           WHERE user_id = ${literal(subject.id)} AND visitor_id IS NOT NULL`,
        )
        for (const row of r.getRows()) visitors.add(String(row[0]))
      }
    })
    const list = [...visitors]
    // Components holding them in memory (the processor's open sessions) forget them first, or a
    // checkpoint would write their rows back after the delete.
    await hooks?.run(visitors)
    const predicate =
      (list.length ? `visitor_id IN (${list.map(literal).join(', ')})` : 'false') +
      (subject.kind === 'user' ? ` OR user_id = ${literal(subject.id)}` : '')
    const lakeResult = await lake.rewriteWithoutUnlocked(predicate, `erasure of one ${subject.kind}`)
    const counts = await withConnection(db, async (conn) => {
      // The processor's saved open sessions (when no running processor did it above).
      await purgeVisitorsFromState(conn, visitors)
      return eraseFromStore(conn, subject, list, requestedBy, now, lakeResult.files_rewritten)
    })
    metrics?.erasures.inc({ subject_kind: subject.kind })
    for (const [table, n] of Object.entries({ ...counts, lake: lakeResult.rows_removed }))
      metrics?.erasedRows.inc({ table }, n)
    const result: ErasureResult = {
      subject_kind: subject.kind,
      subject_id: subject.id,
      requested_by: requestedBy,
      requested_at: new Date(now).toISOString(),
      rows_events: counts.events,
      rows_sessions: counts.sessions,
      rows_late_events: counts.late_events,
      rows_dead_letters: counts.dead_letters,
      lake_rows: lakeResult.rows_removed,
      lake_files_rewritten: lakeResult.files_rewritten,
      lake_stale_files_deleted: lakeResult.stale_files_deleted,
      lake_version: lakeResult.version,
    }
    // Counts only: whom is in erasure_audit, not in the logs, which are kept and shipped elsewhere.
    const { subject_id: _id, ...summary } = result
    log?.info(summary, 'erasure carried out')
    return result
  })
}
