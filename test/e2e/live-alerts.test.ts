// End to end with the real CLI: a client subscribed to GET /api/live sees visitors-now and events
// per second change within 2 s of posting events to the collector; generated traffic pushes an alert
// rule over its threshold and a webhook receiver on loopback gets one firing (after one retried
// failure) and later one recovery, not a storm; SIGTERM ends open streams and exits 0.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { AlertsResponse, LiveSnapshot } from '../../src/analytics/contract.ts'
import {
  type Clickflow,
  killAll,
  metricValue,
  pollUntil,
  post,
  scrapeMetrics,
  start,
  tempDir,
} from '../helpers/clickflow-process.ts'
import { openSse } from '../helpers/sse-client.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts'

function config(webhookUrl: string): string {
  return `
sources:
  collector:
    type: http_collector
transforms:
  valid:
    type: validate
    inputs: [collector]
  dedupe:
    type: dedupe
    inputs: [valid]
sinks:
  store:
    type: duckdb
    inputs: [dedupe]
  live:
    type: live
    inputs: [dedupe]
    conversion_event: purchase
    alerts:
      webhook_url: ${webhookUrl}
      evaluate_every: 250ms
      webhook_backoff: 100ms
      rules:
        - id: traffic_spike
          metric: events_per_second
          condition: above
          window: 5s
          threshold: 20
          recovery_threshold: 5
          cooldown: 10m
`
}

let n = 0
function events(count: number, visitors: number, prefix: string): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    event_id: `${prefix}-${n++}`,
    type: i % 5 === 4 ? 'track' : 'pageview',
    ...(i % 5 === 4 ? { name: i % 10 === 9 ? 'purchase' : 'add_to_cart' } : {}),
    url: `https://shop.example.com/p/${i % 3}`,
    visitor_id: `${prefix}-v${i % visitors}`,
  }))
}

const snapshotOf = (data: string) => JSON.parse(data) as LiveSnapshot

describe('live stream and alerts, real process', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let receiver: WebhookReceiver
  let cf: Clickflow

  before(async () => {
    dir = await tempDir()
    // The first delivery attempt fails: the firing must arrive through a retry.
    receiver = await startWebhookReceiver([503])
    const file = join(dir.path, 'clickflow.yaml')
    await writeFile(file, config(receiver.url))
    cf = await start(dir.path, ['-c', file])
  })
  after(async () => {
    await killAll()
    await receiver?.close()
    await dir?.remove()
  })

  test('a subscriber sees visitors now and events/s change within 2 s of the collector 200', async () => {
    const stream = await openSse(`${cf.adminUrl}/api/live`)
    try {
      assert.equal(stream.status, 200)
      assert.match(stream.contentType ?? '', /^text\/event-stream/)
      const first = await stream.waitFor((m) => m.event === 'live', 5000)
      assert.ok(first, 'the current snapshot arrives at once')
      const before = snapshotOf(first.data)
      assert.equal(before.visitors_now, 0)
      assert.equal(before.events_per_second, 0)
      assert.equal(before.page_views_per_minute.length, 60)

      const sent = events(40, 13, 'live')
      const res = await post(cf.collectUrl, { events: sent })
      assert.equal(res.status, 200)
      const acked = Date.now()
      const seen = await stream.waitFor((m) => {
        const s = snapshotOf(m.data)
        return s.visitors_now === 13 && s.events_per_second === 4
      }, 2000)
      assert.ok(
        seen && seen.at - acked <= 2000,
        `no message with visitors_now 13 and events_per_second 4 within 2 s; last: ${stream.messages.at(-1)?.data}`,
      )
      const s = snapshotOf(seen.data)
      // Top pages: distinct visitors with a page view of each page, counted here from what was sent.
      const byPage = new Map<string, Set<unknown>>()
      for (const e of sent.filter((e) => e.type === 'pageview')) {
        const page = new URL(e.url as string).pathname
        byPage.set(page, (byPage.get(page) ?? new Set()).add(e.visitor_id))
      }
      const want = [...byPage]
        .map(([value, v]) => ({ value, visitors: v.size }))
        .sort((a, b) => b.visitors - a.visitors || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      assert.deepEqual(s.top_pages, want)
      assert.equal(s.conversion_event, 'purchase')
      assert.equal(s.conversion_rate, 4 / 13)
      // Messages list only the events since the previous one: each sent event shows up once.
      const listed = stream.messages.flatMap((m) => snapshotOf(m.data).recent_events.map((e) => e.event_id))
      assert.ok(listed.length > 0 && listed.every((id) => id.startsWith('live-')))
      assert.equal(new Set(listed).size, listed.length)

      const snap = await fetch(`${cf.adminUrl}/api/live/snapshot`)
      assert.equal(snap.status, 200)
      const body = (await snap.json()) as LiveSnapshot
      assert.equal(body.visitors_now, 13)
      const metrics = await scrapeMetrics(cf.adminUrl)
      assert.equal(metricValue(metrics, 'clickflow_live_subscribers', {}), 1)
    } finally {
      stream.close()
    }
  })

  test('a subscriber that disconnects is let go', async () => {
    const subscribers = async () =>
      metricValue(await scrapeMetrics(cf.adminUrl), 'clickflow_live_subscribers', {})
    // The previous test's stream was closed too; its end may still be on its way.
    assert.ok(await pollUntil(async () => (await subscribers()) === 0, 5000))
    const stream = await openSse(`${cf.adminUrl}/api/live`)
    assert.ok(await stream.waitFor((m) => m.event === 'live', 5000))
    assert.equal(await subscribers(), 1)
    stream.close()
    assert.ok(
      await pollUntil(async () => (await subscribers()) === 0, 5000),
      'the closed stream is still counted',
    )
  })

  test('traffic over the threshold fires once (delivered after a retry) and recovers once when it stops', async () => {
    const firings = () => receiver.received.filter((b) => b.kind === 'firing')
    // About 250 events/s against a threshold of 20 over 5 s, until the firing is delivered.
    const fired = await pollUntil(async () => {
      const res = await post(cf.collectUrl, { events: events(50, 50, 'spike') })
      assert.equal(res.status, 200)
      await new Promise((r) => setTimeout(r, 200))
      return firings().length >= 2
    }, 30_000)
    assert.ok(fired, `no delivered firing; received ${JSON.stringify(receiver.received)}`)
    // More of the same traffic while firing: more evaluations, no more notifications.
    for (let i = 0; i < 10; i++) {
      await post(cf.collectUrl, { events: events(50, 50, 'spike') })
      await new Promise((r) => setTimeout(r, 200))
    }
    const recovered = await pollUntil(
      async () => receiver.received.some((b) => b.kind === 'recovery'),
      30_000,
    )
    assert.ok(recovered, 'no recovery after the traffic stopped')

    const [failed, firing, recovery, ...more] = receiver.received
    assert.deepEqual(
      more,
      [],
      'one firing (twice: a failed attempt and its retry) and one recovery, nothing more',
    )
    assert.equal(failed!.id, firing!.id, 'the retry repeats the same notification')
    assert.deepEqual([firing!.rule_id, firing!.kind, recovery!.kind], ['traffic_spike', 'firing', 'recovery'])
    assert.ok((firing!.value as number) > 20 && (recovery!.value as number) < 5)

    const res = await fetch(`${cf.adminUrl}/api/alerts`)
    const alerts = (await res.json()) as AlertsResponse
    assert.deepEqual(
      alerts.rules.map((r) => [r.id, r.state, r.window, r.condition]),
      [['traffic_spike', 'ok', '5s', 'above 20']],
    )
    assert.deepEqual(
      alerts.history.map((h) => [h.kind, h.webhook_status]),
      [
        ['recovery', 'delivered'],
        ['firing', 'delivered'],
      ],
    )
    const metrics = await scrapeMetrics(cf.adminUrl)
    assert.equal(
      metricValue(metrics, 'clickflow_alert_webhook_deliveries_total', { outcome: 'delivered' }),
      2,
    )
    assert.equal(
      metricValue(metrics, 'clickflow_alert_webhook_retries_total', { rule_id: 'traffic_spike' }),
      1,
    )
    assert.equal(metricValue(metrics, 'clickflow_alert_firing', { rule_id: 'traffic_spike' }), 0)
  })

  test('SIGTERM ends open live streams and exits 0', async () => {
    const streams = await Promise.all([
      openSse(`${cf.adminUrl}/api/live`),
      openSse(`${cf.adminUrl}/api/live`),
    ])
    for (const s of streams) assert.ok(await s.waitFor((m) => m.event === 'live', 5000))
    const exit = await cf.stop('SIGTERM')
    assert.deepEqual(exit, { code: 0, signal: null })
    await Promise.all(streams.map((s) => s.ended))
  })
})
