// The OTTO sample through the real process: `clickflow import` (each OTTO session is a visitor), the
// processor sessionizes it, and the sessions table equals an independent computation over the raw
// file written here in plain TypeScript (sort each visitor's events, split at 30 minutes of
// inactivity or 24 hours from the start).
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { killAll, pollUntil, sql, sqlNumber, start, tempDir } from '../helpers/clickflow-process.ts'
import { importOtto, independentOttoSessions } from '../helpers/otto-sessions.ts'
import { processorConfig } from '../helpers/processor-config.ts'

describe('processor on the OTTO sample', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  after(async () => {
    await killAll()
    await dir?.remove()
  })

  test('the sessions table equals an independent sessionization of the raw file', async () => {
    dir = await tempDir()
    // The file is historical (2022) and ordered by visitor, not time: visitor after visitor goes back
    // weeks in event time. A lateness of 1000 days lets the processor take it all in.
    const config = processorConfig(dir.path, { allowed_lateness_ms: 1000 * 86_400_000 })
    const cf = await start(dir.path, ['-c', config])
    const imp = await importOtto(dir.path)
    assert.equal(imp.code, 0, imp.stderr)
    assert.equal(JSON.parse(imp.stdout).imported, 862)
    const truth = independentOttoSessions()
    assert.ok(truth.length > 20, 'the gap splits some visitors into several sessions')
    assert.ok(
      await pollUntil(
        async () => (await sqlNumber(cf.adminUrl, 'SELECT coalesce(sum(events), 0) FROM sessions')) === 862,
        30_000,
      ),
      'every OTTO event reaches a session',
    )
    const rows = await sql(
      cf.adminUrl,
      'SELECT visitor_id, epoch_ms(start_time), epoch_ms(end_time), events, duration_ms, page_views, is_bounce FROM sessions ORDER BY visitor_id, start_time',
    )
    assert.deepEqual(
      rows.map((r) => [r[0], Number(r[1]), Number(r[2]), Number(r[3])]),
      truth,
    )
    for (const r of rows) {
      assert.equal(Number(r[4]), Number(r[2]) - Number(r[1]), 'duration = end - start')
      assert.equal(Number(r[5]), 0, 'OTTO has no page views')
      assert.equal(r[6], false, 'no page view: no bounce')
    }
    // Session ids are unique and the rollups hold every event once.
    assert.equal(
      await sqlNumber(cf.adminUrl, 'SELECT count(DISTINCT session_id) FROM sessions'),
      truth.length,
    )
    assert.ok(
      await pollUntil(
        async () =>
          (await sqlNumber(cf.adminUrl, 'SELECT coalesce(sum(events), 0) FROM rollups_minute')) === 862,
        10_000,
      ),
    )
    assert.deepEqual(
      (
        await sql(
          cf.adminUrl,
          'SELECT k, sum(v::BIGINT) FROM rollups_minute, json_each(events_by_name) AS j(k, v) GROUP BY k ORDER BY k',
        )
      ).map((r) => [r[0], Number(r[1])]),
      [
        ['carts', 52],
        ['clicks', 800],
        ['orders', 10],
      ],
    )
    assert.equal(await sqlNumber(cf.adminUrl, 'SELECT count(*) FROM late_events'), 0)
  })
})
