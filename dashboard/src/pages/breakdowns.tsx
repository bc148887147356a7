// Breakdowns: the full list for one dimension (up to 100 rows, every column), custom event
// properties included. Rows filter the whole dashboard like the overview's panels.
import type { BreakdownResponse, Dimension } from '../../../src/analytics/contract.ts'
import { getJson, postJson } from '../api.ts'
import { breakdownQuery } from '../components/panel.tsx'
import { Paths } from '../components/paths.tsx'
import { ErrorBox, Loading, NoRows } from '../components/states.tsx'
import { BreakdownTable } from '../components/table.tsx'
import { num } from '../format.ts'
import { PANELS, tabFor } from '../panels.ts'
import { type AppState, update } from '../state.ts'
import { useApi } from '../use-api.ts'

interface SqlAnswer {
  readonly rows: readonly (readonly unknown[])[]
}

/** Property keys seen on custom events of the last 90 days, most used first. */
function PropertyKeys({ current }: { current: string }) {
  const query =
    'SELECT k, count(*) AS n FROM (SELECT unnest(json_keys(props)) AS k FROM events WHERE props IS NOT NULL AND event_time >= now()::TIMESTAMP - INTERVAL 90 DAY) GROUP BY k ORDER BY n DESC LIMIT 30'
  const r = useApi('prop-keys', (signal) => postJson<SqlAnswer>('/api/sql', { sql: query }, signal))
  if (r.error) return <ErrorBox error={r.error} />
  if (!r.data) return <Loading />
  if (r.data.rows.length === 0) return <p class="muted">No event carries properties yet.</p>
  return (
    <div class="tabs wrap" role="tablist" aria-label="Event properties">
      {r.data.rows.map(([k, n]) => (
        <button
          type="button"
          role="tab"
          key={String(k)}
          aria-selected={current === `prop:${k}`}
          onClick={() => update({ dim: `prop:${k}` })}
          title={`${num(Number(n))} events`}
        >
          {String(k)}
        </button>
      ))}
    </div>
  )
}

/** The Breakdowns page. */
export function Breakdowns({ s }: { s: AppState }) {
  const tab = tabFor(s.dim)
  const path = `/api/stats/breakdown${breakdownQuery(s, tab.dimension, 100, tab.filter)}`
  const r = useApi(path, (signal) => getJson<BreakdownResponse>(path, signal))
  const columns = [
    ...tab.columns,
    ...(tab.columns.some((c) => c.key === 'events') ? [] : [{ key: 'events' as const, label: 'Events' }]),
  ]
  return (
    <div class="page breakdowns">
      <nav class="card dim-picker" aria-label="Dimensions">
        {PANELS.map((p) => (
          <div class="dim-group" key={p.id}>
            <h3>{p.title}</h3>
            <div class="tabs wrap" role="tablist">
              {p.tabs.map((t) => (
                <button
                  type="button"
                  role="tab"
                  key={t.dimension}
                  aria-selected={t.dimension === tab.dimension}
                  onClick={() => update({ dim: t.dimension })}
                >
                  {t.label}
                </button>
              ))}
            </div>
          </div>
        ))}
        <div class="dim-group">
          <h3>Event properties</h3>
          <PropertyKeys current={tab.dimension} />
        </div>
      </nav>
      <div class="breakdown-main">
        <section class="card" data-panel="breakdown" aria-busy={r.loading}>
          <header>
            <h2>{tab.label}</h2>
            {r.data && <span class="muted">{num(r.data.total_visitors)} visitors in total</span>}
          </header>
          {r.error ? (
            <ErrorBox error={r.error} />
          ) : !r.data ? (
            <Loading />
          ) : r.data.rows.length === 0 ? (
            <NoRows
              text={s.filters.length ? 'Nothing in this range with these filters.' : 'Nothing in this range.'}
            />
          ) : (
            <BreakdownTable
              data={r.data}
              dimension={tab.dimension as Dimension}
              columns={columns}
              valueLabel={tab.label}
            />
          )}
        </section>
        {(tab.dimension === 'page' || tab.dimension === 'entry_page' || tab.dimension === 'exit_page') && (
          <Paths s={s} fallback={r.data?.rows.find((x) => x.value !== null)?.value ?? null} />
        )}
      </div>
    </div>
  )
}
