// Every live metric against an independent count: random events (out of order, some too old, some
// ahead of the clock, bots, duplicates) go into the live state under a manual clock, and each
// snapshot must equal what plain filters over the same events give, also as the windows slide.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { LiveOracle as Oracle, prng, randomEvents } from '../../test/helpers/live-oracle.ts'
import type { LiveSnapshot } from '../analytics/contract.ts'
import { ManualClock } from '../core/clock.ts'
import { type ClickEvent, emptyEvent } from '../core/event.ts'
import { LiveState } from './live-state.ts'

function compare(state: LiveState, oracle: Oracle, now: number, label: string): LiveSnapshot {
  const got = state.snapshot(now)
  const { recent_events, ...rest } = got
  const { recent_ids, ...want } = oracle.snapshot(now)
  assert.deepEqual(rest, want, label)
  assert.deepEqual(
    recent_events.map((r) => r.event_id),
    recent_ids,
    `${label}: recent events`,
  )
  return got
}

describe('live state against an independent count', () => {
  test('every metric equals plain filters over the same events, as the clock moves', () => {
    const rand = prng(7)
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 30, 250))
    const state = new LiveState({ conversionEvent: 'purchase', includeBots: false })
    const oracle = new Oracle()
    const feed = (events: ClickEvent[]) => {
      // In batches, as the pipeline delivers them.
      for (let i = 0; i < events.length; i += 500) {
        state.add(events.slice(i, i + 500), clock.now())
        oracle.add(events.slice(i, i + 500), clock.now())
      }
    }
    const t = () => clock.now()
    // The last 70 minutes (some too old for any window), 2 minutes ahead (some too far), old imports.
    feed(randomEvents(rand, 6000, t() - 70 * 60_000, t() + 120_000))
    feed(randomEvents(rand, 300, t() - 30 * 86_400_000, t() - 2 * 3_600_000))
    const first = compare(state, oracle, t(), 'at start')
    assert.ok(first.visitors_now > 50 && first.events_per_second > 0, 'the test data reach every metric')
    assert.ok(first.by_page_country.length === 20 && first.top_pages.length === 10)
    assert.ok(first.by_page_country.some((r) => r.avg_seconds > 0))
    assert.ok(first.conversion_rate! > 0 && first.conversion_rate! < 1)

    for (const step of [7_300, 45_000, 60_000, 170_000, 1_000]) {
      clock.advance(step)
      feed(randomEvents(rand, 800, t() - 8 * 60_000, t() + 5_000))
      compare(state, oracle, t(), `after ${step} ms`)
    }
    // Nothing new for 6 minutes: the 5-minute metrics drain, the hour chart keeps its history.
    clock.advance(6 * 60_000)
    const quiet = compare(state, oracle, t(), 'after 6 quiet minutes')
    assert.equal(quiet.visitors_now, 0)
    assert.equal(quiet.events_per_second, 0)
    assert.ok(quiet.page_views_per_minute.some((m) => m.page_views > 0))
    clock.advance(61 * 60_000)
    const empty = compare(state, oracle, t(), 'after an hour more')
    assert.ok(empty.page_views_per_minute.every((m) => m.page_views === 0 && m.visitors === 0))
  })

  test('events older than the windows (imports) do not change "now"', () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0))
    const state = new LiveState({ conversionEvent: null, includeBots: false })
    const before = state.snapshot(clock.now())
    const old = randomEvents(prng(3), 2000, clock.now() - 90 * 86_400_000, clock.now() - 3_601_000 - 60_000)
    const out = state.add(old, clock.now())
    assert.equal(out.counted, 0)
    assert.equal(out.outsideWindow + out.bot + out.duplicate, old.length)
    const after = state.snapshot(clock.now())
    assert.deepEqual({ ...after, recent_events: [] }, { ...before, recent_events: [] })
    assert.equal(after.conversion_rate, null)
  })

  test('the stream lists only the events since its previous message', () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0))
    const state = new LiveState({ conversionEvent: null, includeBots: true })
    const make = (id: string) => {
      const e = emptyEvent({
        event_id: id,
        event_type: 'pageview',
        event_time: clock.now(),
        received_at: clock.now(),
        source_id: 's',
      })
      e.visitor_id = 'v'
      return e
    }
    state.add([make('a'), make('b')], clock.now())
    const cursor = state.recentCursor
    state.add([make('c')], clock.now())
    assert.deepEqual(
      state.snapshot(clock.now(), cursor).recent_events.map((r) => r.event_id),
      ['c'],
    )
    assert.deepEqual(
      state.snapshot(clock.now()).recent_events.map((r) => r.event_id),
      ['c', 'b', 'a'],
    )
    assert.deepEqual(state.snapshot(clock.now(), state.recentCursor).recent_events, [])
  })

  test('an erasure takes the visitor ids out of every window and list; the rest counts as before', () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 30, 250))
    const options = { conversionEvent: 'purchase', includeBots: false, visitorRetentionS: 1800 }
    const state = new LiveState(options)
    const events = randomEvents(prng(5), 4000, clock.now() - 65 * 60_000, clock.now())
    state.add(events, clock.now())
    const visitors = [...new Set(events.map((e) => e.visitor_id).filter((v) => v !== null))]
    const gone = new Set(visitors.filter((_, i) => i % 3 === 0))
    assert.ok(gone.size > 10 && [...gone].some((v) => state.holds(v)))
    state.forget(gone)
    for (const v of gone) assert.equal(state.holds(v), false, `${v} is still held`)
    // The distinct counts now equal those of a state that never saw the erased visitors.
    const without = new LiveState(options)
    without.add(
      events.filter((e) => e.visitor_id === null || !gone.has(e.visitor_id)),
      clock.now(),
    )
    const got = state.snapshot(clock.now())
    const want = without.snapshot(clock.now())
    assert.equal(got.visitors_now, want.visitors_now)
    assert.deepEqual(
      got.page_views_per_minute.map((m) => m.visitors),
      want.page_views_per_minute.map((m) => m.visitors),
    )
    assert.deepEqual(
      got.top_countries.map((c) => [c.value, c.visitors]),
      want.top_countries.map((c) => [c.value, c.visitors]),
    )
    // The latest events stay listed, without the erased ids.
    const listed = got.recent_events.filter((r) => events.find((e) => e.event_id === r.event_id)?.visitor_id)
    for (const r of listed) assert.ok(r.visitor_id === null || !gone.has(r.visitor_id))
    // As the windows slide on, nothing comes back.
    clock.advance(10 * 60_000)
    state.snapshot(clock.now())
    for (const v of gone) assert.equal(state.holds(v), false)
  })

  test('alert metrics over any window up to an hour', () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0, 500))
    const state = new LiveState({ conversionEvent: 'purchase', includeBots: false, visitorRetentionS: 1800 })
    const oracle = new Oracle()
    const events = randomEvents(prng(11), 5000, clock.now() - 65 * 60_000, clock.now())
    state.add(events, clock.now())
    oracle.add(events, clock.now())
    const dead = Array.from({ length: 40 }, (_, i) => ({
      component_id: 'c',
      reason: 'invalid_event',
      message: 'm',
      received_at: clock.now() - i * 30_000,
      payload: '{}',
    }))
    state.addDeadLetters(dead, clock.now())
    const nowSec = Math.floor(clock.now() / 1000)
    for (const w of [1, 10, 60, 300, 1800, 3600]) {
      const inW = oracle.counted.filter((c) => c.sec > nowSec - w)
      const vis = new Set(inW.map((c) => c.e.visitor_id).filter((v) => v !== null))
      const conv = new Set(
        inW
          .filter((c) => c.e.event_name === 'purchase')
          .map((c) => c.e.visitor_id)
          .filter((v) => v !== null),
      )
      const deadInW = dead.filter((d) => Math.floor(d.received_at / 1000) > nowSec - w).length
      const now = clock.now()
      assert.equal(state.metric('events_per_second', w, now), inW.length / w, `events/s ${w}`)
      assert.equal(
        state.metric('page_views_per_minute', w, now),
        inW.filter((c) => c.e.event_type === 'pageview').length / (w / 60),
        `page views/min ${w}`,
      )
      assert.equal(state.metric('dead_letters_per_minute', w, now), deadInW / (w / 60), `dead letters ${w}`)
      assert.equal(
        state.metric('error_rate', w, now),
        deadInW + inW.length === 0 ? 0 : deadInW / (deadInW + inW.length),
        `error rate ${w}`,
      )
      if (w <= 1800) {
        assert.equal(state.metric('visitors_now', w, now), vis.size, `visitors ${w}`)
        assert.equal(
          state.metric('conversion_rate', w, now),
          vis.size === 0 ? 0 : conv.size / vis.size,
          `conversion ${w}`,
        )
      }
    }
  })
})
