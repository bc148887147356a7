// Turns DuckDB result values into JSON the API returns: integers as numbers while exact, decimals
// as numbers, timestamps as ISO 8601 UTC.
import type { DuckDBResultReader } from '@duckdb/node-api'
import type { ResultColumn } from '../store.ts'

const INTEGER = /^(BIGINT|HUGEINT|UBIGINT|UHUGEINT)$/
const DECIMAL = /^DECIMAL/
const TIMESTAMP = /^TIMESTAMP( WITH TIME ZONE)?$|^TIMESTAMP_(S|MS|NS)$/

type Convert = (v: unknown) => unknown

function converter(type: string): Convert | null {
  if (INTEGER.test(type)) {
    return (v) => {
      if (typeof v !== 'string') return v
      const n = Number(v)
      return Number.isSafeInteger(n) ? n : v
    }
  }
  if (DECIMAL.test(type)) return (v) => (typeof v === 'string' ? Number(v) : v)
  if (TIMESTAMP.test(type)) {
    return (v) => {
      if (typeof v !== 'string') return v
      // DuckDB prints 'YYYY-MM-DD HH:MM:SS[.ffffff][+00]'; stored timestamps are UTC.
      const m = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:\+00(?::00)?)?$/.exec(v)
      return m ? `${m[1]}T${m[2]}Z` : v
    }
  }
  return null
}

/** Columns and up to `maxRows` rows of a reader, JSON-ready. */
export function readResult(
  reader: DuckDBResultReader,
  maxRows: number,
): { columns: ResultColumn[]; rows: unknown[][]; truncated: boolean } {
  const names = reader.columnNames()
  const types = reader.columnTypes().map((t) => t.toString())
  const columns = names.map((name, i) => ({ name, type: types[i]! }))
  const all = reader.getRowsJson() as unknown[][]
  const truncated = all.length > maxRows
  const rows = truncated ? all.slice(0, maxRows) : all
  const converters = types.map(converter)
  if (converters.some((c) => c !== null)) {
    for (const row of rows) {
      for (let i = 0; i < row.length; i++) {
        const c = converters[i]
        if (c && row[i] !== null) row[i] = c(row[i])
      }
    }
  }
  return { columns, rows, truncated }
}
