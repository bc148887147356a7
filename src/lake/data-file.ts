// Writing one data file of the lake: DuckDB's COPY ... TO (FORMAT parquet) into the day's Hive
// folder under a fresh name, then the `add` action that describes it (size, partition value and
// stats DuckDB reports for the file it wrote, so the log never claims what the file does not hold).
import { randomUUID } from 'node:crypto'
import { mkdir, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { EVENT_COLUMNS } from '../store/duckdb/schema.ts'
import { type AddAction, encodeDataPath } from './actions.ts'
import { PARTITION_COLUMN, STATS_MIN_MAX } from './events-table.ts'
import { sqlString } from './parquet-io.ts'

/** The relative path of a new file in `day`'s partition. */
export function newFilePath(day: string): string {
  return `${PARTITION_COLUMN}=${day}/part-00000-${randomUUID()}.c000.snappy.parquet`
}

/**
 * A TIMESTAMPTZ as DuckDB prints it in COPY's statistics ("2026-11-01 00:16:39.123456+00") -> the
 * ISO form Delta stats use, at millisecond precision rounded outward (down for a min, up for a
 * max), so data skipping never excludes a file that holds a matching row. Null if unparseable.
 */
export function statTimestamp(text: string, up: boolean): string | null {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?([+-]\d{2})(?::?(\d{2}))?$/.exec(text)
  if (!m) return null
  const frac = (m[3] ?? '').padEnd(6, '0')
  const sign = m[4]!.startsWith('-') ? -1 : 1
  const offsetMin = sign * (Math.abs(Number(m[4])) * 60 + Number(m[5] ?? 0))
  const base = Date.parse(`${m[1]}T${m[2]}Z`)
  if (Number.isNaN(base)) return null
  let ms = base - offsetMin * 60_000 + Number(frac.slice(0, 3))
  if (up && Number(frac.slice(3)) > 0) ms += 1
  return new Date(ms).toISOString()
}

/** A MAP value from the node API: an object with `entries`, or the entries themselves. */
function mapEntries(v: unknown): { key: unknown; value: unknown }[] {
  if (Array.isArray(v)) return v as { key: unknown; value: unknown }[]
  return (v as { entries?: { key: unknown; value: unknown }[] } | null)?.entries ?? []
}

/** Per-column statistics of COPY ... (RETURN_STATS), by column name (DuckDB quotes the names). */
function columnStats(value: unknown): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>()
  for (const e of mapEntries(value)) {
    const inner = new Map<string, string>()
    for (const x of mapEntries(e.value)) inner.set(String(x.key), String(x.value))
    out.set(String(e.key).replace(/^"(.*)"$/, '$1'), inner)
  }
  return out
}

/** Delta stats JSON: numRecords, min/max of the time columns, the null count of every column. */
function deltaStats(rows: number, stats: Map<string, Map<string, string>>): string {
  const minValues: Record<string, string> = {}
  const maxValues: Record<string, string> = {}
  for (const c of STATS_MIN_MAX) {
    const lo = stats.get(c)?.get('min')
    const hi = stats.get(c)?.get('max')
    const l = lo === undefined ? null : statTimestamp(lo, false)
    const h = hi === undefined ? null : statTimestamp(hi, true)
    if (l !== null && h !== null) {
      minValues[c] = l
      maxValues[c] = h
    }
  }
  const nullCount: Record<string, number> = {}
  for (const [c] of EVENT_COLUMNS) {
    const n = stats.get(c)?.get('null_count')
    if (n !== undefined) nullCount[c] = Number(n)
  }
  return JSON.stringify({ numRecords: rows, minValues, maxValues, nullCount })
}

/** A written file: its add action and row count. */
export interface WrittenFile {
  readonly add: AddAction
  readonly rows: number
  readonly absolute: string
}

/**
 * Writes the rows of `select` (file columns only, no `day`) as a new file of `day`. Resolves null,
 * leaving nothing behind, when the query has no rows.
 */
export async function writeDataFile(
  conn: DuckDBConnection,
  root: string,
  day: string,
  select: string,
  dataChange: boolean,
): Promise<WrittenFile | null> {
  const relative = newFilePath(day)
  const absolute = join(root, relative)
  await mkdir(join(root, `${PARTITION_COLUMN}=${day}`), { recursive: true })
  // RETURN_STATS: DuckDB reports rows and per-column min/max/nulls of the file it wrote, so the
  // stats cost no second read of the file.
  const r = await conn.runAndReadAll(
    `COPY (${select}) TO ${sqlString(absolute)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880, RETURN_STATS true)`,
  )
  const names = r.columnNames()
  const row = r.getRows()[0]
  const rows = Number(row?.[names.indexOf('count')] ?? 0)
  if (rows === 0) {
    await unlink(absolute).catch(() => undefined)
    return null
  }
  const stats = deltaStats(rows, columnStats(row![names.indexOf('column_statistics')]))
  const st = await stat(absolute)
  return {
    rows,
    absolute,
    add: {
      path: encodeDataPath(relative),
      partitionValues: { [PARTITION_COLUMN]: day },
      size: st.size,
      modificationTime: Math.round(st.mtimeMs),
      dataChange,
      stats,
    },
  }
}
