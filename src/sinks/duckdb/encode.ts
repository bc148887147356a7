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

type Column = (typeof EVENT_COLUMNS)[number][0]
type Kind = 'text' | 'time' | 'bool' | 'json'

/** How each column is appended; typed so a column added to the schema must be added here too. */
const KINDS: Record<Column, Kind> = Object.fromEntries(
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
) as Record<Column, Kind>

const PLAN = EVENT_COLUMNS.map(([name]) => [name, KINDS[name]] as const)

/** Appends one event as a row of the events table. */
export function appendEvent(a: DuckDBAppender, e: ClickEvent): void {
  for (const [name, kind] of PLAN) {
    const v = e[name as keyof ClickEvent]
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
