// Appending events and dead letters as DuckDB rows, in the column order of store/duckdb/schema.ts.
import { type DuckDBAppender, DuckDBTimestampValue } from '@duckdb/node-api'
import type { ClickEvent, DeadLetter } from '../../core/event.ts'
import { EVENT_COLUMNS } from '../../store/duckdb/schema.ts'

function timestamp(ms: number): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(Math.trunc(ms)) * 1000n)
}

function text(a: DuckDBAppender, v: string | null): void {
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

/** Appends one event as a row. */
export type EventAppender = (a: DuckDBAppender, e: ClickEvent) => void

/**
 * An appender for the events table with these columns, in the table's own order (columns added by
 * a later version sit at the end of older tables, so the order is read from the table, not assumed).
 */
export function eventAppender(tableColumns: readonly string[]): EventAppender {
  const plan = tableColumns.map((name) => {
    const kind = KINDS.get(name)
    if (!kind) throw new Error(`events table has a column "${name}" that clickflow does not know`)
    return [name as keyof ClickEvent, kind] as const
  })
  return (a, e) => {
    for (const [name, kind] of plan) {
      const v = e[name]
      if (v === null || v === undefined) {
        if (kind === 'bool') a.appendBoolean(false)
        else a.appendNull()
      } else if (kind === 'text') a.appendVarchar(String(v))
      else if (kind === 'time') a.appendTimestamp(timestamp(v as number))
      else if (kind === 'bool') a.appendBoolean(v === true)
      else a.appendVarchar(JSON.stringify(v))
    }
    a.endRow()
  }
}

/** Appends one dead letter as a row of the dead_letters table (stored_at from the clock). */
export function appendDeadLetter(a: DuckDBAppender, d: DeadLetter, storedAt: number): void {
  a.appendVarchar(d.component_id)
  a.appendVarchar(d.reason)
  a.appendVarchar(d.message)
  a.appendTimestamp(timestamp(d.received_at))
  text(a, d.payload)
  a.appendTimestamp(timestamp(storedAt))
  a.endRow()
}
