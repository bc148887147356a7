// A breakdown panel: tabs over related dimensions, the table of the chosen one under the dashboard's
// range and filters, and a link to the full list on the Breakdowns page.
import { useState } from 'preact/hooks'
import type { BreakdownResponse, Filter } from '../../../src/analytics/contract.ts'
import { getJson, queryString } from '../api.ts'
import type { PanelSpec } from '../panels.ts'
import { type AppState, rangeParams, update } from '../state.ts'
import { useApi } from '../use-api.ts'
import { ErrorBox, Loading, NoRows } from './states.tsx'
import { BreakdownTable } from './table.tsx'

/** The query string of a breakdown for a state. */
export function breakdownQuery(s: AppState, dimension: string, limit: number, extra?: Filter): string {
  return queryString({
    ...rangeParams(extra ? { ...s, filters: [...s.filters, extra] } : s),
    dimension,
    limit,
  })
}

/** One panel of the overview. */
export function Panel({ spec, s }: { spec: PanelSpec; s: AppState }) {
  const [tabIndex, setTab] = useState(0)
  const tab = spec.tabs[tabIndex] ?? spec.tabs[0]!
  const path = `/api/stats/breakdown${breakdownQuery(s, tab.dimension, 10, tab.filter)}`
  const r = useApi(path, (signal) => getJson<BreakdownResponse>(path, signal))
  return (
    <section class="card panel" data-panel={spec.id} aria-busy={r.loading}>
      <header>
        <h2>{spec.title}</h2>
        <div class="tabs" role="tablist">
          {spec.tabs.map((t, i) => (
            <button
              type="button"
              role="tab"
              key={t.dimension}
              aria-selected={i === tabIndex}
              onClick={() => setTab(i)}
            >
              {t.label}
            </button>
          ))}
        </div>
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
          dimension={tab.dimension}
          columns={tab.columns}
          valueLabel={tab.label}
        />
      )}
      <footer>
        <button type="button" class="link" onClick={() => update({ view: 'breakdowns', dim: tab.dimension })}>
          Details →
        </button>
      </footer>
    </section>
  )
}
