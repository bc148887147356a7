// DAU, WAU and MAU as of the range's end, stickiness (DAU / MAU), and DAU per day of the range.
import type { ActiveUsersResponse } from '../../../src/analytics/contract.ts'
import { getJson, queryString } from '../api.ts'
import { num, pct } from '../format.ts'
import { type AppState, rangeParams } from '../state.ts'
import { useApi } from '../use-api.ts'
import { Chart } from './chart.tsx'
import { ErrorBox, Loading } from './states.tsx'

/** The active users card of the Overview. */
export function ActiveUsers({ s }: { s: AppState }) {
  const path = `/api/stats/active-users${queryString(rangeParams(s))}`
  const r = useApi(path, (signal) => getJson<ActiveUsersResponse>(path, signal))
  const figures = r.data
    ? ([
        ['dau', 'Daily active', num(r.data.dau), r.data.dau],
        ['wau', 'Weekly active', num(r.data.wau), r.data.wau],
        ['mau', 'Monthly active', num(r.data.mau), r.data.mau],
        ['stickiness', 'Stickiness (DAU / MAU)', pct(r.data.stickiness), r.data.stickiness],
      ] as const)
    : []
  return (
    <section class="card" data-panel="active-users" aria-busy={r.loading}>
      <header>
        <h2>Active users</h2>
        <span class="muted">as of the end of the range</span>
      </header>
      {r.error ? (
        <ErrorBox error={r.error} />
      ) : !r.data ? (
        <Loading />
      ) : (
        <>
          <div class="figures">
            {figures.map(([key, label, shown, raw]) => (
              <div class="figure" key={key} data-metric={key}>
                <span class="stat-label">{label}</span>
                <strong class="stat-value" data-value={raw}>
                  {shown}
                </strong>
              </div>
            ))}
          </div>
          {r.data.daily.length > 1 && (
            <Chart
              label="Daily active users"
              tz={s.tz}
              days
              height={160}
              x={r.data.daily.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000)}
              series={[{ label: 'DAU', color: '#16a34a', values: r.data.daily.map((d) => d.dau) }]}
            />
          )}
        </>
      )}
    </section>
  )
}
