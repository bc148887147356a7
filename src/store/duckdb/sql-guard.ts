// Read-only SQL for users: exactly one SELECT, and only table functions that cannot reach files, the
// network or other SQL. Checked on DuckDB's own parse tree (json_serialize_sql), not on the text; the
// database is also opened with external access off, so a miss here still cannot touch a file.
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api'
import { StatementType } from '@duckdb/node-api'
import { errorMessage, RequestError } from '../../core/errors.ts'

/** Table functions a user query may call. Everything else (read_csv, glob, query, ...) is refused. */
const ALLOWED_TABLE_FUNCTIONS = new Set([
  'range',
  'generate_series',
  'unnest',
  'json_each',
  'json_tree',
  'duckdb_tables',
  'duckdb_columns',
  'duckdb_views',
  'duckdb_types',
  'pragma_table_info',
])

function forbidden(message: string): RequestError {
  return new RequestError(400, 'forbidden_statement', message)
}

/** Maps a DuckDB error to a 400 that says what is wrong with the query. */
export function sqlError(err: unknown): RequestError {
  const message = errorMessage(err)
  if (/^Permission Error/.test(message)) return forbidden(`the query may not read files: ${message}`)
  return new RequestError(400, 'invalid_sql', message)
}

function findTableFunctions(node: unknown, out: string[]): void {
  if (Array.isArray(node)) {
    for (const n of node) findTableFunctions(n, out)
    return
  }
  if (typeof node !== 'object' || node === null) return
  const o = node as Record<string, unknown>
  if (o.type === 'TABLE_FUNCTION') {
    const fn = o.function as { function_name?: string } | undefined
    out.push(String(fn?.function_name ?? '?').toLowerCase())
  }
  for (const v of Object.values(o)) findTableFunctions(v, out)
}

/**
 * Checks that `sql` is one read-only SELECT. Throws RequestError 400 with code `forbidden_statement`
 * (not a single read-only SELECT) or `invalid_sql` (DuckDB refused it). The statement is prepared
 * only to learn its type, then dropped: the caller runs the text afresh, because a prepared plan
 * keeps the statistics of its preparation and DuckDB 1.5 can corrupt strings (in sorts) when data
 * committed since then is scanned with them.
 */
export async function checkReadOnly(conn: DuckDBConnection, sql: string): Promise<void> {
  if (sql.trim() === '') throw new RequestError(400, 'invalid_sql', 'the query is empty')
  let prepared: DuckDBPreparedStatement
  try {
    const statements = await conn.extractStatements(sql)
    if (statements.count !== 1) throw forbidden(`send exactly one statement; this has ${statements.count}`)
    prepared = await statements.prepare(0)
  } catch (err) {
    if (err instanceof RequestError) throw err
    throw sqlError(err)
  }
  const type = prepared.statementType
  if (type !== StatementType.SELECT) {
    prepared.destroySync()
    throw forbidden(`only SELECT queries are allowed here (this is ${StatementType[type]})`)
  }
  const tree = await conn.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(sql)})`)
  const parsed = JSON.parse(String(tree.getRows()[0]?.[0])) as { error?: boolean; error_message?: string }
  if (parsed.error) {
    // DuckDB rewrites some statements (PRAGMA, SHOW, DESCRIBE) into SELECTs it cannot serialize.
    prepared.destroySync()
    throw forbidden('only plain SELECT queries are allowed here (this statement is not one)')
  }
  const functions: string[] = []
  findTableFunctions(parsed, functions)
  const bad = functions.filter((f) => !ALLOWED_TABLE_FUNCTIONS.has(f))
  prepared.destroySync()
  if (bad.length > 0) throw forbidden(`table function ${bad[0]}() is not allowed in read-only SQL`)
}

function quoteLiteral(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}
