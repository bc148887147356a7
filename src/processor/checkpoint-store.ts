// Writes a processor checkpoint to DuckDB in one transaction: deleted and changed sessions, changed
// rollup minutes, late events, the open sessions' state document and the small state with the log
// position. A crash before COMMIT leaves the previous checkpoint whole; after it, the new one whole.
import type { DuckDBConnection } from '@duckdb/node-api'
import { DuckDBTimestampValue } from '@duckdb/node-api'
import type { LogPosition } from '../core/component.ts'
import type { EngineChanges, EngineMeta } from './engine.ts'
import type { Session } from './session.ts'
import {
  CLEAR_STAGED_SESSIONS,
  INSERT_STAGED_SESSIONS,
  SESSION_STAGING_DDL,
  STAGED_REPLACED_IDS,
  stageSessionRows,
} from './session-staging.ts'
import { decodeStateDoc, foldStateDocs } from './session-state.ts'

/** Temp tables the checkpoint stages rows in, one connection's own. */
const STAGING_DDL = [
  ...SESSION_STAGING_DDL,
  'CREATE TEMP TABLE IF NOT EXISTS stage_rollups (site VARCHAR, minute TIMESTAMP, page_views BIGINT, events BIGINT, visitors_hll BLOB, visitors BIGINT, events_by_name VARCHAR)',
  'CREATE TEMP TABLE IF NOT EXISTS stage_keys (k VARCHAR)',
]

function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

function ts(ms: number): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n)
}

function tsLiteral(ms: number): string {
  return `make_timestamp(${BigInt(Math.round(ms)) * 1000n})`
}

/** What a restart reads back. */
export interface StoredCheckpoint {
  readonly position: LogPosition
  readonly meta: EngineMeta
  readonly sessions: Session[]
}

/** A processor's checkpoint in the shared DuckDB database. */
export class CheckpointStore {
  readonly #conn: DuckDBConnection
  readonly #id: string
  #staged = false
  /** The last state document's sequence number (null until read from the table). */
  #seq: number | null = null
  /** Whether rows of the previous state format may remain (until the first snapshot). */
  #legacyRows = true

  constructor(conn: DuckDBConnection, processorId: string) {
    this.#conn = conn
    this.#id = processorId
  }

  /** Writes the changes and the checkpoint atomically. */
  async write(changes: EngineChanges, position: LogPosition, now: number): Promise<void> {
    const c = this.#conn
    if (!this.#staged) {
      for (const ddl of STAGING_DDL) await c.run(ddl)
      this.#staged = true
    }
    let seq: number | null = null
    await c.run('BEGIN TRANSACTION')
    try {
      const s = changes.sessions
      // Changed sessions are deleted and inserted anew: an upsert without a key index (INSERT OR
      // REPLACE needs a primary key, and its index made each checkpoint of 5,000 changed sessions
      // 6-9x slower: 300-380 ms against 30-50 ms over 200,000 stored sessions, DuckDB 1.5). Rows
      // never written before need no delete; the start-time bound lets DuckDB skip the row groups
      // of older sessions by their min/max instead of reading every stored session id.
      if (s.rows.length > 0) await stageSessionRows(c, s.rows, s.replaces)
      if (s.deleteFrom !== null) {
        if (s.deleteIds.length > 0) await this.#stageKeys(s.deleteIds)
        const ids =
          s.deleteIds.length > 0
            ? `${STAGED_REPLACED_IDS} UNION ALL SELECT k FROM stage_keys`
            : STAGED_REPLACED_IDS
        const from = Number.isFinite(s.deleteFrom) ? `start_time >= ${tsLiteral(s.deleteFrom)} AND ` : ''
        await c.run(`DELETE FROM sessions WHERE ${from}session_id IN (${ids})`)
      }
      if (s.rows.length > 0) {
        await c.run(INSERT_STAGED_SESSIONS)
        for (const sql of CLEAR_STAGED_SESSIONS) await c.run(sql)
      }
      if (changes.rollups.length > 0) {
        const a = await c.createAppender('stage_rollups', 'main', 'temp')
        for (const r of changes.rollups) {
          a.appendVarchar(r.site)
          a.appendTimestamp(ts(r.minute))
          a.appendBigInt(BigInt(r.page_views))
          a.appendBigInt(BigInt(r.events))
          a.appendBlob(r.visitors_hll)
          a.appendBigInt(BigInt(r.visitors))
          a.appendVarchar(r.events_by_name)
          a.endRow()
        }
        a.flushSync()
        a.closeSync()
        await c.run(
          'INSERT OR REPLACE INTO rollups_minute SELECT site, minute, page_views, events, visitors_hll, visitors, events_by_name::JSON FROM stage_rollups',
        )
        await c.run('DELETE FROM stage_rollups')
      }
      if (changes.late.length > 0) {
        // Keyed by event id, so a late event written again after a crash replaces its first copy.
        await this.#stageKeys(changes.late.map((l) => l.event.event_id))
        await c.run('DELETE FROM late_events WHERE event_id IN (SELECT k FROM stage_keys)')
        const values = changes.late.map(
          ({ event: e, watermark }) =>
            `(${quote(e.event_id)}, ${tsLiteral(e.event_time)}, ${tsLiteral(watermark)}, ${e.visitor_id === null ? 'NULL' : quote(e.visitor_id)}, ${quote(e.event_type)}, ${e.event_name === null ? 'NULL' : quote(e.event_name)}, ${quote(JSON.stringify(e))}, ${tsLiteral(now)})`,
        )
        await c.run(`INSERT INTO late_events VALUES ${values.join(', ')}`)
      }
      // Open sessions' state: one document, appended straight to its table (sequence numbers kept
      // here: every statement costs DuckDB a few ms of CPU whatever its size). A snapshot replaces
      // every earlier document, and the previous format's rows if the restart found any.
      if (s.state !== null) {
        const id = quote(this.#id)
        seq = (this.#seq ?? (await this.#maxSeq())) + 1
        if (s.stateIsSnapshot) {
          await c.run(`DELETE FROM clickflow_processor_state WHERE processor_id = ${id}`)
          if (this.#legacyRows)
            await c.run(`DELETE FROM clickflow_processor_sessions WHERE processor_id = ${id}`)
        }
        const a = await c.createAppender('clickflow_processor_state')
        a.appendVarchar(this.#id)
        a.appendBigInt(BigInt(seq))
        a.appendBoolean(s.stateIsSnapshot)
        a.appendVarchar(s.state)
        a.endRow()
        a.flushSync()
        a.closeSync()
      }
      await c.run(
        `INSERT OR REPLACE INTO clickflow_processor_checkpoints VALUES (${quote(this.#id)}, ${quote(position.topic)}, ${quote(JSON.stringify(position.offsets))}, ${quote(JSON.stringify(changes.meta))}, ${tsLiteral(now)})`,
      )
      await c.run('COMMIT')
      if (seq !== null) this.#seq = seq
      if (changes.sessions.stateIsSnapshot) this.#legacyRows = false
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined)
      throw err
    }
  }

  async #maxSeq(): Promise<number> {
    const rows = (
      await this.#conn.runAndReadAll(
        `SELECT coalesce(max(seq), 0) FROM clickflow_processor_state WHERE processor_id = ${quote(this.#id)}`,
      )
    ).getRows()
    return Number(rows[0]![0])
  }

  async #stageKeys(keys: readonly string[]): Promise<void> {
    await this.#conn.run('DELETE FROM stage_keys')
    const a = await this.#conn.createAppender('stage_keys', 'main', 'temp')
    for (const k of keys) {
      a.appendVarchar(k)
      a.endRow()
    }
    a.flushSync()
    a.closeSync()
  }

  /** The last checkpoint of this processor, or null if it never wrote one. */
  async read(topic: string): Promise<StoredCheckpoint | null> {
    const c = this.#conn
    const head = (
      await c.runAndReadAll(
        `SELECT offsets::VARCHAR, meta::VARCHAR FROM clickflow_processor_checkpoints WHERE processor_id = ${quote(this.#id)} AND topic = ${quote(topic)}`,
      )
    ).getRows()
    if (head.length === 0) return null
    const offsets = JSON.parse(String(head[0]![0])) as Record<string, number>
    const meta = JSON.parse(String(head[0]![1])) as EngineMeta
    const id = quote(this.#id)
    // The previous format's rows (one JSON object per session) until the first snapshot empties them.
    const legacy = (
      await c.runAndReadAll(`SELECT state FROM clickflow_processor_sessions WHERE processor_id = ${id}`)
    )
      .getRows()
      .map((r) => {
        const s = JSON.parse(String(r[0])) as Session
        s.persisted_start ??= null
        return s
      })
    // The last snapshot and the deltas after it, in order.
    const docs = (
      await c.runAndReadAll(
        `SELECT state FROM clickflow_processor_state WHERE processor_id = ${id}
           AND seq >= coalesce((SELECT max(seq) FROM clickflow_processor_state WHERE processor_id = ${id} AND snapshot), 0)
         ORDER BY seq`,
      )
    )
      .getRows()
      .map((r) => decodeStateDoc(String(r[0])))
    const sessions = foldStateDocs(legacy, docs)
    this.#legacyRows = legacy.length > 0
    this.#seq = await this.#maxSeq()
    const numeric: Record<number, number> = {}
    for (const [p, o] of Object.entries(offsets)) numeric[Number(p)] = Number(o)
    return { position: { topic, offsets: numeric }, meta, sessions }
  }
}
