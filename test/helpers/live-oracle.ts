// Test helpers of the live metrics: seeded random events and an independent model of what the
// live state must report (plain filters over every counted event), shared by the live-state,
// warm-up and alert tests.
import type { LiveSnapshot } from '../../src/analytics/contract.ts'
import { type ClickEvent, emptyEvent } from '../../src/core/event.ts'

/** A seeded PRNG (mulberry32), so a failure repeats. */
/** Code-unit order of two strings. */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export function prng(seed: number): () => number {
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
export function randomEvents(rand: () => number, n: number, fromMs: number, toMs: number): ClickEvent[] {
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

export interface Counted {
  readonly e: ClickEvent
  /** The second it counts in: its own, or the clock's second at arrival when it came from the future. */
  readonly sec: number
  readonly order: number
}

/** The independent model: which events count, and at which second. */
export class LiveOracle {
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
        .sort((a, b) => b.visitors - a.visitors || cmp(a.value, b.value))
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
          cmp(a.page, b.page) ||
          cmp(a.country ?? '', b.country ?? ''),
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
