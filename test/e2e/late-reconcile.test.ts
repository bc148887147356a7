// History imported while live traffic flows: the processor's watermark is at "now", so every
// imported event is late and kept aside in `late_events`. The late-event reconciliation then
// rebuilds those visitors' sessions from the stored events; the sessions table must equal an
// independent sessionization of the raw file, and the live visitor's session stays as it was.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import {
  killAll,
  metricValue,
  pollUntil,
  post,
  scrapeMetrics,
  sql,
  sqlNumber,
  start,
  tempDir,
} from '../helpers/clickflow-process.ts'
import { importOtto, independentOttoSessions, OTTO_EVENTS } from '../helpers/otto-sessions.ts'
import { processorConfig } from '../helpers/processor-config.ts'

describe('late events folded into sessions', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  after(async () => {
    await killAll()
    await dir?.remove()
  })

  test('history imported next to live traffic gets the sessions an in-order run would give', async () => {
    dir = await tempDir()
    const config = processorConfig(dir.path, { reconcile_late_interval_ms: 500, checkpoint_interval_ms: 200 })
    const cf = await start(dir.path, ['-c', config])
    // Live traffic first: the processor's watermark moves to now.
    const now = Date.now()
    const live = Array.from({ length: 5 }, (_, i) => ({
      event_id: `live-${i}`,
      type: 'pageview',
      url: `https://shop.example.com/live/${i}`,
      visitor_id: 'live-visitor',
      timestamp: now - (5 - i) * 1_000,
    }))
    const res = await post(cf.collectUrl, { events: live })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.ok(
      await pollUntil(
        async () =>
          (await sqlNumber(
            cf.adminUrl,
            "SELECT count(*) FROM sessions WHERE visitor_id = 'live-visitor'",
          )) === 1,
        20_000,
      ),
      'the live visitor has its session',
    )
    const imp = await importOtto(dir.path)
    assert.equal(imp.code, 0, imp.stderr)
    assert.equal(JSON.parse(imp.stdout).imported, OTTO_EVENTS)
    // Every imported event is late for the processor...
    assert.ok(
      await pollUntil(
        async () => (await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM late_events')) === OTTO_EVENTS,
        30_000,
      ),
      `late events: ${await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM late_events')}`,
    )
    // ...and then in sessions all the same.
    assert.ok(
      await pollUntil(
        async () =>
          (await sqlNumber(
            cf.adminUrl,
            "SELECT coalesce(sum(events), 0) FROM sessions WHERE visitor_id <> 'live-visitor'",
          )) === OTTO_EVENTS,
        30_000,
      ),
      `events in sessions: ${await sqlNumber(cf.adminUrl, "SELECT coalesce(sum(events), 0) FROM sessions WHERE visitor_id <> 'live-visitor'")}`,
    )
    const truth = independentOttoSessions()
    const rows = await sql(
      cf.adminUrl,
      `SELECT visitor_id, epoch_ms(start_time), epoch_ms(end_time), events FROM sessions
       WHERE visitor_id <> 'live-visitor' ORDER BY visitor_id, start_time`,
    )
    assert.deepEqual(
      rows.map((r) => [r[0], Number(r[1]), Number(r[2]), Number(r[3])]),
      truth,
    )
    assert.equal(
      await sqlNumber(
        cf.adminUrl,
        "SELECT count(DISTINCT session_id) FROM sessions WHERE visitor_id <> 'live-visitor'",
      ),
      truth.length,
    )
    const [[liveEvents, liveStart]] = (await sql(
      cf.adminUrl,
      "SELECT events, epoch_ms(start_time) FROM sessions WHERE visitor_id = 'live-visitor'",
    )) as [[unknown, unknown]]
    assert.equal(Number(liveEvents), 5)
    assert.ok(Math.abs(Number(liveStart) - (now - 5_000)) < 2_000, `live session starts at ${liveStart}`)
    // The analytics API counts the history's sessions too.
    const overview = await fetch(
      `${cf.adminUrl}/api/stats/overview?from=2022-07-01&to=2022-09-30&tz=UTC`,
    ).then((r) => r.json() as Promise<{ current: { sessions: number } }>)
    assert.equal(overview.current.sessions, truth.length, JSON.stringify(overview))
    const metrics = await scrapeMetrics(cf.adminUrl)
    assert.equal(metricValue(metrics, 'clickflow_late_reconciled_events_total', {}), OTTO_EVENTS)
    assert.equal(metricValue(metrics, 'clickflow_late_events_pending', {}), 0)
    // A restart finds nothing left to do and changes nothing.
    assert.equal((await cf.stop('SIGTERM')).code, 0, cf.stderr())
    const again = await start(dir.path, ['-c', config])
    await new Promise((r) => setTimeout(r, 2_000))
    assert.equal(
      await sqlNumber(
        again.adminUrl,
        "SELECT coalesce(sum(events), 0) FROM sessions WHERE visitor_id <> 'live-visitor'",
      ),
      OTTO_EVENTS,
    )
    assert.equal(await sqlNumber(again.adminUrl, 'SELECT count(*) FROM sessions'), truth.length + 1)
    assert.equal((await again.stop('SIGTERM')).code, 0, again.stderr())
  })
})
