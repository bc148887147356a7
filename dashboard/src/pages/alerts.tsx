// Alerts: every rule with its state, and the history of firings and recoveries with the webhook's fate.

import { useEffect, useState } from 'preact/hooks'
import type { AlertsResponse } from '../../../src/analytics/contract.ts'
import { getJson } from '../api.ts'
import { ErrorBox, Loading } from '../components/states.tsx'
import { num, time } from '../format.ts'
import type { AppState } from '../state.ts'
import { useApi } from '../use-api.ts'

/** The Alerts page; refreshes every 10 seconds. */
export function Alerts({ s }: { s: AppState }) {
  const [tick, setTick] = useState(0)
  useEffect(() => {
    const t = setInterval(() => setTick((x) => x + 1), 10_000)
    return () => clearInterval(t)
  }, [])
  const r = useApi(`alerts-${tick}`, (signal) => getJson<AlertsResponse>('/api/alerts', signal))
  const [data, setData] = useState<AlertsResponse | null>(null)
  useEffect(() => {
    if (r.data) setData(r.data)
  }, [r.data])
  if (r.error && !data) return <ErrorBox error={r.error} />
  if (!data) return <Loading />
  return (
    <div class="page alerts">
      {r.error && <ErrorBox error={r.error} />}
      <section class="card" data-panel="alert-rules">
        <header>
          <h2>Rules</h2>
        </header>
        {data.rules.length === 0 ? (
          <p class="muted no-rows">
            No alert rules. Add them under <code>alerts:</code> in the config file (see docs/config.md); they
            fire a webhook and show here.
          </p>
        ) : (
          <div class="scroll-x">
            <table class="grid">
              <thead>
                <tr>
                  <th>Rule</th>
                  <th>Metric</th>
                  <th>Condition</th>
                  <th>Window</th>
                  <th>State</th>
                  <th class="num">Last value</th>
                </tr>
              </thead>
              <tbody>
                {data.rules.map((x) => (
                  <tr key={x.id} data-rule={x.id}>
                    <td>{x.id}</td>
                    <td>{x.metric}</td>
                    <td>
                      <code>{x.condition}</code>
                    </td>
                    <td>{x.window}</td>
                    <td>
                      <span class={`state ${x.state}`}>{x.state}</span>
                      {x.since && <span class="muted"> since {time(x.since, s.tz, true)}</span>}
                    </td>
                    <td class="num" data-raw={x.last_value ?? ''}>
                      {num(x.last_value)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" data-panel="alert-history">
        <header>
          <h2>History</h2>
        </header>
        {data.history.length === 0 ? (
          <p class="muted no-rows">No rule has fired yet.</p>
        ) : (
          <div class="scroll-x">
            <table class="grid">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Rule</th>
                  <th>What</th>
                  <th class="num">Value</th>
                  <th class="num">Threshold</th>
                  <th>Webhook</th>
                </tr>
              </thead>
              <tbody>
                {data.history.map((h) => (
                  <tr key={h.rule_id + h.at + h.kind} data-history={h.kind} data-value={h.value}>
                    <td>{time(h.at, s.tz, true)}</td>
                    <td>{h.rule_id}</td>
                    <td>
                      <span class={`state ${h.kind === 'firing' ? 'firing' : 'ok'}`}>{h.kind}</span>
                    </td>
                    <td class="num">{num(h.value)}</td>
                    <td class="num">{num(h.threshold)}</td>
                    <td>{h.webhook_status}</td>
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
