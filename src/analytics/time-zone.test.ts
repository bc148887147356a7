// Local time arithmetic across daylight saving changes, in JavaScript (buckets, offsets) and in the
// store's SQL (events bucketed by the zone's offsets), and the filter text parser's escapes.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { DuckdbAnalytics } from '../store/duckdb/analytics-sql.ts'
import { openDatabase } from '../store/duckdb/database.ts'
import { AnalyticsService } from './analytics-service.ts'
import { parseFilterString } from './query.ts'
import { buckets, fromLocalNaive, offsetSpans, toLocalNaive } from './time-zone.ts'

const H = 3_600_000

test('buckets and offsets across the spring and autumn changes in Berlin', () => {
  // 2026-03-29 02:00 local does not exist (CET -> CEST at 01:00Z); 2026-10-25 02:00-03:00 repeats.
  const spans = offsetSpans(Date.UTC(2026, 2, 1), Date.UTC(2026, 10, 30), 'Europe/Berlin')
  assert.deepEqual(
    spans.map((s) => [
      s.start === Number.NEGATIVE_INFINITY ? null : new Date(s.start).toISOString(),
      s.offsetMs / H,
    ]),
    [
      [null, 1],
      ['2026-03-29T01:00:00.000Z', 2],
      ['2026-10-25T01:00:00.000Z', 1],
    ],
  )
  const days = buckets(Date.UTC(2026, 2, 27, 23), Date.UTC(2026, 2, 30, 22), 'day', 'Europe/Berlin', 10)!
  assert.deepEqual(
    days.map((b) => [b.key, new Date(b.start).toISOString(), (b.end - b.start) / H]),
    [
      ['2026-03-28 00:00:00', '2026-03-27T23:00:00.000Z', 24],
      ['2026-03-29 00:00:00', '2026-03-28T23:00:00.000Z', 23],
      ['2026-03-30 00:00:00', '2026-03-29T22:00:00.000Z', 24],
    ],
  )
  const autumn = buckets(Date.UTC(2026, 9, 24, 22), Date.UTC(2026, 9, 25, 23), 'day', 'Europe/Berlin', 10)!
  assert.equal((autumn[0]!.end - autumn[0]!.start) / H, 25)
  assert.equal(toLocalNaive(Date.UTC(2026, 6, 1, 12), 'Asia/Kolkata'), Date.UTC(2026, 6, 1, 17, 30))
  assert.equal(fromLocalNaive(Date.UTC(2026, 6, 1, 17, 30), 'Asia/Kolkata'), Date.UTC(2026, 6, 1, 12))
  const weeks = buckets(Date.UTC(2026, 10, 18), Date.UTC(2026, 10, 30), 'week', 'UTC', 10)!
  assert.deepEqual(
    weeks.map((b) => b.key),
    ['2026-11-16 00:00:00', '2026-11-23 00:00:00'],
  )
  assert.equal(buckets(0, 365 * 86_400_000, 'hour', 'UTC', 100), null)
})

test('minute and hour buckets skip the local times a spring change removes, and nothing else', () => {
  // 00:30Z-01:30Z on 2026-03-29 is 01:30-01:59 CET, then 03:00-03:29 CEST: 60 minutes, no 02:xx.
  for (const [interval, count, step] of [
    ['minute', 60, 60_000],
    ['hour', 2, H],
  ] as const) {
    const bs = buckets(
      Date.UTC(2026, 2, 29, 0, 30),
      Date.UTC(2026, 2, 29, 1, 30),
      interval,
      'Europe/Berlin',
      500,
    )!
    assert.ok(
      bs.every((b) => !b.key.startsWith('2026-03-29 02:')),
      `${interval}: no bucket in the skipped hour`,
    )
    if (interval === 'minute') {
      assert.equal(bs.length, count)
      // Contiguous and unique: each bucket starts where the previous one ended, a minute later.
      for (let i = 1; i < bs.length; i++) {
        assert.equal(bs[i]!.start, bs[i - 1]!.end)
        assert.equal(bs[i]!.start - bs[i - 1]!.start, step)
      }
      assert.equal(bs[29]!.key, '2026-03-29 01:59:00')
      assert.equal(bs[30]!.key, '2026-03-29 03:00:00')
    } else {
      assert.deepEqual(
        bs.map((b) => b.key),
        ['2026-03-29 01:00:00', '2026-03-29 03:00:00'],
      )
    }
  }
  // A zone whose spring change skips midnight keeps that day (it starts at 01:00).
  const santiago = buckets(Date.UTC(2026, 8, 5, 12), Date.UTC(2026, 8, 7, 12), 'day', 'America/Santiago', 10)!
  assert.deepEqual(
    santiago.map((b) => b.key),
    ['2026-09-05 00:00:00', '2026-09-06 00:00:00', '2026-09-07 00:00:00'],
  )
})

test('the SQL buckets events by local time across a DST change', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clickflow-tz-'))
  const db = await openDatabase(join(dir, 'db.duckdb'), { memoryLimit: '256MB', allowedDirectories: [] })
  try {
    const c = await db.connect()
    // One event every 30 minutes from 2026-03-28T00:00Z to 2026-03-31T00:00Z, each its own visitor.
    await c.run(`INSERT INTO events (event_id, event_type, event_time, received_at, source_id, visitor_id, is_bot, is_duplicate, is_corrupt)
      SELECT 'e' || i, 'pageview', TIMESTAMP '2026-03-28 00:00:00' + to_minutes(30 * i), now()::TIMESTAMP, 't', 'v' || i, false, false, false
      FROM range(144) t(i)`)
    c.closeSync()
    const api = new AnalyticsService(new DuckdbAnalytics(db, { timeoutMs: 10_000 }), () =>
      Date.UTC(2026, 3, 1),
    )
    const days = await api.timeseries({
      from: '2026-03-28',
      to: '2026-03-31',
      tz: 'Europe/Berlin',
      interval: 'day',
    })
    // Local days: Mar 28 starts 27T23:00Z (46 events from 28T00:00Z), Mar 29 has 23 hours (46), Mar 30 24 (48).
    assert.deepEqual(
      days.points.map((p) => [p.time, p.page_views]),
      [
        ['2026-03-27T23:00:00.000Z', 46],
        ['2026-03-28T23:00:00.000Z', 46],
        ['2026-03-29T22:00:00.000Z', 48],
      ],
    )
    const hours = await api.timeseries({
      from: '2026-03-29',
      to: '2026-03-30',
      tz: 'Europe/Berlin',
      interval: 'hour',
    })
    assert.equal(hours.points.length, 23)
    assert.ok(hours.points.every((p) => p.page_views === 2 && p.visitors === 2))
    assert.equal(hours.points[2]!.time, '2026-03-29T01:00:00.000Z')
    const dau = await api.activeUsers({ from: '2026-03-28', to: '2026-03-31', tz: 'America/New_York' })
    // New York days start at 04:00Z (EDT since March 8); the events end at 31T00:00Z.
    assert.deepEqual(
      dau.daily.map((d) => [d.day, d.dau]),
      [
        ['2026-03-28', 48],
        ['2026-03-29', 48],
        ['2026-03-30', 40],
      ],
    )
  } finally {
    await db.release()
    await rm(dir, { recursive: true, force: true })
  }
})

test('filter text: operators, OR values, escapes', () => {
  assert.deepEqual(
    parseFilterString('country==DE|FR;page=~/blog/*;prop:plan!=pro\\;max;event_name!~a\\|b*'),
    [
      { dimension: 'country', op: '==', value: ['DE', 'FR'] },
      { dimension: 'page', op: '=~', value: ['/blog/*'] },
      { dimension: 'prop:plan', op: '!=', value: ['pro;max'] },
      { dimension: 'event_name', op: '!~', value: ['a|b*'] },
    ],
  )
  assert.deepEqual(parseFilterString('page_path==/a=b'), [{ dimension: 'page', op: '==', value: ['/a=b'] }])
})
