// A breakdown table: one row per value with a bar showing its share; clicking a row filters the whole
// dashboard to that value.
import type { BreakdownResponse, Dimension } from '../../../src/analytics/contract.ts'
import { num, pct } from '../format.ts'
import { addFilter } from '../state.ts'

/** A column of a breakdown table. */
export interface Column {
  readonly key: 'visitors' | 'page_views' | 'events' | 'sessions' | 'bounce_rate'
  readonly label: string
}

export const DEFAULT_COLUMNS: readonly Column[] = [{ key: 'visitors', label: 'Visitors' }]

/** Rows of a breakdown; `dimension` decides what a click filters on. */
export function BreakdownTable({
  data,
  dimension,
  columns = DEFAULT_COLUMNS,
  valueLabel,
}: {
  data: BreakdownResponse
  dimension: Dimension
  columns?: readonly Column[]
  valueLabel: string
}) {
  const max = Math.max(1, ...data.rows.map((r) => r.visitors))
  return (
    <table class="breakdown" data-dimension={dimension}>
      <thead>
        <tr>
          <th>{valueLabel}</th>
          {columns.map((c) => (
            <th key={c.key} class="num">
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {data.rows.map((r) => {
          const clickable = r.value !== null
          const filter = () => clickable && addFilter({ dimension, op: '==', value: [r.value!] })
          return (
            <tr
              key={r.value ?? '\u0000none'}
              class={clickable ? 'row clickable' : 'row'}
              data-value={r.value ?? ''}
              tabIndex={clickable ? 0 : undefined}
              title={clickable ? `Filter to ${r.value}` : undefined}
              onClick={filter}
              onKeyDown={(e) => e.key === 'Enter' && filter()}
            >
              <td class="label">
                <span class="bar" style={{ width: `${(r.visitors / max) * 100}%` }} />
                <span class="text">{r.value ?? '(none)'}</span>
              </td>
              {columns.map((c) => (
                <td key={c.key} class="num" data-col={c.key} data-raw={String(r[c.key] ?? '')}>
                  {c.key === 'bounce_rate' ? pct(r.bounce_rate) : num(r[c.key])}
                </td>
              ))}
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
