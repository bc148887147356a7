// Alert rules end to end inside one process: generated traffic goes into the live state under a
// manual clock, the rules are evaluated every simulated second, and a real webhook receiver on
// loopback must get one firing and later one recovery, not a storm; failed deliveries are retried;
// state, history and pending deliveries survive a restart (DuckDB); change rules read the store.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { buildTestDuckdbSink } from '../../test/helpers/build-context.ts'
import { startWebhookReceiver } from '../../test/helpers/webhook-receiver.ts'
import { ManualClock } from '../core/clock.ts'
import { type ClickEvent, emptyEvent } from '../core/event.ts'
import { LiveState } from '../live/live-state.ts'
import { type Database, openDatabase } from '../store/duckdb/database.ts'
import { createLogger } from '../telemetry/logger.ts'
import { Metrics } from '../telemetry/metrics.ts'
import { AlertManager } from './alert-manager.ts'
import { AlertStore } from './alert-store.ts'
import { type AlertsConfig, alertsConfig } from './config.ts'
import { deliverWebhook } from './webhook.ts'

let n = 0
function traffic(count: number, at: number, visitors = 1000): ClickEvent[] {
  return Array.from({ length: count }, () => {
    const e = emptyEvent({
      event_id: `a-${n}`,
      event_type: 'pageview',
      event_time: at,
      received_at: at,
      source_id: 's',
    })
    e.visitor_id = `v-${n++ % visitors}`
    e.page_path = '/'
    return e
  })
}

describe('alerts', () => {
  let dir: string
  let db: Database
  const managers: AlertManager[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clickflow-alerts-'))
    db = await openDatabase(join(dir, 'db.duckdb'), { memoryLimit: '256MB', allowedDirectories: [] })
  })
  after(async () => {
    for (const m of managers) await m.close()
    await db.release()
    await rm(dir, { recursive: true, force: true })
  })

  async function manager(
    config: Partial<AlertsConfig>,
    clock: ManualClock,
    live: LiveState,
  ): Promise<AlertManager> {
    const conn = await db.connect()
    const registry = new Metrics({ defaultMetrics: false })
    const m = new AlertManager(alertsConfig.parse(config), {
      clock,
      live,
      store: new AlertStore(conn),
      history: conn,
      includeBots: false,
      conversionEvent: null,
      log: createLogger({ level: 'silent' }),
      registry,
      counters: registry.component('live', 'live', 'sink'),
    })
    managers.push(m)
    await m.start()
    return m
  }

  test('a rule crossing its threshold sends one firing and later one recovery, not a storm', async () => {
    const receiver = await startWebhookReceiver()
    try {
      const clock = new ManualClock(Date.UTC(2026, 10, 21, 10, 0, 0))
      const live = new LiveState({ conversionEvent: null, includeBots: false })
      const rule = {
        id: 'busy',
        metric: 'events_per_second',
        condition: 'above',
        window: '10s',
        threshold: 50,
        recovery_threshold: 20,
        cooldown: '2m',
      }
      const m = await manager({ webhook_url: receiver.url, rules: [rule as never] }, clock, live)
      // Events per second over time: quiet, a burst, noise around the threshold, quiet, noise again.
      const perSecond = [
        ...Array(15).fill(5),
        ...Array(20).fill(90),
        ...Array.from({ length: 30 }, (_, i) => (i % 2 ? 60 : 30)),
        ...Array(20).fill(0),
        ...Array.from({ length: 40 }, (_, i) => (i % 3 ? 10 : 130)),
      ]
      const transitions: string[] = []
      for (const [i, count] of perSecond.entries()) {
        clock.advance(1000)
        live.add(traffic(count, clock.now()), clock.now())
        const before = m.response().rules[0]!.state
        await m.evaluate()
        const after = m.response().rules[0]!.state
        if (before !== after) transitions.push(`${after}@${i}`)
      }
      await m.settled()
      assert.equal(transitions.length, 2, transitions.join(' '))
      assert.deepEqual(
        receiver.received.map((b) => [b.rule_id, b.kind]),
        [
          ['busy', 'firing'],
          ['busy', 'recovery'],
        ],
      )
      const [firing, recovery] = receiver.received
      assert.ok((firing!.value as number) > 50 && firing!.threshold === 50)
      assert.ok((recovery!.value as number) < 20 && recovery!.threshold === 20)
      const res = m.response()
      assert.equal(res.rules[0]!.state, 'ok')
      assert.deepEqual(
        res.history.map((h) => [h.kind, h.webhook_status]),
        [
          ['recovery', 'delivered'],
          ['firing', 'delivered'],
        ],
      )
    } finally {
      await receiver.close()
    }
  })

  test('a failing webhook is retried until it answers 2xx; a permanent refusal is not retried', async () => {
    const flaky = await startWebhookReceiver([503, 500, 429])
    const refusing = await startWebhookReceiver([400])
    const down = await startWebhookReceiver([500, 500, 500])
    try {
      const signal = new AbortController().signal
      const o = { timeoutMs: 2000, retries: 4, backoffMs: 5, signal }
      const ok = await deliverWebhook(flaky.url, { a: 1 }, o)
      assert.deepEqual([ok.outcome, ok.attempts, flaky.received.length], ['delivered', 4, 4])
      const refused = await deliverWebhook(refusing.url, { a: 1 }, o)
      assert.deepEqual([refused.outcome, refused.attempts, refusing.received.length], ['failed', 1, 1])
      const failed = await deliverWebhook(down.url, { a: 1 }, { ...o, retries: 2 })
      assert.deepEqual([failed.outcome, failed.attempts, failed.status], ['failed', 3, 500])
      // Nothing listens there any more: connection refused is retried too.
      await down.close()
      let retries = 0
      const gone = await deliverWebhook(down.url, {}, { ...o, retries: 2, onRetry: () => retries++ })
      assert.deepEqual([gone.outcome, gone.attempts, retries], ['failed', 3, 2])
    } finally {
      await flaky.close()
      await refusing.close()
    }
  })

  test('state, history and a delivery cut short by shutdown survive a restart', async () => {
    // The receiver fails until after the restart; the first process stops while retrying.
    const receiver = await startWebhookReceiver([503, 503, 503, 503])
    try {
      const clock = new ManualClock(Date.UTC(2026, 10, 21, 11, 0, 0))
      const live = new LiveState({ conversionEvent: null, includeBots: false })
      const config = {
        webhook_url: receiver.url,
        webhook_backoff: '1h',
        rules: [
          { id: 'restart', metric: 'visitors_now', condition: 'above', window: '1m', threshold: 3 } as never,
        ],
      }
      const first = await manager(config, clock, live)
      live.add(traffic(10, clock.now()), clock.now())
      await first.evaluate()
      assert.equal(first.response().rules[0]!.state, 'firing')
      // The first attempt fails and the retry waits an hour: stopping now leaves it pending.
      for (let i = 0; i < 500 && receiver.received.length === 0; i++)
        await new Promise((r) => setTimeout(r, 20))
      await first.close()
      assert.equal(first.response().history[0]!.webhook_status, 'pending')

      receiver.statuses.length = 0
      const second = await manager({ ...config, webhook_backoff: '10ms' }, clock, live)
      assert.deepEqual(second.response().rules, first.response().rules)
      await second.settled()
      const history = second.response().history.filter((h) => h.rule_id === 'restart')
      assert.deepEqual(
        history.map((h) => [h.kind, h.webhook_status]),
        [['firing', 'delivered']],
      )
      // Still firing after the restart: evaluating again does not fire again.
      await second.evaluate()
      await second.settled()
      assert.deepEqual(
        receiver.received.map((b) => b.kind),
        ['firing', 'firing'],
        'the same firing: once failed, once delivered after the restart',
      )
      assert.equal(receiver.received[0]!.id, receiver.received[1]!.id)
    } finally {
      await receiver.close()
    }
  })

  test('a change rule compares with the same window a week ago, from the store', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0))
    const weekAgo = clock.now() - 7 * 86_400_000
    // A week ago: 40 visitors in the window; now: 12. A drop of 70%.
    const sink = await buildTestDuckdbSink(join(dir, 'db.duckdb'), { clock })
    await sink.write(
      { events: traffic(200, weekAgo - 30_000, 40), deadLetters: [] },
      { signal: new AbortController().signal, position: { topic: 'events', offsets: { 0: 200 } } },
    )
    await sink.close()
    const live = new LiveState({ conversionEvent: null, includeBots: false })
    live.add(traffic(100, clock.now() - 30_000, 12), clock.now())
    const rule = (id: string, pct: number) =>
      ({
        id,
        metric: 'visitors_now',
        condition: 'below',
        window: '5m',
        change_percent: pct,
        compare_to: 'week',
      }) as never
    const m = await manager({ rules: [rule('drop60', 60), rule('drop80', 80)] }, clock, live)
    await m.evaluate()
    const states = Object.fromEntries(m.response().rules.map((r) => [r.id, r.state]))
    assert.deepEqual(states, { drop60: 'firing', drop80: 'ok' })
    const fired = m.response().history[0]!
    assert.equal(fired.rule_id, 'drop60')
    assert.equal(fired.value, 12)
    assert.ok(Math.abs(fired.threshold - 40 * 0.4) < 1e-9)
    assert.equal(fired.webhook_status, 'none')
  })

  test('config mistakes are reported with what to fix', () => {
    const r = alertsConfig.safeParse({
      rules: [
        { id: 'a', metric: 'visitors_now', condition: 'above' },
        { id: 'a', metric: 'nope', condition: 'above', threshold: 1, window: '90m' },
        { id: 'b', metric: 'visitors_now', condition: 'above', threshold: 5, recovery_threshold: 9 },
        { id: 'c', metric: 'visitors_now', condition: 'below', change_percent: 20, window: '2h' },
        { id: 'd', metric: 'error_rate', condition: 'above', threshold: 1, webhook_url: 'ftp://x' },
      ],
    })
    assert.equal(r.success, false)
    const messages = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    const has = (s: string) =>
      assert.ok(
        messages.some((m) => m.includes(s)),
        `${s} in ${messages.join('\n')}`,
      )
    has('give either `threshold` or `change_percent`')
    has('rules.1.metric')
    // Reported together with the wrong metric: every problem at once.
    has('rules.1.window: window must be whole seconds')
    has('recovery level must be at or below')
    has('needs `compare_to')
    has('window must be whole seconds from 1s to 60m')
    has('http:// or https://')
  })
})
