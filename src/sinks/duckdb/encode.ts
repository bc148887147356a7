// Appending events (as columnar data chunks) and dead letters (as rows) to their DuckDB tables.
import { type DuckDBAppender, DuckDBDataChunk, DuckDBTimestampValue } from '@duckdb/node-api'
import bindings from '@duckdb/node-bindings'
import type { ClickEvent, DeadLetter } from '../../core/event.ts'
import { EVENT_COLUMNS } from '../../store/duckdb/schema.ts'
import { FIELD_GETTERS, type FieldGetter } from './field-getters.ts'
import { CHUNK_ROWS, fillBooleans, fillStrings, fillTimestamps } from './vector-fill.ts'

function timestamp(ms: number): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(Math.trunc(ms)) * 1000n)
}

function appendText(a: DuckDBAppender, v: string | null): void {
  if (v === null) a.appendNull()
  else a.appendVarchar(v)
}

type Kind = 'text' | 'time' | 'bool' | 'json'

const KINDS = new Map<string, Kind>(
  EVENT_COLUMNS.map(([name, type]) => [
    name,
    type.startsWith('TIMESTAMP')
      ? 'time'
      : type.startsWith('BOOLEAN')
        ? 'bool'
        : type === 'JSON'
          ? 'json'
          : 'text',
  ]),
)

/** Appends a batch of events to an appender of the events table. */
export type EventAppender = (a: DuckDBAppender, events: readonly ClickEvent[]) => void

/**
 * An appender for the events table with these columns, in the table's own order (columns added by
 * a later version sit at the end of older tables, so the order is read from the table, not assumed).
 * Rows go in as columnar data chunks of up to 2048 rows, a few native calls per column each.
 */
export function eventAppender(tableColumns: readonly string[]): EventAppender {
  const plan = tableColumns.map((name) => {
    const kind = KINDS.get(name)
    if (!kind) throw new Error(`events table has a column "${name}" that clickflow does not know`)
    return { get: FIELD_GETTERS[name as keyof ClickEvent] as FieldGetter, kind }
  })
  // Reused for every column: one column's values at a time, converted to what its vector holds.
  const texts: (string | null)[] = new Array(CHUNK_ROWS).fill(null)
  const times: (number | null)[] = new Array(CHUNK_ROWS).fill(null)
  const flags: boolean[] = new Array(CHUNK_ROWS).fill(false)
  return (a, events) => {
    const types = plan.map((_, i) => a.columnType(i))
    const chunk = DuckDBDataChunk.create(types)
    for (let offset = 0; offset < events.length; offset += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, events.length - offset)
      chunk.reset()
      chunk.rowCount = n
      for (let c = 0; c < plan.length; c++) {
        const { get, kind } = plan[c]!
        const vec = bindings.data_chunk_get_vector(chunk.chunk, c)
        if (kind === 'time') {
          for (let r = 0; r < n; r++) times[r] = (get(events[offset + r]!) ?? null) as number | null
          fillTimestamps(vec, n, times)
        } else if (kind === 'bool') {
          for (let r = 0; r < n; r++) flags[r] = get(events[offset + r]!) === true
          fillBooleans(vec, n, flags)
        } else {
          const toText = kind === 'json' ? json : text
          for (let r = 0; r < n; r++) texts[r] = toText(get(events[offset + r]!))
          fillStrings(vec, n, texts)
        }
      }
      a.appendDataChunk(chunk)
    }
  }
}

function text(v: unknown): string | null {
  return v === null || v === undefined ? null : typeof v === 'string' ? v : String(v)
}

function json(v: unknown): string | null {
  return v === null || v === undefined ? null : JSON.stringify(v)
}

/** Appends one dead letter as a row of the dead_letters table (stored_at from the clock). */
export function appendDeadLetter(a: DuckDBAppender, d: DeadLetter, storedAt: number): void {
  a.appendVarchar(d.component_id)
  a.appendVarchar(d.reason)
  a.appendVarchar(d.message)
  a.appendTimestamp(timestamp(d.received_at))
  appendText(a, d.payload)
  a.appendTimestamp(timestamp(storedAt))
  a.endRow()
}
