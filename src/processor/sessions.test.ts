// Sessions: the 30-minute gap, the 24-hour cap, a late event that bridges two sessions (the
// merged-away row is deleted), every column of the row, ids that do not depend on arrival order,
// and a checkpoint round trip.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { ClickEvent } from '../core/event.ts'
import { decodeStateDoc, foldStateDocs } from './session-state.ts'
import { Sessionizer, type SessionOptions } from './sessions.ts'
import { MINUTE, SECOND, T0, testEvent } from './testing.ts'

const OPTIONS: SessionOptions = {
  gapMs: 30 * MINUTE,
  maxMs: 24 * 60 * MINUTE,
  allowedLatenessMs: MINUTE,
  bounceEngagedMs: 10 * SECOND,
}

function run(events: readonly ClickEvent[], options = OPTIONS) {
  const s = new Sessionizer(options)
  for (const e of events) s.add(e, e.visitor_id!)
  return { sessionizer: s, changes: s.drain() }
}

const spans = (rows: readonly { start_time: number; end_time: number; events: number }[]) =>
  rows
    .map((r) => [(r.start_time - T0) / MINUTE, (r.end_time - T0) / MINUTE, r.events])
    .sort((a, b) => a[0]! - b[0]!)

describe('sessions', () => {
  test('30 minutes without events end a session; 29:59 does not', () => {
    const { changes } = run([
      testEvent('v', T0),
      testEvent('v', T0 + 29 * MINUTE + 59 * SECOND),
      testEvent('v', T0 + 59 * MINUTE + 59 * SECOND), // exactly 30 min later: a new session
      testEvent('v', T0 + 70 * MINUTE),
    ])
    assert.deepEqual(spans(changes.rows), [
      [0, 29 + 59 / 60, 2],
      [59 + 59 / 60, 70, 2],
    ])
  })

  test('a session is cut 24 hours after it started, even with steady activity', () => {
    const events = Array.from({ length: 100 }, (_, i) => testEvent('v', T0 + i * 20 * MINUTE))
    const { changes } = run(events)
    // Events every 20 min for 33 h: the one at 24:00 starts the second session.
    assert.deepEqual(spans(changes.rows), [
      [0, 1420, 72],
      [1440, 1980, 28],
    ])
  })

  test('a late event within the gap of two sessions merges them and deletes the merged-away row', () => {
    const s = new Sessionizer(OPTIONS)
    s.add(testEvent('v', T0, { id: 'a1' }), 'v')
    s.add(testEvent('v', T0 + 10 * MINUTE, { id: 'a2' }), 'v')
    s.add(testEvent('v', T0 + 50 * MINUTE, { id: 'b1' }), 'v') // 40 min gap: second session
    const first = s.drain()
    assert.equal(first.rows.length, 2)
    const secondId = first.rows.find((r) => r.start_time === T0 + 50 * MINUTE)!.session_id
    const firstId = first.rows.find((r) => r.start_time === T0)!.session_id
    // 0:30 is within 30 min of 0:10 and of 0:50: one session now.
    s.add(testEvent('v', T0 + 30 * MINUTE, { id: 'late' }), 'v')
    const second = s.drain()
    assert.deepEqual(second.deleteIds, [secondId])
    assert.deepEqual(spans(second.rows), [[0, 50, 4]])
    assert.equal(second.rows[0]!.session_id, firstId, 'the earliest event still names the session')
    assert.equal(s.openCount, 1)
  })

  test('an earlier event renames the session: the old id is deleted', () => {
    const s = new Sessionizer(OPTIONS)
    s.add(testEvent('v', T0 + 10 * MINUTE, { id: 'x2' }), 'v')
    const before = s.drain().rows[0]!.session_id
    s.add(testEvent('v', T0, { id: 'x1' }), 'v')
    const after = s.drain()
    assert.notEqual(after.rows[0]!.session_id, before)
    assert.deepEqual(after.deleteIds, [before])
  })

  test('every column: entry/exit pages, entry context, engaged time, bounce, user id', () => {
    const first = testEvent('v', T0, { page: '/landing' })
    first.referrer = 'https://search.example/?q=x'
    first.referrer_host = 'search.example'
    first.channel = 'search'
    first.utm_source = 'news'
    first.utm_medium = 'email'
    first.utm_campaign = 'spring'
    first.utm_term = 'shoes'
    first.utm_content = 'top'
    first.country = 'DE'
    first.region = 'BE'
    first.city = 'Berlin'
    first.device_type = 'desktop'
    first.browser = 'Firefox'
    first.os = 'Linux'
    first.session_id = 'collector-session'
    const second = testEvent('v', T0 + MINUTE, { page: '/pricing' })
    second.country = 'FR' // a later event's context does not change the entry's
    second.user_id = 'u-1'
    const engaged = testEvent('v', T0 + 2 * MINUTE, {
      type: 'engagement',
      page: '/pricing',
      engagedMs: 45_000,
    })
    const { changes } = run([second, engaged, first]) // out of order on purpose
    assert.equal(changes.rows.length, 1)
    const row = changes.rows[0]!
    assert.deepEqual(
      { ...row, session_id: row.session_id.length },
      {
        session_id: 32,
        visitor_id: 'v',
        user_id: 'u-1',
        site: 'example.test',
        hint_session_id: 'collector-session',
        start_time: T0,
        end_time: T0 + 2 * MINUTE,
        duration_ms: 2 * MINUTE,
        page_views: 2,
        events: 3,
        is_bounce: false,
        engaged_ms: 45_000,
        entry_page: '/landing',
        exit_page: '/pricing',
        referrer: 'https://search.example/?q=x',
        referrer_host: 'search.example',
        channel: 'search',
        utm_source: 'news',
        utm_medium: 'email',
        utm_campaign: 'spring',
        utm_term: 'shoes',
        utm_content: 'top',
        country: 'DE',
        region: 'BE',
        city: 'Berlin',
        device_type: 'desktop',
        browser: 'Firefox',
        os: 'Linux',
        is_bot: false,
      },
    )
  })

  test('bounce: one page view and under 10 s engaged (engagement events, else first to last event)', () => {
    const rows = run([
      testEvent('short', T0),
      testEvent('short', T0 + 5 * SECOND, { type: 'track', name: 'click' }),
      testEvent('engaged', T0),
      testEvent('engaged', T0 + SECOND, { type: 'engagement', engagedMs: 12_000 }),
      testEvent('two', T0),
      testEvent('two', T0 + SECOND),
    ]).changes.rows
    const bounce = Object.fromEntries(rows.map((r) => [r.visitor_id, [r.is_bounce, r.engaged_ms]]))
    assert.deepEqual(bounce, { short: [true, 5_000], engaged: [false, 12_000], two: [false, 1_000] })
  })

  test('arrival order does not matter: every permutation gives the same rows', () => {
    const events = [0, 5, 20, 55, 70, 71, 130].map((m, i) => testEvent('v', T0 + m * MINUTE, { id: `p${i}` }))
    const reference = JSON.stringify(
      [...run(events).changes.rows].sort((a, b) => a.start_time - b.start_time),
    )
    // A few hundred orders, deterministic: rotations and reversals of rotations.
    for (let k = 0; k < events.length; k++) {
      const rotated = [...events.slice(k), ...events.slice(0, k)]
      for (const order of [rotated, [...rotated].reverse()]) {
        const s = new Sessionizer(OPTIONS)
        const deleted = new Set<string>()
        const rows = new Map<string, unknown>()
        // Drain after every event, as checkpoints would, applying deletes and upserts like the table.
        for (const e of order) {
          s.add(e, 'v')
          const c = s.drain()
          for (const id of c.deleteIds) {
            rows.delete(id)
            deleted.add(id)
          }
          for (const r of c.rows) rows.set(r.session_id, r)
        }
        const table = [...rows.values()] as { start_time: number }[]
        assert.equal(JSON.stringify(table.sort((a, b) => a.start_time - b.start_time)), reference)
      }
    }
  })

  test('sessions close once no non-late event can reach them, and restore from saved state', () => {
    const s = new Sessionizer(OPTIONS)
    s.add(testEvent('v', T0), 'v')
    s.add(testEvent('w', T0 + 20 * MINUTE), 'w')
    const saved = s.drain()
    assert.ok(saved.state !== null && saved.stateIsSnapshot, 'the first state is a snapshot')
    assert.deepEqual(
      decodeStateDoc(saved.state)
        .open.map((x) => x.visitor_id)
        .sort(),
      ['v', 'w'],
    )
    // v's session ends at 0:00: closed once the watermark passes 0:00 + 30 min gap + 1 min lateness.
    assert.equal(s.evict(T0 + 31 * MINUTE - 1), 0)
    assert.equal(s.evict(T0 + 31 * MINUTE), 1)
    const closed = s.drain()
    assert.equal(closed.rows.length, 0, 'unchanged since written: nothing to rewrite')
    const open = foldStateDocs(
      [],
      [saved, closed].map((c) => decodeStateDoc(c.state!)),
    )
    assert.deepEqual(
      open.map((x) => x.visitor_id),
      ['w'],
    )
    const restored = new Sessionizer(OPTIONS)
    restored.restore(open)
    restored.add(testEvent('w', T0 + 25 * MINUTE), 'w')
    const after = restored.drain()
    assert.deepEqual(spans(after.rows), [[20, 25, 2]])
    assert.deepEqual(after.replaces, [true], 'the restored session replaces its row')
    assert.deepEqual(after.deleteIds, [])
  })
})
