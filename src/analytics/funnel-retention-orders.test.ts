// Funnels and retention on awkward event orders, against computations written separately in plain
// TypeScript: repeated steps, several events at the same instant (a later step at the same time
// does not count), steps exactly at and just past the window's end, one event matching two steps,
// a later start that gets further than an earlier one, visitors seen before the range, and weekly
// and daily cohorts in a zone with a DST change. The events are random but seeded, on a coarse time
// grid so that ties are common; they go straight into the events table (the sink is tested elsewhere).
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { localDate, truthFunnel } from '../../test/helpers/otto-truth.ts'
import type { ClickEvent } from '../core/event.ts'
import { DuckdbAnalytics } from '../store/duckdb/analytics-sql.ts'
import { type Database, openDatabase } from '../store/duckdb/database.ts'
import { AnalyticsService } from './analytics-service.ts'

const MIN = 60_000
const DAY = 86_400_000
/** The range asked about; events start a week earlier so some visitors are no newcomers. */
const FROM = Date.UTC(2026, 2, 16)
const TO = Date.UTC(2026, 3, 13)
const TZ = 'Europe/Berlin'
const KINDS = ['view', 'cart', 'buy'] as const

interface Ev {
  event_id: string
  event_type: 'pageview' | 'track'
  event_name: string | null
  event_time: number
  visitor_id: string
  page_path: string | null
  country: string | null
}

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function generate(): Ev[] {
  const rnd = random(7)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const out: Ev[] = []
  for (let v = 0; v < 400; v++) {
    const visitor = `v${v}`
    const country = pick(['DE', 'FR', null])
    const start = FROM - 7 * DAY + Math.floor(rnd() * 30) * DAY
    const n = 1 + Math.floor(rnd() * 14)
    for (let i = 0; i < n; i++) {
      // Ten-minute grid over a few days: ties and window edges (multiples of 10 minutes) are common.
      const t = start + Math.floor(rnd() * (rnd() < 0.7 ? 12 : 3 * 144)) * 10 * MIN
      const pageview = rnd() < 0.35
      out.push({
        event_id: `${visitor}-${i}`,
        event_type: pageview ? 'pageview' : 'track',
        event_name: pageview ? null : pick(KINDS),
        event_time: t,
        visitor_id: visitor,
        page_path: pageview ? pick(['/', '/cart', '/p/1']) : null,
        country,
      })
    }
  }
  // Hand-made visitors whose orders the random ones might miss.
  const at = (visitor: string, minutes: number, name: string | null, page: string | null = null) =>
    out.push({
      event_id: `${visitor}-${minutes}-${name ?? page}`,
      event_type: name ? 'track' : 'pageview',
      event_name: name,
      event_time: FROM + DAY + minutes * MIN,
      visitor_id: visitor,
      page_path: page,
      country: `X-${visitor}`,
    })
  // Cart at the same instant as the view: not a later step.
  at('same-time', 0, 'view')
  at('same-time', 0, 'cart')
  // Cart exactly at the end of a 60-minute window counts; purchase one minute past does not.
  at('edge', 0, 'view')
  at('edge', 60, 'cart')
  at('edge', 61, 'buy')
  // An early view that times out, a later one that completes: the later one is the visitor's attempt.
  at('late-start', 0, 'view')
  at('late-start', 100, 'view')
  at('late-start', 110, 'cart')
  at('late-start', 120, 'buy')
  // Repeated carts and views in between; the earliest cart after the view is the step.
  at('repeats', 0, 'view')
  at('repeats', 5, 'cart')
  at('repeats', 6, 'view')
  at('repeats', 7, 'cart')
  at('repeats', 50, 'buy')
  // A purchase before any cart does not complete the funnel.
  at('wrong-order', 0, 'view')
  at('wrong-order', 1, 'buy')
  at('wrong-order', 2, 'cart')
  return out
}

const events = generate()
let dir: string
let db: Database
let api: AnalyticsService

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clickflow-orders-'))
  db = await openDatabase(join(dir, 'db.duckdb'), { memoryLimit: '256MB', allowedDirectories: [] })
  const c = await db.connect()
  const q = (s: string | null) => (s === null ? 'NULL' : `'${s}'`)
  const rows = events.map(
    (e) =>
      `(${q(e.event_id)}, ${q(e.event_type)}, ${q(e.event_name)}, make_timestamp(${e.event_time * 1000}), now()::TIMESTAMP, 't', ${q(e.visitor_id)}, ${q(e.page_path)}, ${q(e.country)}, false, false, false)`,
  )
  await c.run(`INSERT INTO events (event_id, event_type, event_name, event_time, received_at, source_id,
      visitor_id, page_path, country, is_bot, is_duplicate, is_corrupt) VALUES ${rows.join(', ')}`)
  c.closeSync()
  api = new AnalyticsService(new DuckdbAnalytics(db, { timeoutMs: 30_000 }), () => TO)
})

after(async () => {
  await db.release()
  await rm(dir, { recursive: true, force: true })
})

const inRange = events.filter((e) => e.event_time >= FROM && e.event_time < TO)
const asClick = (evs: readonly Ev[]) => evs as unknown as ClickEvent[]
const range = { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString() }

describe('funnels on awkward orders equal the independent computation', () => {
  const named = (n: string) => ({ event_type: 'track', event_name: n })
  const is = (n: string) => (e: ClickEvent) => e.event_type === 'track' && e.event_name === n
  const cases: { name: string; steps: object[]; preds: ((e: ClickEvent) => boolean)[] }[] = [
    { name: 'view -> cart', steps: [named('view'), named('cart')], preds: [is('view'), is('cart')] },
    {
      name: 'view -> cart -> buy',
      steps: [named('view'), named('cart'), named('buy')],
      preds: [is('view'), is('cart'), is('buy')],
    },
    {
      // A step that repeats: the second view must be strictly later than the first.
      name: 'view -> view -> buy',
      steps: [named('view'), named('view'), named('buy')],
      preds: [is('view'), is('view'), is('buy')],
    },
    {
      // Overlapping conditions: any track event, then a cart, then a page view of /cart.
      name: 'track -> cart -> /cart page',
      steps: [{ event_type: 'track' }, named('cart'), { event_type: 'pageview', page: '/cart' }],
      preds: [
        (e) => e.event_type === 'track',
        is('cart'),
        (e) => e.event_type === 'pageview' && e.page_path === '/cart',
      ],
    },
    {
      name: '4 steps',
      steps: [{ event_type: 'pageview' }, named('view'), named('cart'), named('buy')],
      preds: [(e) => e.event_type === 'pageview', is('view'), is('cart'), is('buy')],
    },
  ]
  for (const c of cases)
    test(c.name, async () => {
      for (const window of [600, 3600, 86_400, 7 * 86_400]) {
        const r = await api.funnel({ ...range, steps: c.steps, window })
        const t = truthFunnel(asClick(inRange), c.preds, window * 1000)
        assert.deepEqual(
          r.steps.map((s) => s.visitors),
          t.visitors,
          `window ${window}`,
        )
        for (const [i, s] of r.steps.entries()) {
          if (t.medians[i] === null || t.medians[i] === undefined)
            assert.equal(s.median_seconds_from_previous, null)
          else assert.ok(Math.abs(s.median_seconds_from_previous! - t.medians[i]!) < 1e-6, `median ${i}`)
        }
        // Each visitor has one country, so a group's funnel is the funnel of that country's events.
        const b = await api.funnel({ ...range, steps: c.steps, window, breakdown: 'country' })
        assert.deepEqual(
          b.steps.map((s) => s.visitors),
          t.visitors,
        )
        for (const g of b.breakdown!) {
          const tg = truthFunnel(
            asClick(inRange.filter((e) => e.country === g.value)),
            c.preds,
            window * 1000,
          )
          assert.deepEqual(
            g.steps.map((s) => s.visitors),
            tg.visitors,
            `window ${window} country ${g.value}`,
          )
        }
      }
    })

  test('the hand-made visitors reach the steps they should (window 60 minutes)', async () => {
    const only = (v: string) => asClick(inRange.filter((e) => e.visitor_id === v))
    const preds = [is('view'), is('cart'), is('buy')]
    const reach = (v: string) => truthFunnel(only(v), preds, 3_600_000).visitors
    // The truth itself first: it must see these orders the way the comments in generate() say.
    assert.deepEqual(reach('same-time'), [1, 0, 0])
    assert.deepEqual(reach('edge'), [1, 1, 0])
    assert.deepEqual(reach('late-start'), [1, 1, 1])
    assert.deepEqual(reach('repeats'), [1, 1, 1])
    assert.deepEqual(reach('wrong-order'), [1, 1, 0])
    // Each has a country of its own, so a filter picks them out one by one.
    for (const v of ['same-time', 'edge', 'late-start', 'repeats', 'wrong-order']) {
      const r = await api.funnel({
        ...range,
        steps: [named('view'), named('cart'), named('buy')],
        window: 3600,
        filters: `country==X-${v}`,
      })
      assert.deepEqual(
        r.steps.map((s) => s.visitors),
        reach(v),
        v,
      )
    }
  })
})

/** Monday-based week index of a local date (1970-01-01 was a Thursday). */
function weekOf(date: string): number {
  const day = Date.parse(`${date}T00:00:00Z`) / DAY
  return day - ((day + 3) % 7)
}

/** Retention truth: cohorts by the local day or week of first sight over all history before `to`. */
function truthRetention(
  cohort: 'day' | 'week',
  returning: ((e: Ev) => boolean) | null,
): Map<string, { visitors: number; back: Map<number, number> }> {
  const period = (ms: number) => {
    const d = localDate(ms, TZ)
    return cohort === 'day' ? Date.parse(`${d}T00:00:00Z`) / DAY : weekOf(d)
  }
  const first = new Map<string, number>()
  for (const e of events)
    if (e.event_time < TO)
      first.set(e.visitor_id, Math.min(first.get(e.visitor_id) ?? Infinity, e.event_time))
  const out = new Map<string, { visitors: number; back: Map<number, Set<string>> }>()
  const cohortOf = new Map<string, number>()
  for (const [v, f] of first) {
    if (f < FROM) continue
    const p = period(f)
    cohortOf.set(v, p)
    const key = String(p)
    const row = out.get(key) ?? { visitors: 0, back: new Map() }
    row.visitors++
    out.set(key, row)
  }
  for (const e of events) {
    const c = cohortOf.get(e.visitor_id)
    if (c === undefined || e.event_time >= TO || (returning && !returning(e))) continue
    const k = (period(e.event_time) - c) / (cohort === 'week' ? 7 : 1)
    if (k < 1) continue
    const row = out.get(String(c))!
    const set = row.back.get(k) ?? new Set<string>()
    set.add(e.visitor_id)
    row.back.set(k, set)
  }
  return new Map(
    [...out].map(([c, r]) => [
      c,
      { visitors: r.visitors, back: new Map([...r.back].map(([k, s]) => [k, s.size])) },
    ]),
  )
}

describe('retention on the same events equals the independent computation', () => {
  const cases = [
    { cohort: 'day' as const, periods: 7, returning: null },
    { cohort: 'day' as const, periods: 10, returning: { event_name: 'buy' } },
    { cohort: 'week' as const, periods: 3, returning: null },
    { cohort: 'week' as const, periods: 3, returning: { event_name: 'cart' } },
  ]
  for (const c of cases)
    test(`${c.cohort} cohorts, ${c.periods} periods, returning ${c.returning?.event_name ?? 'any event'}`, async () => {
      const r = await api.retention({ ...range, tz: TZ, ...c })
      const t = truthRetention(c.cohort, c.returning ? (e) => e.event_name === c.returning!.event_name : null)
      let visitors = 0
      let returns = 0
      for (const row of r.cohorts) {
        const start = localDate(Date.parse(row.cohort), TZ)
        const p = c.cohort === 'day' ? Date.parse(`${start}T00:00:00Z`) / DAY : weekOf(start)
        const want = t.get(String(p))
        assert.equal(row.visitors, want?.visitors ?? 0, row.cohort)
        visitors += row.visitors
        for (let k = 1; k <= c.periods; k++) {
          const got = row.retained[k]
          if (got === null) continue
          assert.equal(got, want?.back.get(k) ?? 0, `${row.cohort} period ${k}`)
          returns += got ?? 0
        }
      }
      assert.equal(
        visitors,
        [...t.values()].reduce((a, x) => a + x.visitors, 0),
      )
      // The grid is not trivially empty: newcomers exist and some of them come back.
      assert.ok(visitors > 50 && returns > 0, `${visitors} newcomers, ${returns} returns`)
    })
})

/** The local wall-clock time of an instant, `YYYY-MM-DD HH:MM:SS`, by the runtime's own Intl. */
function localTime(ms: number, tz: string): string {
  return new Date(ms).toLocaleString('sv-SE', { timeZone: tz, hourCycle: 'h23' })
}

/** The local bucket an instant falls in, as text (weeks as their Monday's day number). */
function localBucket(ms: number, interval: string, tz: string): string {
  const t = localTime(ms, tz)
  if (interval === 'minute') return t.slice(0, 16)
  if (interval === 'hour') return t.slice(0, 13)
  if (interval === 'day') return t.slice(0, 10)
  if (interval === 'week') return String(weekOf(t.slice(0, 10)))
  return t.slice(0, 7)
}

describe('timeseries buckets equal local buckets computed by Intl', () => {
  const cases = [
    // The day of the spring change in Berlin (23 local hours), by the minute and the hour.
    { interval: 'minute', from: Date.UTC(2026, 2, 28, 22), to: Date.UTC(2026, 2, 29, 23) },
    { interval: 'hour', from: FROM, to: TO },
    { interval: 'day', from: FROM, to: TO },
    { interval: 'week', from: FROM, to: TO },
    { interval: 'month', from: FROM - 14 * DAY, to: TO },
  ]
  for (const c of cases)
    for (const tz of [TZ, 'UTC', 'Asia/Kathmandu'])
      test(`${c.interval} in ${tz}`, async () => {
        const r = await api.timeseries({
          from: new Date(c.from).toISOString(),
          to: new Date(c.to).toISOString(),
          interval: c.interval,
          tz,
        })
        const want = new Map<string, { events: number; page_views: number; visitors: Set<string> }>()
        for (const e of events) {
          if (e.event_time < c.from || e.event_time >= c.to) continue
          const k = localBucket(e.event_time, c.interval, tz)
          const w = want.get(k) ?? { events: 0, page_views: 0, visitors: new Set<string>() }
          w.events++
          if (e.event_type === 'pageview') w.page_views++
          w.visitors.add(e.visitor_id)
          want.set(k, w)
        }
        // One point per local bucket: the local times a spring change skips give no point.
        const got = new Map<string, { events: number; page_views: number; visitors: number }>()
        for (const p of r.points) {
          const k = localBucket(Date.parse(p.time), c.interval, tz)
          assert.ok(!got.has(k), `one point per bucket: ${k} twice`)
          got.set(k, { events: p.events, page_views: p.page_views, visitors: p.visitors })
        }
        let counted = 0
        for (const [k, g] of got) {
          const w = want.get(k)
          assert.deepEqual(
            g,
            { events: w?.events ?? 0, page_views: w?.page_views ?? 0, visitors: w?.visitors.size ?? 0 },
            k,
          )
          counted += g.events
        }
        assert.equal(
          counted,
          [...want.values()].reduce((a, w) => a + w.events, 0),
        )
        assert.ok(counted > 0)
      })
})
