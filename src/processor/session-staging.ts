// Moves a checkpoint's session rows into DuckDB in bulk. Numbers, flags and string codes go in data
// chunks (typed arrays, no call into DuckDB per value); the strings go in one JSON document: the
// per-session ones (ids) as lists in row order, the ones that repeat across sessions (site, pages,
// referrer, UTM, geo, device) once each, referred to by 1-based codes (0 for null). A call into DuckDB per value
// (the appender, 29 per row) was most of the JavaScript time of a checkpoint.
import { BOOLEAN, DOUBLE, type DuckDBConnection, DuckDBDataChunk, INTEGER } from '@duckdb/node-api'
import type { SessionRow } from './session.ts'

/** Columns whose values differ for (almost) every session: lists in the strings document. */
const ID_COLUMNS = ['session_id', 'visitor_id', 'user_id', 'hint_session_id'] as const
/** Numeric columns, sent as doubles (times in epoch ms) and converted in SQL. */
const NUMBER_COLUMNS = [
  'start_time',
  'end_time',
  'duration_ms',
  'page_views',
  'events',
  'engaged_ms',
] as const
const FLAG_COLUMNS = ['is_bounce', 'is_bot'] as const
/** Columns with few distinct values: codes into the document's list of distinct strings. */
export const CODED_COLUMNS = [
  'site',
  'entry_page',
  'exit_page',
  'referrer',
  'referrer_host',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'country',
  'region',
  'city',
  'device_type',
  'browser',
  'os',
] as const

/** Chunk columns: the row's position in the id lists, numbers, flags, replaces, codes. */
const CHUNK_TYPES = [
  INTEGER,
  ...NUMBER_COLUMNS.map(() => DOUBLE),
  ...FLAG_COLUMNS.map(() => BOOLEAN),
  BOOLEAN,
  ...CODED_COLUMNS.map(() => INTEGER),
]

/** Temp tables of the staging, one connection's own. */
export const SESSION_STAGING_DDL = [
  `CREATE TEMP TABLE IF NOT EXISTS stage_session_rows (${[
    'pos INTEGER',
    ...NUMBER_COLUMNS.map((c) => `${c} DOUBLE`),
    ...FLAG_COLUMNS.map((c) => `${c} BOOLEAN`),
    'replaces BOOLEAN',
    ...CODED_COLUMNS.map((c) => `${c} INTEGER`),
  ].join(', ')})`,
  'CREATE TEMP TABLE IF NOT EXISTS stage_session_strings (doc VARCHAR)',
]

const STRINGS_SHAPE = JSON.stringify(
  Object.fromEntries([...ID_COLUMNS, 'strings'].map((c) => [c, ['VARCHAR']])),
).replaceAll("'", "''")

/** The strings document's lists as columns of one row. */
const STRINGS = `(SELECT unnest(from_json(doc, '${STRINGS_SHAPE}')) FROM stage_session_strings)`

const ms = (c: string) => `make_timestamp(CAST(round(r.${c}) AS BIGINT) * 1000)`

/** Inserts the staged rows into `sessions`. */
export const INSERT_STAGED_SESSIONS = `INSERT INTO sessions (${[
  ...ID_COLUMNS,
  ...NUMBER_COLUMNS,
  ...FLAG_COLUMNS,
  ...CODED_COLUMNS,
].join(', ')})
  SELECT ${[
    ...ID_COLUMNS.map((c) => `j.${c}[r.pos]`),
    ms('start_time'),
    ms('end_time'),
    'CAST(r.duration_ms AS BIGINT)',
    'CAST(r.page_views AS INTEGER)',
    'CAST(r.events AS INTEGER)',
    'CAST(r.engaged_ms AS BIGINT)',
    ...FLAG_COLUMNS.map((c) => `r.${c}`),
    ...CODED_COLUMNS.map((c) => `j.strings[r.${c}]`),
  ].join(', ')}
  FROM stage_session_rows r, ${STRINGS} j`

/** Ids of staged rows that replace a row already in `sessions`. */
export const STAGED_REPLACED_IDS = `SELECT j.session_id[r.pos] FROM stage_session_rows r, ${STRINGS} j WHERE r.replaces`

/** Empties the staging tables (temp tables live as long as the connection). */
export const CLEAR_STAGED_SESSIONS = ['DELETE FROM stage_session_rows', 'DELETE FROM stage_session_strings']

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/**
 * The strings document as JSON. DuckDB's JSON reader refuses lone UTF-16 surrogates, which
 * JSON.stringify writes as \ud800-\udfff escapes (pairs stay characters): they become U+FFFD, as
 * in UTF-8. A backslash followed by "ud" inside a string matches too and only costs a second pass.
 */
export function stringsDoc(lists: Readonly<Record<string, readonly (string | null)[]>>): string {
  const json = JSON.stringify(lists)
  if (!json.includes('\\ud')) return json
  return JSON.stringify(lists, (_key, v: unknown) =>
    typeof v === 'string' ? v.replace(LONE_SURROGATE, '\ufffd') : v,
  )
}

/** The largest data chunk DuckDB takes (its vector size). */
const CHUNK_ROWS = 2048

/** Appends `rows` (and whether each replaces a stored row) to the staging tables. */
export async function stageSessionRows(
  conn: DuckDBConnection,
  rows: readonly SessionRow[],
  replaces: readonly boolean[],
): Promise<void> {
  const ids: Record<string, (string | null)[]> = {}
  for (const k of ID_COLUMNS) {
    const list = new Array<string | null>(rows.length)
    for (let at = 0; at < rows.length; at++) list[at] = rows[at]![k]
    ids[k] = list
  }
  // Code 0 is null: DuckDB's list index 0 reads as NULL, so no value in the chunk is null. A null
  // would make the vector keep its validity as BigInts, allocating a few per value set after it.
  const codes = new Map<string, number>()
  const strings: string[] = []
  const code = (s: string | null): number => {
    if (s === null) return 0
    let c = codes.get(s)
    if (c === undefined) {
      c = strings.push(s)
      codes.set(s, c)
    }
    return c
  }
  const appender = await conn.createAppender('stage_session_rows', 'main', 'temp')
  try {
    for (let from = 0; from < rows.length; from += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, rows.length - from)
      const chunk = DuckDBDataChunk.create(CHUNK_TYPES, n)
      // Column by column: each loop sets one vector type from one property of the rows, so its
      // calls and property reads stay monomorphic (row by row, one call site saw every vector type).
      let c = 0
      const pos = chunk.getColumnVector(c++)
      for (let i = 0; i < n; i++) pos.setItem(i, from + i + 1)
      pos.flush()
      for (const k of NUMBER_COLUMNS) {
        const vec = chunk.getColumnVector(c++)
        for (let i = 0; i < n; i++) vec.setItem(i, rows[from + i]![k])
        vec.flush()
      }
      for (const k of FLAG_COLUMNS) {
        const vec = chunk.getColumnVector(c++)
        for (let i = 0; i < n; i++) vec.setItem(i, rows[from + i]![k])
        vec.flush()
      }
      const replacing = chunk.getColumnVector(c++)
      for (let i = 0; i < n; i++) replacing.setItem(i, replaces[from + i] === true)
      replacing.flush()
      for (const k of CODED_COLUMNS) {
        const vec = chunk.getColumnVector(c++)
        for (let i = 0; i < n; i++) vec.setItem(i, code(rows[from + i]![k]))
        vec.flush()
      }
      appender.appendDataChunk(chunk)
    }
    appender.flushSync()
  } finally {
    appender.closeSync()
  }
  const doc = await conn.createAppender('stage_session_strings', 'main', 'temp')
  try {
    doc.appendVarchar(stringsDoc({ ...ids, strings }))
    doc.endRow()
    doc.flushSync()
  } finally {
    doc.closeSync()
  }
}
