// Shared by the lake's tests: a store database in a temp data directory, with events inserted by SQL.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Database, openDatabase } from '../store/duckdb/database.ts'
import { createLogger } from '../telemetry/logger.ts'
import { Lake, type LakeOptions } from './lake.ts'

/** A data dir with an open store. */
export async function lakeFixture(): Promise<{ dataDir: string; db: Database }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'clickflow-lake-'))
  const db = await openDatabase(join(dataDir, 'store', 'clickflow.duckdb'), {
    memoryLimit: '512MB',
    threads: 1,
    allowedDirectories: [join(dataDir, 'lake')],
  })
  return { dataDir, db }
}

const opened: { dataDir: string; db: Database }[] = []

/** A {@link lakeFixture} that {@link removeLakeFixtures} closes and deletes (call it from `after`). */
export async function trackedLakeFixture(): Promise<{ dataDir: string; db: Database }> {
  const f = await lakeFixture()
  opened.push(f)
  return f
}

/** Closes and deletes every tracked fixture. */
export async function removeLakeFixtures(): Promise<void> {
  for (const f of opened.splice(0)) {
    await f.db.release()
    await rm(f.dataDir, { recursive: true, force: true })
  }
}

/** A lake over the fixture with a quiet logger. */
export function testLake(f: { dataDir: string; db: Database }, o: Partial<LakeOptions> = {}): Lake {
  return new Lake({ dataDir: f.dataDir, db: f.db, log: createLogger({ level: 'silent' }), ...o })
}

/** One event row for SQL insertion. */
export interface Row {
  readonly id: string
  readonly time: string
  readonly visitor: string
  readonly user?: string
  readonly path?: string
}

/** Inserts events (only the columns the tests look at, the rest default). */
export async function insertEvents(db: Database, rows: readonly Row[]): Promise<void> {
  const conn = await db.connect()
  try {
    for (let i = 0; i < rows.length; i += 500) {
      const values = rows
        .slice(i, i + 500)
        .map(
          (r) =>
            `('${r.id}', 'page_view', TIMESTAMP '${r.time}', TIMESTAMP '${r.time}', 'test', '${r.visitor}', ${r.user ? `'${r.user}'` : 'NULL'}, '${r.path ?? '/'}', false, false, false, '{"k":"${r.visitor}"}')`,
        )
        .join(', ')
      await conn.run(
        `INSERT INTO events (event_id, event_type, event_time, received_at, source_id, visitor_id, user_id, page_path, is_bot, is_duplicate, is_corrupt, props) VALUES ${values}`,
      )
    }
  } finally {
    conn.closeSync()
  }
}

/** Generated rows: `perDay` events on each of `days` days from 2026-11-01, visitors v0..v(visitors-1). */
export function generateRows(days: number, perDay: number, visitors: number, prefix = 'e'): Row[] {
  const out: Row[] = []
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < perDay; i++) {
      const sec = Math.floor((i * 86_399) / perDay)
      const hh = String(Math.floor(sec / 3600)).padStart(2, '0')
      const mm = String(Math.floor((sec % 3600) / 60)).padStart(2, '0')
      const ss = String(sec % 60).padStart(2, '0')
      out.push({
        id: `${prefix}${d}-${i}`,
        time: `2026-11-${String(d + 1).padStart(2, '0')} ${hh}:${mm}:${ss}.${String(i % 1000).padStart(3, '0')}`,
        visitor: `v${i % visitors}`,
        user: i % visitors === 1 ? 'user-1' : undefined,
      })
    }
  }
  return out
}

/** 2026-11-20 12:00 UTC: every November day before the 20th is closed. */
export const NOW = Date.parse('2026-11-20T12:00:00Z')
