// Retention: cohorts by first-seen day or week, and the share of each cohort active again in every
// later period, as a grid coloured by that share.

import { useState } from 'preact/hooks'
import type { RetentionRequest, RetentionResponse } from '../../../src/analytics/contract.ts'
import { postJson } from '../api.ts'
import { ErrorBox, Loading, NoRows } from '../components/states.tsx'
import { num, pct } from '../format.ts'
import { type AppState, rangeParams } from '../state.ts'
import { useApi } from '../use-api.ts'

/** The retention request for a state and cohort size. */
export function retentionRequest(s: AppState, cohort: 'day' | 'week'): RetentionRequest {
  const range = rangeParams(s)
  return {
    cohort,
    ...(range.site ? { site: range.site } : {}),
    ...(range.period ? { period: range.period } : { from: range.from, to: range.to }),
    tz: s.tz,
    ...(s.filters.length ? { filters: s.filters } : {}),
  }
}

/** Background for a share: pale to deep indigo. */
function shade(share: number): string {
  return `hsl(243 75% ${Math.round(96 - share * 56)}%)`
}

/** The Retention page. */
export function Retention({ s }: { s: AppState }) {
  const [cohort, setCohort] = useState<'day' | 'week'>(s.period === '90d' ? 'week' : 'day')
  const body = retentionRequest(s, cohort)
  const key = JSON.stringify(body)
  const r = useApi(key, (signal) => postJson<RetentionResponse>('/api/retention', body, signal))
  const periods = Math.max(0, ...(r.data?.cohorts ?? []).map((c) => c.retained.length))
  return (
    <div class="page retention">
      <section class="card" data-panel="retention" aria-busy={r.loading}>
        <header>
          <h2>Returning visitors by cohort</h2>
          <div class="tabs" role="tablist">
            {(['day', 'week'] as const).map((c) => (
              <button
                type="button"
                role="tab"
                key={c}
                aria-selected={cohort === c}
                onClick={() => setCohort(c)}
              >
                By {c}
              </button>
            ))}
          </div>
        </header>
        {r.error ? (
          <ErrorBox error={r.error} />
        ) : !r.data ? (
          <Loading />
        ) : r.data.cohorts.length === 0 ? (
          <NoRows text="No visitor was first seen in this range." />
        ) : (
          <div class="scroll-x">
            <table class="cohorts">
              <thead>
                <tr>
                  <th>Cohort</th>
                  <th class="num">Visitors</th>
                  {Array.from({ length: periods }, (_, k) => (
                    <th key={k} class="num">
                      {cohort === 'day' ? 'Day' : 'Week'} {k}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {r.data.cohorts.map((c) => (
                  <tr key={c.cohort} data-cohort={c.cohort}>
                    <th>{c.cohort.slice(0, 10)}</th>
                    <td class="num">{num(c.visitors)}</td>
                    {Array.from({ length: periods }, (_, k) => {
                      const v = c.retained[k]
                      if (v === null || v === undefined || c.visitors === 0)
                        return <td key={k} class="cell future" data-retained={v ?? undefined} />
                      const share = c.visitors ? v / c.visitors : 0
                      return (
                        <td
                          key={k}
                          class="cell"
                          data-retained={v}
                          title={`${num(v)} visitors`}
                          style={{ background: shade(share), color: share > 0.5 ? '#fff' : '#1f2937' }}
                        >
                          {pct(share)}
                        </td>
                      )
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  )
}
