// Writing one data file of the lake: DuckDB's COPY ... TO (FORMAT parquet) into the day's Hive
// folder under a fresh name, then the `add` action that describes it (size, partition value and
// stats computed from the file itself, so the log never claims what the file does not hold).
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

/** Microseconds since the epoch -> the ISO form Delta stats use, rounded outward to milliseconds. */
function isoMs(us: bigint, up: boolean): string {
  let ms = us / 1000n
  if (up && us % 1000n !== 0n) ms += 1n
  return new Date(Number(ms)).toISOString()
}

/** Stats JSON of a written file: numRecords, min/max of the time columns, nullCount of every column. */
async function fileStats(conn: DuckDBConnection, file: string): Promise<{ rows: number; stats: string }> {
  const minMax = STATS_MIN_MAX.map((c) => `epoch_us(min("${c}")), epoch_us(max("${c}"))`).join(', ')
  const nulls = EVENT_COLUMNS.map(([c]) => `count(*) - count("${c}")`).join(', ')
  const r = await conn.runAndReadAll(
    `SELECT count(*), ${minMax}, ${nulls} FROM read_parquet(${sqlString(file)})`,
  )
  const row = r.getRows()[0]!
  const rows = Number(row[0])
  const minValues: Record<string, string> = {}
  const maxValues: Record<string, string> = {}
  STATS_MIN_MAX.forEach((c, i) => {
    const lo = row[1 + i * 2]
    const hi = row[2 + i * 2]
    if (lo !== null && hi !== null) {
      minValues[c] = isoMs(BigInt(lo as bigint), false)
      maxValues[c] = isoMs(BigInt(hi as bigint), true)
    }
  })
  const nullCount: Record<string, number> = {}
  EVENT_COLUMNS.forEach(([c], i) => {
    nullCount[c] = Number(row[1 + STATS_MIN_MAX.length * 2 + i])
  })
  return { rows, stats: JSON.stringify({ numRecords: rows, minValues, maxValues, nullCount }) }
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
  await conn.run(
    `COPY (${select}) TO ${sqlString(absolute)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
  )
  const { rows, stats } = await fileStats(conn, absolute)
  if (rows === 0) {
    await unlink(absolute)
    return null
  }
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
