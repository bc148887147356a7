// Every live metric against an independent count: random events (out of order, some too old, some
// ahead of the clock, bots, duplicates) go into the live state under a manual clock, and each
// snapshot must equal what plain filters over the same events give, also as the windows slide.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { LiveSnapshot } from '../analytics/contract.ts'
import { ManualClock } from '../core/clock.ts'
import { type ClickEvent, emptyEvent } from '../core/event.ts'
import { LiveState } from './live-state.ts'

/** A seeded PRNG (mulberry32), so a failure repeats. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PAGES = [
  '/',
  '/pricing',
  '/docs',
  '/blog/a',
  '/blog/b',
  '/shop',
  '/cart',
  '/checkout',
  '/about',
  '/jobs',
  '/x',
  '/y',
  '/z',
]
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'NL', 'SE', 'PL', 'IT', 'ES', 'JP', 'BR', 'IN']
const REFERRERS = [
  'google.com',
  'news.ycombinator.com',
  'twitter.com',
  'bing.com',
  'reddit.com',
  'example.org',
]

let seq = 0
/** Random events with times from `fromMs` to `toMs`. */
function randomEvents(rand: () => number, n: number, fromMs: number, toMs: number): ClickEvent[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const out: ClickEvent[] = []
  for (let i = 0; i < n; i++) {
    const r = rand()
    const type = r < 0.55 ? 'pageview' : r < 0.75 ? 'engagement' : r < 0.97 ? 'track' : 'identify'
    const e = emptyEvent({
      event_id: `e-${seq++}`,
      event_type: type,
      event_time: Math.floor(fromMs + rand() * (toMs - fromMs)),
      received_at: toMs,
      source_id: 'collector',
    })
    e.visitor_id = rand() < 0.03 ? null : `v-${Math.floor(rand() * 120)}`
    e.page_path = rand() < 0.03 ? null : pick(PAGES)
    e.country = rand() < 0.1 ? null : pick(COUNTRIES)
    if (type === 'pageview' && rand() < 0.5) {
      e.referrer_host = pick(REFERRERS)
      e.channel = rand() < 0.2 ? 'internal' : 'search'
    }
    if (type === 'track') e.event_name = rand() < 0.3 ? 'purchase' : 'add_to_cart'
    if (type === 'engagement') e.props = { engaged_ms: rand() < 0.1 ? 'bad' : Math.floor(rand() * 60_000) }
    e.is_bot = rand() < 0.05
    e.is_duplicate = rand() < 0.03
    out.push(e)
  }
  return out
}

interface Counted {
  readonly e: ClickEvent
  /** The second it counts in: its own, or the clock's second at arrival when it came from the future. */
  readonly sec: number
  readonly order: number
}

/** The independent model: which events count, and at which second. */
class Oracle {
  readonly counted: Counted[] = []
  #order = 0
  add(events: readonly ClickEvent[], now: number): void {
    const nowSec = Math.floor(now / 1000)
    for (const e of events) {
      if (e.is_duplicate || e.is_bot) continue
      const own = Math.floor(e.event_time / 1000)
      if (own > nowSec + 60) continue
      const sec = Math.min(own, nowSec)
      if (Math.floor(sec / 60) <= Math.floor(nowSec / 60) - 60) continue
      this.counted.push({ e, sec, order: this.#order++ })
    }
  }

  snapshot(now: number): Omit<LiveSnapshot, 'recent_events'> & { recent_ids: string[] } {
    const nowSec = Math.floor(now / 1000)
    const in5 = this.counted.filter((c) => c.sec >= nowSec - 299 && c.sec <= nowSec)
    const distinct = (cs: readonly Counted[]) =>
      new Set(cs.map((c) => c.e.visitor_id).filter((v) => v !== null)).size
    const visitors = distinct(in5)
    const converters = distinct(in5.filter((c) => c.e.event_name === 'purchase'))
    const nowMin = Math.floor(nowSec / 60)
    const perMinute = []
    for (let m = nowMin - 59; m <= nowMin; m++) {
      const inMinute = this.counted.filter((c) => Math.floor(c.sec / 60) === m)
      perMinute.push({
        minute: new Date(m * 60_000).toISOString(),
        page_views: inMinute.filter((c) => c.e.event_type === 'pageview').length,
        visitors: distinct(inMinute),
      })
    }
    const groupTop = (cs: readonly Counted[], key: (e: ClickEvent) => string | null) => {
      const by = new Map<string, Counted[]>()
      for (const c of cs) {
        const k = key(c.e)
        if (k === null || c.e.visitor_id === null) continue
        by.set(k, [...(by.get(k) ?? []), c])
      }
      return [...by]
        .map(([value, list]) => ({ value, visitors: distinct(list) }))
        .sort((a, b) => b.visitors - a.visitors || a.value.localeCompare(b.value))
        .slice(0, 10)
    }
    const pageViews = in5.filter((c) => c.e.event_type === 'pageview' && c.e.page_path !== null)
    const rows = new Map<
      string,
      { page: string; country: string | null; views: Counted[]; engaged: number }
    >()
    const rowOf = (e: ClickEvent) => {
      const k = `${e.page_path}|${e.country}`
      let r = rows.get(k)
      if (!r) {
        r = { page: e.page_path!, country: e.country, views: [], engaged: 0 }
        rows.set(k, r)
      }
      return r
    }
    for (const c of pageViews) rowOf(c.e).views.push(c)
    for (const c of in5) {
      const ms = c.e.props?.engaged_ms
      if (
        c.e.event_type === 'engagement' &&
        c.e.page_path !== null &&
        c.e.visitor_id !== null &&
        typeof ms === 'number' &&
        ms > 0
      )
        rowOf(c.e).engaged += ms
    }
    const byPageCountry = [...rows.values()]
      .filter((r) => r.views.length > 0)
      .map((r) => ({
        page: r.page,
        country: r.country,
        // Page views without a visitor id are not counted per page (nor anywhere visitor-based).
        clicks: r.views.filter((c) => c.e.visitor_id !== null).length,
        visitors: distinct(r.views),
        engaged: r.engaged,
      }))
      .filter((r) => r.clicks > 0)
      .map((r) => ({
        page: r.page,
        country: r.country,
        clicks: r.clicks,
        visitors: r.visitors,
        avg_seconds: Math.round(r.engaged / r.clicks) / 1000,
      }))
      .sort(
        (a, b) =>
          b.clicks - a.clicks ||
          b.visitors - a.visitors ||
          a.page.localeCompare(b.page) ||
          (a.country ?? '').localeCompare(b.country ?? ''),
      )
      .slice(0, 20)
    const recent = [...this.counted].sort((a, b) => b.order - a.order).slice(0, 20)
    return {
      time: new Date(now).toISOString(),
      visitors_now: visitors,
      events_per_second: this.counted.filter((c) => c.sec >= nowSec - 9 && c.sec <= nowSec).length / 10,
      page_views_per_minute: perMinute,
      conversion_rate: visitors === 0 ? 0 : converters / visitors,
      conversion_event: 'purchase',
      top_pages: groupTop(pageViews, (e) => e.page_path),
      top_referrers: groupTop(
        pageViews.filter((c) => c.e.channel !== 'internal'),
        (e) => e.referrer_host,
      ),
      top_countries: groupTop(in5, (e) => e.country),
      by_page_country: byPageCountry,
      recent_ids: recent.map((c) => c.e.event_id),
    }
  }
}

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
