// The Parquet work of the lake, done by DuckDB: reading checkpoint rows as actions, writing query
// results and checkpoints as Parquet, and computing per-file statistics. The store's own database
// may read and write only under `<data_dir>/lake` (database.ts), which is where all of this happens;
// tools that read other tables (tests over Spark's golden tables) pass an unrestricted in-memory one.
import type { DuckDBConnection } from '@duckdb/node-api'
import type { Action } from './actions.ts'

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

/** Checkpoint columns in the order PROTOCOL.md lists them; a row has exactly one of them set. */
const CHECKPOINT_ACTIONS = ['txn', 'add', 'remove', 'metaData', 'protocol', 'domainMetadata'] as const

/** Something that opens DuckDB connections (a Database of the store, or an in-memory instance). */
export interface ConnectionSource {
  connect(): Promise<DuckDBConnection>
}

/** Runs `fn` on a fresh connection and closes it. */
export async function withConnection<T>(
  db: ConnectionSource,
  fn: (c: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const conn = await db.connect()
  try {
    return await fn(conn)
  } finally {
    conn.closeSync()
  }
}

/** Reads the actions of one checkpoint Parquet file (any of the columns may be absent). */
export async function readCheckpointActions(db: ConnectionSource, path: string): Promise<Action[]> {
  return withConnection(db, async (conn) => {
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`)
    const present = new Set(described.getRows().map((r) => String(r[0])))
    const cols = CHECKPOINT_ACTIONS.filter((c) => present.has(c))
    if (cols.length === 0) throw new Error(`${path} has none of the checkpoint columns`)
    const select = cols.map((c) => `to_json("${c}")::VARCHAR`).join(', ')
    const reader = await conn.runAndReadAll(`SELECT ${select} FROM read_parquet(${sqlString(path)})`)
    const out: Action[] = []
    for (const row of reader.getRows()) {
      for (let i = 0; i < cols.length; i++) {
        const v = row[i]
        if (v === null || v === undefined) continue
        out.push({ [cols[i]!]: JSON.parse(String(v)) } as Action)
      }
    }
    return out
  })
}
