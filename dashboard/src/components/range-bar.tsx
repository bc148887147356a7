// The date range picker, the time zone and the site selector: the top bar of the historical pages.
import { useEffect, useState } from 'preact/hooks'
import type { SitesResponse } from '../../../src/analytics/contract.ts'
import { loadSites } from '../setup.ts'
import { type AppState, BROWSER_TZ, PERIODS, type Period, update } from '../state.ts'

const PERIOD_LABELS: Record<Period, string> = {
  today: 'Today',
  '24h': 'Last 24 h',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  custom: 'Custom',
}

function zones(current: string): string[] {
  const all = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? []
  return [...new Set(['UTC', BROWSER_TZ, current, ...all])]
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10)
}

/** Range, zone and site controls bound to the URL state. */
export function RangeBar({ s }: { s: AppState }) {
  const [sites, setSites] = useState<SitesResponse['sites']>([])
  useEffect(() => {
    loadSites().then(
      (r) => setSites(r.sites),
      () => setSites([]),
    )
  }, [])
  const named = sites.filter((x) => x.site !== null)
  return (
    <div class="range-bar">
      {(named.length > 1 || s.site) && (
        <label class="field">
          <span>Site</span>
          <select value={s.site} onChange={(e) => update({ site: e.currentTarget.value })} aria-label="Site">
            <option value="">All sites</option>
            {named.map((x) => (
              <option key={x.site} value={x.site!}>
                {x.site}
              </option>
            ))}
            {s.site && !named.some((x) => x.site === s.site) && <option value={s.site}>{s.site}</option>}
          </select>
        </label>
      )}
      <label class="field">
        <span>Range</span>
        <select
          aria-label="Date range"
          value={s.period}
          onChange={(e) => {
            const period = e.currentTarget.value as Period
            if (period === 'custom' && !(s.from && s.to)) {
              const to = new Date()
              const from = new Date(to.getTime() - 6 * 86_400_000)
              update({ period, from: isoDay(from), to: isoDay(to) })
            } else update({ period })
          }}
        >
          {PERIODS.map((p) => (
            <option key={p} value={p}>
              {PERIOD_LABELS[p]}
            </option>
          ))}
        </select>
      </label>
      {s.period === 'custom' && (
        <>
          <label class="field">
            <span>From</span>
            <input
              type="date"
              value={s.from}
              max={s.to}
              onChange={(e) => update({ from: e.currentTarget.value })}
            />
          </label>
          <label class="field">
            <span>To</span>
            <input
              type="date"
              value={s.to}
              min={s.from}
              onChange={(e) => update({ to: e.currentTarget.value })}
            />
          </label>
        </>
      )}
      <label class="field">
        <span>Time zone</span>
        <select aria-label="Time zone" value={s.tz} onChange={(e) => update({ tz: e.currentTarget.value })}>
          {zones(s.tz).map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </label>
    </div>
  )
}
