// Overview: the headline numbers with their change against the previous period, the time series with
// a choice of interval and metric, and the breakdown panels. Everything follows range and filters.
import { useState } from 'preact/hooks'
import type {
  BreakdownResponse,
  OverviewMetrics,
  OverviewResponse,
  TimeseriesResponse,
} from '../../../src/analytics/contract.ts'
import { getJson, queryString } from '../api.ts'
import { ActiveUsers } from '../components/active-users.tsx'
import { Chart } from '../components/chart.tsx'
import { Panel } from '../components/panel.tsx'
import { ErrorBox, Loading, NoData } from '../components/states.tsx'
import { change, duration, num, pct } from '../format.ts'
import { PANELS } from '../panels.ts'
import { useSetup } from '../setup.ts'
import { type AppState, INTERVALS, type Interval, rangeParams, update } from '../state.ts'
import { useApi } from '../use-api.ts'

interface Metric {
  readonly key: keyof OverviewMetrics
  readonly label: string
  readonly show: (v: number | null) => string
  /** Whether down is good (bounce rate). */
  readonly lowerIsBetter?: boolean
}

const METRICS: readonly Metric[] = [
  { key: 'visitors', label: 'Visitors', show: num },
  { key: 'page_views', label: 'Page views', show: num },
  { key: 'sessions', label: 'Sessions', show: num },
  { key: 'bounce_rate', label: 'Bounce rate', show: pct, lowerIsBetter: true },
  { key: 'visit_duration', label: 'Visit duration', show: duration },
  { key: 'conversion_rate', label: 'Conversion rate', show: pct },
]

type SeriesKey = 'visitors' | 'page_views' | 'sessions' | 'events'
const SERIES: Record<SeriesKey, { label: string; color: string }> = {
  visitors: { label: 'Visitors', color: '#4f46e5' },
  page_views: { label: 'Page views', color: '#0891b2' },
  sessions: { label: 'Sessions', color: '#16a34a' },
  events: { label: 'Events', color: '#d97706' },
}

/** The interval a range reads best in, unless one was chosen. */
export function defaultInterval(s: AppState): Interval {
  if (s.interval) return s.interval
  if (s.period === 'today' || s.period === '24h') return 'hour'
  return 'day'
}

function Change({
  now,
  before,
  lowerIsBetter,
}: {
  now: number | null
  before: number | null
  lowerIsBetter?: boolean
}) {
  const c = change(now, before)
  if (c === null) return <span class="change none">no comparison</span>
  const good = c === 0 ? 'flat' : c > 0 !== !!lowerIsBetter ? 'up' : 'down'
  return (
    <span class={`change ${good}`} title="against the previous period of the same length">
      {c > 0 ? '▲' : c < 0 ? '▼' : '•'} {Math.abs(c * 100).toFixed(0)}%
    </span>
  )
}

function GoalPicker({ s, goal }: { s: AppState; goal: string }) {
  const path = `/api/stats/breakdown${queryString({ ...rangeParams({ ...s, filters: [] }), dimension: 'event_name', limit: 50 })}`
  const r = useApi(path, (signal) => getJson<BreakdownResponse>(path, signal))
  const names = (r.data?.rows ?? []).flatMap((x) => (x.value ? [x.value] : []))
  return (
    <select
      class="goal"
      aria-label="Conversion goal"
      value={goal}
      onChange={(e) => update({ goal: e.currentTarget.value }, true)}
    >
      <option value="-">no goal</option>
      {goal !== '-' && !names.includes(goal) && <option value={goal}>{goal}</option>}
      {names.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </select>
  )
}

/** The headline numbers. */
function Stats({ s }: { s: AppState }) {
  // Until a goal is chosen, the conversion event of the live view is the goal (once setup is known).
  const setup = useSetup()
  // `goal=-` in the address: no goal at all.
  const goal = s.goal === '-' ? undefined : s.goal || setup?.conversion_event || undefined
  const path = setup ? `/api/stats/overview${queryString({ ...rangeParams(s), goal })}` : null
  const r = useApi(path, (signal) => getJson<OverviewResponse>(path!, signal))
  if (r.error) return <ErrorBox error={r.error} />
  if (!r.data) return <Loading />
  const { current, previous } = r.data
  return (
    <>
      {current.events === 0 && previous.events === 0 && s.filters.length === 0 && (
        <NoData other="No events in this range: pick a longer range, or another site." />
      )}
      <div class="stats" aria-busy={r.loading}>
        {METRICS.map((m) => (
          <div class="stat card" key={m.key} data-metric={m.key}>
            <div class="stat-label">{m.label}</div>
            <div class="stat-value" data-value={String(current[m.key])}>
              {m.show(current[m.key])}
            </div>
            {m.key === 'conversion_rate' && <GoalPicker s={s} goal={goal ?? '-'} />}
            {(m.key !== 'conversion_rate' || current.conversion_rate !== null) && (
              <Change now={current[m.key]} before={previous[m.key]} lowerIsBetter={m.lowerIsBetter} />
            )}
          </div>
        ))}
      </div>
    </>
  )
}

/** The time series chart with its interval and metric choice. */
function Timeseries({ s }: { s: AppState }) {
  const [metric, setMetric] = useState<SeriesKey>('visitors')
  const interval = defaultInterval(s)
  const path = `/api/stats/timeseries${queryString({ ...rangeParams(s), interval })}`
  const r = useApi(path, (signal) => getJson<TimeseriesResponse>(path, signal))
  const points = r.data?.points ?? []
  return (
    <section class="card" data-panel="timeseries" aria-busy={r.loading}>
      <header>
        <h2>{SERIES[metric].label} over time</h2>
        <div class="controls">
          <select
            aria-label="Chart metric"
            value={metric}
            onChange={(e) => setMetric(e.currentTarget.value as SeriesKey)}
          >
            {Object.entries(SERIES).map(([k, v]) => (
              <option key={k} value={k}>
                {v.label}
              </option>
            ))}
          </select>
          <select
            aria-label="Interval"
            value={interval}
            onChange={(e) => update({ interval: e.currentTarget.value as Interval }, true)}
          >
            {INTERVALS.map((i) => (
              <option key={i} value={i}>
                by {i}
              </option>
            ))}
          </select>
        </div>
      </header>
      {r.error ? (
        <ErrorBox error={r.error} />
      ) : !r.data ? (
        <Loading />
      ) : (
        <div data-points={points.length} data-total={points.reduce((a, p) => a + p[metric], 0)}>
          <Chart
            label={`${SERIES[metric].label} by ${interval}`}
            tz={s.tz}
            days={interval === 'day' || interval === 'week' || interval === 'month'}
            x={points.map((p) => Date.parse(p.time) / 1000)}
            series={[{ ...SERIES[metric], values: points.map((p) => p[metric]) }]}
          />
        </div>
      )}
    </section>
  )
}

/** The Overview page. */
export function Overview({ s }: { s: AppState }) {
  return (
    <div class="page overview">
      <Stats s={s} />
      <Timeseries s={s} />
      <ActiveUsers s={s} />
      <div class="panels">
        {PANELS.map((p) => (
          <Panel key={p.id} spec={p} s={s} />
        ))}
      </div>
    </div>
  )
}
