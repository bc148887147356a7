// Realtime: visitors now, events per second, the last 30 minutes per minute, the live top lists and
// a pausable feed of events, all pushed by /api/live every second.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { LiveSnapshot } from '../../../src/analytics/contract.ts'
import { type ApiError, getJson } from '../api.ts'
import { Chart } from '../components/chart.tsx'
import { ErrorBox, Loading, NoData } from '../components/states.tsx'
import { num, pct, time } from '../format.ts'
import { followLive } from '../live-stream.ts'
import { type AppState, addFilter, update } from '../state.ts'

type FeedEvent = LiveSnapshot['recent_events'][number]
const FEED_MAX = 100

function TopList({
  title,
  rows,
  dimension,
}: {
  title: string
  rows: LiveSnapshot['top_pages']
  dimension: 'page' | 'referrer_host' | 'country'
}) {
  const max = Math.max(1, ...rows.map((r) => r.visitors))
  return (
    <section class="card panel" data-panel={`live-${dimension}`}>
      <header>
        <h2>{title}</h2>
        <span class="muted">last 5 min</span>
      </header>
      {rows.length === 0 ? (
        <p class="muted no-rows">Nobody in the last 5 minutes.</p>
      ) : (
        <table class="breakdown">
          <tbody>
            {rows.map((r) => (
              <tr
                key={r.value}
                class="row clickable"
                data-value={r.value}
                title={`Open the overview filtered to ${r.value}`}
                onClick={() => {
                  addFilter({ dimension, op: '==', value: [r.value] })
                  update({ view: 'overview', period: 'today' })
                }}
              >
                <td class="label">
                  <span class="bar" style={{ width: `${(r.visitors / max) * 100}%` }} />
                  <span class="text">{r.value}</span>
                </td>
                <td class="num" data-raw={r.visitors}>
                  {num(r.visitors)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function Feed({
  events,
  paused,
  missed,
  onToggle,
  tz,
}: {
  events: readonly FeedEvent[]
  paused: boolean
  /** Events that arrived while paused (not in the feed). */
  missed: number
  onToggle: () => void
  tz: string
}) {
  return (
    <section class="card feed" data-panel="live-feed">
      <header>
        <h2>Live events</h2>
        <button type="button" class="button" onClick={onToggle} aria-pressed={paused}>
          {paused ? `▶ Resume${missed ? ` (${missed} new)` : ''}` : '❚❚ Pause'}
        </button>
      </header>
      {events.length === 0 ? (
        <p class="muted no-rows">Waiting for events…</p>
      ) : (
        <ol class="feed-list">
          {events.map((e) => (
            <li key={e.event_id}>
              <time>{time(e.time, tz)}</time>
              <span class={`tag ${e.event_type}`}>{e.event_name ?? e.event_type}</span>
              <span class="path">{e.page_path ?? ''}</span>
              <span class="muted">{e.country ?? ''}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

/** The Realtime page. */
export function Realtime({ s }: { s: AppState }) {
  const [snap, setSnap] = useState<LiveSnapshot | null>(null)
  const [error, setError] = useState<ApiError | Error | null>(null)
  const [connected, setConnected] = useState(false)
  const [feed, setFeed] = useState<readonly FeedEvent[]>([])
  const [paused, setPaused] = useState(false)
  const [missed, setMissed] = useState(0)
  const pausedRef = useRef(false)
  pausedRef.current = paused

  useEffect(() => {
    const ac = new AbortController()
    const take = (x: LiveSnapshot, initial = false) => {
      setSnap(x)
      if (pausedRef.current) {
        // Stream messages carry only the events since the previous one: count what the feed skips.
        if (!initial) setMissed((m) => m + x.recent_events.length)
        return
      }
      if (x.recent_events.length === 0) return
      setFeed((old) => {
        const seen = new Set(old.map((e) => e.event_id))
        const fresh = x.recent_events.filter((e) => !seen.has(e.event_id))
        return initial ? x.recent_events.slice(0, FEED_MAX) : [...fresh, ...old].slice(0, FEED_MAX)
      })
    }
    getJson<LiveSnapshot>('/api/live/snapshot', ac.signal).then(
      (x) => take(x, true),
      (err) => !ac.signal.aborted && setError(err),
    )
    void followLive(ac.signal, {
      snapshot: (x) => take(x),
      status: (ok, err) => {
        setConnected(ok)
        setError(ok ? null : (err ?? null))
      },
    })
    return () => ac.abort()
  }, [])

  if (!snap) return error ? <ErrorBox error={error as ApiError} /> : <Loading />
  const minutes = snap.page_views_per_minute.slice(-30)
  const nothing = minutes.every((m) => m.page_views === 0) && snap.visitors_now === 0
  return (
    <div class="page realtime">
      <div class="live-head">
        <span class={connected ? 'live-dot on' : 'live-dot'} /> {connected ? 'Live' : 'Reconnecting…'}
        <span class="muted"> updated {time(snap.time, s.tz)}</span>
      </div>
      {error && !connected && <ErrorBox error={error as ApiError} />}
      {nothing && (
        <NoData what="Nobody on your sites right now" other="Nobody on your sites in the last 30 minutes." />
      )}
      <div class="stats">
        <div class="stat card" data-metric="visitors_now">
          <div class="stat-label">Visitors now</div>
          <div class="stat-value" data-value={snap.visitors_now}>
            {num(snap.visitors_now)}
          </div>
          <span class="muted">last 5 minutes</span>
        </div>
        <div class="stat card" data-metric="events_per_second">
          <div class="stat-label">Events / second</div>
          <div class="stat-value" data-value={snap.events_per_second}>
            {num(snap.events_per_second)}
          </div>
          <span class="muted">last 10 seconds</span>
        </div>
        <div class="stat card" data-metric="conversion_rate">
          <div class="stat-label">Conversion</div>
          <div class="stat-value">{pct(snap.conversion_rate)}</div>
          <span class="muted">{snap.conversion_event ?? 'no conversion event set'}</span>
        </div>
      </div>
      <section class="card" data-panel="live-chart">
        <header>
          <h2>Last 30 minutes</h2>
        </header>
        <div data-total={minutes.reduce((a, m) => a + m.page_views, 0)}>
          <Chart
            label="Page views and visitors per minute, last 30 minutes"
            tz={s.tz}
            height={200}
            x={minutes.map((m) => Date.parse(m.minute) / 1000)}
            series={[
              { label: 'Page views', color: '#0891b2', values: minutes.map((m) => m.page_views) },
              { label: 'Visitors', color: '#4f46e5', values: minutes.map((m) => m.visitors) },
            ]}
          />
        </div>
      </section>
      <div class="panels">
        <TopList title="Top pages" rows={snap.top_pages} dimension="page" />
        <TopList title="Top referrers" rows={snap.top_referrers} dimension="referrer_host" />
        <TopList title="Top countries" rows={snap.top_countries} dimension="country" />
        <Feed
          events={feed}
          paused={paused}
          missed={missed}
          onToggle={() => {
            setPaused(!paused)
            setMissed(0)
          }}
          tz={s.tz}
        />
      </div>
    </div>
  )
}
