// The traffic generator: exact counts, determinism, time order, and the properties the dashboards
// and benchmarks rely on, each checked by an independent computation over the generated events.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isbot } from 'isbot'
import maxmind from 'maxmind'
import { shippedCountryDb } from '../transforms/enrich-geo/index.ts'
import { locationOf } from '../transforms/enrich-geo/lookup.ts'
import { parseUserAgent } from '../transforms/enrich-user-agent/transform.ts'
import { COUNTRIES } from './catalog.ts'
import { type GeneratorOptions, generateTraffic } from './generator.ts'
import type { GenEvent } from './session.ts'
import { importLine } from './shapes.ts'

const END = Date.parse('2026-11-21T00:00:00Z')
const DAY = 86_400_000
const base: GeneratorOptions = { events: 60_000, days: 14, end: END, seed: 7, sites: ['shop.example.com'] }
const all = (o: Partial<GeneratorOptions> = {}): GenEvent[] => [...generateTraffic({ ...base, ...o })]
const sample = all()

describe('traffic generator', () => {
  test('yields exactly the number of events asked for', () => {
    for (const n of [1, 2, 17, 1000, 12_345]) assert.equal(all({ events: n }).length, n, `events=${n}`)
    assert.equal(sample.length, base.events)
  })

  test('the same seed gives the same lines; another seed other lines', () => {
    const a = all({ events: 5000 }).map(importLine)
    const b = all({ events: 5000 }).map(importLine)
    const c = all({ events: 5000, seed: 8 }).map(importLine)
    assert.deepEqual(a, b)
    assert.notDeepEqual(a, c)
  })

  test('events are in time order, inside [end - days, end), over the whole range', () => {
    let prev = Number.NEGATIVE_INFINITY
    for (const e of sample) {
      assert.ok(e.time >= prev, 'time order')
      prev = e.time
    }
    assert.ok(sample[0]!.time >= END - 14 * DAY)
    assert.ok(sample[sample.length - 1]!.time < END)
    const days = new Set(sample.map((e) => Math.floor((e.time - (END - 14 * DAY)) / DAY)))
    assert.equal(days.size, 14, 'every day has traffic')
  })

  test('pages within a session are minutes apart; sessions of a visitor more than 30 minutes', () => {
    const byVisitor = new Map<string, GenEvent[]>()
    for (const e of sample) {
      const list = byVisitor.get(e.visitor_id) ?? []
      list.push(e)
      byVisitor.set(e.visitor_id, list)
    }
    let returning = 0
    let separations = 0
    for (const events of byVisitor.values()) {
      const sessions = new Set(events.map((e) => e.session_id))
      if (sessions.size > 1) returning++
      for (let i = 1; i < events.length; i++) {
        const gap = events[i]!.time - events[i - 1]!.time
        if (events[i]!.session_id === events[i - 1]!.session_id)
          assert.ok(gap < 30 * 60_000, `gap ${gap} in a session`)
        else {
          separations++
          assert.ok(gap > 30 * 60_000, `gap ${gap} between sessions of ${events[i]!.visitor_id}`)
        }
      }
      // A session's events are contiguous in the visitor's timeline (no interleaving).
      const order = events.map((e) => e.session_id).filter((s, i, a) => i === 0 || a[i - 1] !== s)
      assert.equal(order.length, sessions.size)
    }
    assert.ok(returning > byVisitor.size * 0.05, `returning visitors: ${returning} of ${byVisitor.size}`)
    assert.ok(separations > 0)
  })

  test('funnel view_product -> add_to_cart -> purchase drops off at each step, in order per session', () => {
    const step = ['view_product', 'add_to_cart', 'purchase']
    const reached = step.map(() => new Set<string>())
    const progress = new Map<string, number>()
    for (const e of sample) {
      const k = step.indexOf(e.name ?? '')
      if (e.type !== 'track' || k < 0) continue
      const done = progress.get(e.session_id) ?? 0
      // Each step happens only after the previous one in the same visit.
      assert.ok(k <= done, `${e.name} before ${step[k - 1]} in session ${e.session_id}`)
      if (k === done) progress.set(e.session_id, done + 1)
      reached[k]!.add(e.visitor_id)
    }
    const [a, b, c] = reached.map((s) => s.size) as [number, number, number]
    assert.ok(a > b && b > c && c > 0, `visitors per step ${a} > ${b} > ${c}`)
    for (const v of reached[2]!) assert.ok(reached[1]!.has(v))
    for (const v of reached[1]!) assert.ok(reached[0]!.has(v))
  })

  test('bots are a few percent of events, with real crawler user agents; humans use all device types', () => {
    const bots = sample.filter((e) => isbot(e.visitor.ua))
    const share = bots.length / sample.length
    assert.ok(share > 0.01 && share < 0.08, `bot share ${share}`)
    for (const e of bots) assert.equal(e.type, 'pageview', 'bots only load pages')
    const devices = new Map<string, number>()
    const browsers = new Set<string>()
    const parsed = new Map<string, ReturnType<typeof parseUserAgent>>()
    for (const e of sample) {
      const info = parsed.get(e.visitor.ua) ?? parseUserAgent(e.visitor.ua)
      parsed.set(e.visitor.ua, info)
      assert.equal(info.is_bot, e.visitor.bot)
      devices.set(info.device_type, (devices.get(info.device_type) ?? 0) + 1)
      if (info.browser) browsers.add(info.browser)
    }
    for (const d of ['desktop', 'mobile', 'tablet', 'bot'])
      assert.ok((devices.get(d) ?? 0) > 0, `device ${d}`)
    assert.ok(browsers.size >= 5, `browsers: ${[...browsers].join(', ')}`)
  })

  test('client addresses resolve to the visitor country in the shipped geo database', async () => {
    const reader = await maxmind.open(shippedCountryDb())
    const countries = new Set<string>()
    for (const e of sample.filter((_, i) => i % 50 === 0)) {
      assert.equal(locationOf(reader.get(e.visitor.ip)).country, e.visitor.country, e.visitor.ip)
      countries.add(e.visitor.country)
    }
    assert.ok(countries.size >= 15, `countries seen: ${countries.size}`)
  })

  test('visits arrive from search, social, referrals, email and paid campaigns with UTM tags and click ids', () => {
    const landings = sample.filter(
      (e) => e.type === 'pageview' && !e.referrer?.startsWith('https://shop.example.com'),
    )
    const hosts = new Set(landings.map((e) => (e.referrer ? new URL(e.referrer).host : '(direct)')))
    for (const h of ['(direct)', 'www.google.com', 't.co', 'news.ycombinator.com']) assert.ok(hosts.has(h), h)
    const urls = landings.map((e) => new URL(e.url).searchParams)
    assert.ok(urls.some((q) => q.get('utm_medium') === 'email'))
    assert.ok(urls.some((q) => q.get('utm_medium') === 'cpc' && /^[0-9a-f]{24}$/.test(q.get('gclid') ?? '')))
    assert.ok(urls.some((q) => q.has('fbclid')))
    // Pages after the first carry the previous page as referrer.
    assert.ok(
      sample.some((e) => e.type === 'pageview' && e.referrer?.startsWith('https://shop.example.com/')),
    )
  })

  test('traffic follows the clock: nights are quieter than afternoons, weekends than weekdays', () => {
    const byHour = new Array<number>(24).fill(0)
    const byDay = new Array<number>(7).fill(0)
    for (const e of sample) {
      const d = new Date(e.time)
      byHour[d.getUTCHours()]!++
      byDay[d.getUTCDay()]!++
    }
    assert.ok(Math.min(...byHour) < Math.max(...byHour) * 0.6, `hours: ${byHour.join(' ')}`)
    // 14 days: each weekday twice. Saturday and Sunday below the busiest weekday.
    assert.ok(byDay[6]! < Math.max(...byDay.slice(1, 6)) * 0.9, `days: ${byDay.join(' ')}`)
  })

  test('engagement, identify and sign-up events; known users keep their id', () => {
    const eng = sample.filter((e) => e.type === 'engagement')
    assert.ok(eng.length > sample.length * 0.2)
    for (const e of eng) assert.ok(typeof e.props?.engaged_ms === 'number' && e.props.engaged_ms >= 0)
    const signUps = sample.filter((e) => e.name === 'sign_up')
    assert.ok(signUps.length > 0)
    const identified = sample.filter((e) => e.type === 'identify')
    assert.ok(identified.every((e) => e.user_id !== null))
  })

  test('several sites share the traffic, the first the most', () => {
    const two = all({ events: 20_000, sites: ['a.example', 'b.example'] })
    const a = two.filter((e) => e.site === 'a.example').length
    const b = two.filter((e) => e.site === 'b.example').length
    assert.equal(a + b, 20_000)
    assert.ok(a > b && b > 0, `${a} / ${b}`)
    for (const e of two) assert.equal(new URL(e.url).host, e.site)
  })

  test('bad options are refused with what to fix', () => {
    assert.throws(() => all({ events: 0 }), /--events/)
    assert.throws(() => all({ days: 0 }), /--days/)
    assert.throws(() => all({ sites: ['not a host'] }), /--sites/)
  })
})

describe('generator catalog', () => {
  test('every address prefix resolves whole to its country in the shipped database', async () => {
    const reader = await maxmind.open(shippedCountryDb())
    for (const c of COUNTRIES)
      for (const p of c.prefixes)
        for (let third = 0; third < 256; third += 5)
          for (const fourth of [1, 128, 254])
            assert.equal(
              locationOf(reader.get(`${p}.${third}.${fourth}`)).country,
              c.code,
              `${p}.${third}.${fourth}`,
            )
  })
})
