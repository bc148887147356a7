// Erasure in the processor's saved state (clickflow_processor_state and the older
// clickflow_processor_sessions): open sessions of erased visitors must not come back at the next
// restart. A running processor forgets them itself (ErasureHooks) and writes a snapshot without
// them; this covers an erasure while clickflow is not running (`clickflow erase`) and checks after a
// running one. Per processor, the documents since the last snapshot are folded and, if they hold one
// of the visitors, replaced by one snapshot without them.
import type { DuckDBConnection } from '@duckdb/node-api'
import { decodeStateDoc, encodeStateDoc, foldStateDocs } from './session-state.ts'

function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

/** Removes the visitors' open sessions from every processor's saved state; returns how many. */
export async function purgeVisitorsFromState(
  conn: DuckDBConnection,
  visitors: ReadonlySet<string>,
): Promise<number> {
  if (visitors.size === 0) return 0
  const ids = [...visitors].map(quote).join(', ')
  let removed = 0
  await conn.run('BEGIN TRANSACTION')
  try {
    // The previous format: one JSON object per session, with its visitor id.
    const legacy = await conn.runAndReadAll(
      `DELETE FROM clickflow_processor_sessions WHERE json_extract_string(state, '$.visitor_id') IN (${ids})`,
    )
    removed += Number(legacy.getRows()[0]?.[0] ?? 0)
    const processors = (
      await conn.runAndReadAll('SELECT DISTINCT processor_id FROM clickflow_processor_state')
    ).getRows()
    for (const [pid] of processors) {
      const id = quote(String(pid))
      const rows = (
        await conn.runAndReadAll(
          `SELECT seq, state FROM clickflow_processor_state WHERE processor_id = ${id}
             AND seq >= coalesce((SELECT max(seq) FROM clickflow_processor_state WHERE processor_id = ${id} AND snapshot), 0)
           ORDER BY seq`,
        )
      ).getRows()
      const open = foldStateDocs(
        [],
        rows.map((r) => decodeStateDoc(String(r[1]))),
      )
      const kept = open.filter((s) => !visitors.has(s.visitor_id))
      if (kept.length === open.length) continue
      removed += open.length - kept.length
      const seq = Math.max(...rows.map((r) => Number(r[0]))) + 1
      await conn.run(`DELETE FROM clickflow_processor_state WHERE processor_id = ${id}`)
      await conn.run(
        `INSERT INTO clickflow_processor_state VALUES (${id}, ${seq}, true, ${quote(encodeStateDoc(true, kept, []))})`,
      )
    }
    await conn.run('COMMIT')
    return removed
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined)
    throw err
  }
}
