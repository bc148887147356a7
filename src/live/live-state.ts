// The in-memory state behind GET /api/live and the alert rules: every event updates per-second and
// per-minute buckets and last-seen maps (O(1) per event); a snapshot, taken once a second, counts
// them relative to the clock. Windows are whole seconds: "the last W seconds" at clock time `now`
// are the seconds floor(now/1000)-W+1 .. floor(now/1000).
import type { LiveSnapshot } from '../analytics/contract.ts'
import type { ClickEvent, DeadLetter, EventField, EventView } from '../core/event.ts'
import {
  countSince,
  forgetMembers,
  type Members,
  members,
  SecondRing,
  SecondSum,
  SlidingMembers,
} from './windows.ts'

/** Seconds of "now": visitors, top lists, conversion. */
export const NOW_WINDOW_S = 300
/** Seconds of the events-per-second average. */
export const RATE_WINDOW_S = 10
/** Minutes of the page-views chart. */
export const CHART_MINUTES = 60
/** Longest window anything (an alert rule) may ask for, in seconds. */
export const MAX_WINDOW_S = CHART_MINUTES * 60
/** Events up to this far ahead of the clock (client clocks) count as now; further ahead they are ignored. */
export const FUTURE_S = 60
const TOP = 10
const TOP_PAGE_COUNTRY = 20
const RECENT = 20

const EVENTS = 0
const PAGE_VIEWS = 1
const DEAD_LETTERS = 2

/** Settings of the live state. */
export interface LiveStateOptions {
  /** `event_name` that counts as a conversion; null: no conversion rate. */
  readonly conversionEvent: string | null
  readonly includeBots: boolean
  /** Seconds the visitor maps remember (at least NOW_WINDOW_S; longer when an alert rule asks). */
  readonly visitorRetentionS?: number
}

/** What happened to the events of one `add` call. */
export interface AddOutcome {
  counted: number
  outsideWindow: number
  duplicate: number
  bot: number
}

/** An event as the live state reads it (the store's columns when warming up). */
export type LiveEvent = Pick<
  ClickEvent,
  | 'event_id'
  | 'event_type'
  | 'event_name'
  | 'event_time'
  | 'visitor_id'
  | 'page_path'
  | 'referrer_host'
  | 'channel'
  | 'country'
  | 'props'
>

/**
 * Every field the live view reads from the pipeline's events: its sink declares them, so a pipeline
 * feeding only it and the processor decodes no other field.
 */
export const LIVE_FIELDS = [
  'event_id',
  'event_type',
  'event_name',
  'event_time',
  'visitor_id',
  'page_path',
  'referrer_host',
  'channel',
  'country',
  'engaged_ms',
  'is_bot',
  'is_duplicate',
] as const satisfies readonly EventField[]

/** An event as the live view gets it from the pipeline. */
export type LiveInput = EventView<(typeof LIVE_FIELDS)[number]>

/** Metrics an alert rule can watch; see {@link LiveState.metric}. */
export const LIVE_METRICS = [
  'visitors_now',
  'events_per_second',
  'page_views_per_minute',
  'conversion_rate',
  'dead_letters_per_minute',
  'error_rate',
] as const
/** One of {@link LIVE_METRICS}. */
export type LiveMetric = (typeof LIVE_METRICS)[number]

interface MinuteSlot {
  minute: number
  pageViews: number
  visitors: Set<string>
  /** Visitors of a minute warmed from the store as a count (its visitor ids were not loaded). */
  frozenVisitors: number
}

/** One page x country of the last 5 minutes: its visitors, clicks and engaged ms. */
interface PageCountry extends Members {
  readonly country: string | null
  readonly clicks: SecondSum
  readonly engagedMs: SecondSum
}

/** One page of the last 5 minutes: visitors with a page view, and its countries ('' for none). */
interface PageEntry extends Members {
  readonly byCountry: Map<string, PageCountry>
}

type RecentEvent = LiveSnapshot['recent_events'][number]

function engagedMs(e: LiveEvent): number {
  const v = e.props?.engaged_ms
  return typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : 0
}

/** The live metrics state. */
export class LiveState {
  readonly #o: LiveStateOptions
  readonly #retention: number
  readonly #seconds = new SecondRing(MAX_WINDOW_S + FUTURE_S + 60, 3)
  readonly #minutes: MinuteSlot[] = []
  /** Every 5-minute distinct count shares one expiry ring. */
  readonly #window = new SlidingMembers(NOW_WINDOW_S)
  readonly #visitors = members()
  readonly #converters = members()
  /** Visitors and converters over the visitor retention, when an alert rule asks for more than 5 minutes. */
  readonly #long: SlidingMembers | null
  readonly #visitorsLong = members()
  readonly #convertersLong = members()
  readonly #pages = new Map<string, PageEntry>()
  readonly #referrers = new Map<string, Members>()
  readonly #countries = new Map<string, Members>()
  #expiredAt = -1
  /** The last RECENT counted events, as given (formatted only when a snapshot lists them). */
  readonly #recent: (LiveEvent | undefined)[] = new Array(RECENT)
  #recentSeq = 0
  /** Ids of events loaded from the store at warm-up that the pipeline may deliver again (see warm). */
  #skipIds: Set<string> | null = null

  constructor(options: LiveStateOptions) {
    this.#o = options
    this.#retention = Math.min(MAX_WINDOW_S, Math.max(NOW_WINDOW_S, options.visitorRetentionS ?? 0))
    this.#long = this.#retention > NOW_WINDOW_S ? new SlidingMembers(this.#retention) : null
    for (let i = 0; i < CHART_MINUTES + 2; i++)
      this.#minutes.push({ minute: -1, pageViews: 0, visitors: new Set(), frozenVisitors: 0 })
  }

  /** Adds a batch of events at clock time `now` (epoch ms). */
  add(events: readonly LiveInput[], now: number): AddOutcome {
    const out: AddOutcome = { counted: 0, outsideWindow: 0, duplicate: 0, bot: 0 }
    const nowSec = Math.floor(now / 1000)
    this.#expire(nowSec)
    const skip = this.#skipIds
    for (const e of events) {
      if (e.is_duplicate) out.duplicate++
      else if (e.is_bot && !this.#o.includeBots) out.bot++
      else if (skip?.has(e.event_id)) out.duplicate++
      else if (this.#count(e, nowSec, true)) {
        out.counted++
        this.#remember(e)
      } else out.outsideWindow++
    }
    return out
  }

  /** Counts dead letters (by the time they were refused) for the dead-letter and error-rate metrics. */
  addDeadLetters(items: readonly DeadLetter[], now: number): void {
    const nowSec = Math.floor(now / 1000)
    for (const d of items) {
      const sec = Math.min(Math.floor(d.received_at / 1000), nowSec)
      if (sec > nowSec - MAX_WINDOW_S) this.#seconds.add(sec, DEAD_LETTERS)
    }
  }

  /**
   * Counts one event; false when its time is outside every window (older than the chart's hour,
   * or further ahead than FUTURE_S). `perSecond` false: its per-second and per-minute counts were
   * warmed from the store's totals already.
   */
  #count(e: LiveEvent, nowSec: number, perSecond: boolean): boolean {
    let sec = Math.floor(e.event_time / 1000)
    if (sec > nowSec) {
      if (sec > nowSec + FUTURE_S) return false
      sec = nowSec
    }
    const minute = Math.floor(sec / 60)
    if (minute <= Math.floor(nowSec / 60) - CHART_MINUTES) return false
    const isPageView = e.event_type === 'pageview'
    const slot = this.#minuteSlot(minute)
    if (perSecond) {
      this.#seconds.add(sec, EVENTS)
      if (isPageView) {
        this.#seconds.add(sec, PAGE_VIEWS)
        slot.pageViews++
      }
    }
    const visitor = e.visitor_id
    if (visitor === null) return true
    if (sec <= nowSec - NOW_WINDOW_S) {
      slot.visitors.add(visitor)
      if (sec <= nowSec - this.#retention) return true
    }
    const conversion = this.#o.conversionEvent
    const converted = conversion !== null && e.event_name === conversion
    const long = this.#long
    if (long !== null) {
      long.touch(this.#visitorsLong, visitor, sec)
      if (converted) long.touch(this.#convertersLong, visitor, sec)
    }
    if (sec <= nowSec - NOW_WINDOW_S) return true
    const w = this.#window
    const prev = w.touch(this.#visitors, visitor, sec)
    // Seen in this minute already (its latest second is here): it is in the minute's set.
    if (prev < minute * 60 || prev >= minute * 60 + 60) slot.visitors.add(visitor)
    if (converted) w.touch(this.#converters, visitor, sec)
    const country = e.country
    if (country !== null) w.touch(keyed(this.#countries, country), visitor, sec)
    const page = e.page_path
    if (page === null) return true
    if (isPageView) {
      if (e.referrer_host !== null && e.channel !== 'internal')
        w.touch(keyed(this.#referrers, e.referrer_host), visitor, sec)
      const p = this.#page(page)
      w.touch(p, visitor, sec)
      const pc = pageCountry(p, country)
      w.touch(pc, visitor, sec)
      pc.clicks.add(sec, 1)
    } else if (e.event_type === 'engagement') {
      const ms = engagedMs(e)
      if (ms > 0) pageCountry(this.#page(page), country).engagedMs.add(sec, ms)
    }
    return true
  }

  /** Moves every 5-minute window (and the longer visitor ones) to clock second `nowSec`. */
  #expire(nowSec: number): void {
    if (nowSec <= this.#expiredAt) return
    this.#expiredAt = nowSec
    this.#window.expire(nowSec - NOW_WINDOW_S + 1)
    this.#long?.expire(nowSec - this.#retention + 1)
  }

  #page(page: string): PageEntry {
    let p = this.#pages.get(page)
    if (p === undefined) {
      p = { members: new Map(), byCountry: new Map() }
      this.#pages.set(page, p)
    }
    return p
  }

  #minuteSlot(minute: number): MinuteSlot {
    const slot = this.#minutes[minute % this.#minutes.length]!
    if (slot.minute !== minute) {
      slot.minute = minute
      slot.pageViews = 0
      slot.visitors = new Set()
      slot.frozenVisitors = 0
    }
    return slot
  }

  #remember(e: LiveEvent): void {
    this.#recent[this.#recentSeq % RECENT] = e
    this.#recentSeq++
  }

  /**
   * An erasure: the visitors' ids leave every distinct count (the 5-minute and longer windows, the
   * chart's minutes, pages, countries, referrers) and the expiry rings, so the live view holds no
   * trace of them; the latest events list keeps their events without the id. Counts that hold no
   * id (events, page views, clicks, engaged time) stay.
   */
  forget(visitors: ReadonlySet<string>): void {
    for (let i = 0; i < RECENT; i++) {
      const e = this.#recent[i]
      if (e?.visitor_id != null && visitors.has(e.visitor_id)) this.#recent[i] = { ...e, visitor_id: null }
    }
    for (const slot of this.#minutes) for (const v of visitors) slot.visitors.delete(v)
    forgetMembers(this.#window, this.#windowKeys(), visitors)
    if (this.#long !== null) forgetMembers(this.#long, [this.#visitorsLong, this.#convertersLong], visitors)
  }

  /** Whether any count or list still holds `visitor` (erasure tests check that none does). */
  holds(visitor: string): boolean {
    if (this.#recent.some((e) => e?.visitor_id === visitor)) return true
    if (this.#minutes.some((slot) => slot.visitors.has(visitor))) return true
    for (const key of this.#windowKeys()) if (key.members.has(visitor)) return true
    return this.#visitorsLong.members.has(visitor) || this.#convertersLong.members.has(visitor)
  }

  /** Every key of the 5-minute windows. */
  *#windowKeys(): Generator<Members> {
    yield this.#visitors
    yield this.#converters
    yield* this.#referrers.values()
    yield* this.#countries.values()
    for (const p of this.#pages.values()) {
      yield p
      yield* p.byCountry.values()
    }
  }

  /** How many events were remembered for `recent_events` so far (a cursor for "since the last message"). */
  get recentCursor(): number {
    return this.#recentSeq
  }

  /**
   * The snapshot at clock time `now`. `recentSince`: a cursor from {@link recentCursor}; only events
   * remembered after it are listed (the stream's "since the previous message"); omitted: the latest 20.
   */
  snapshot(now: number, recentSince?: number): LiveSnapshot {
    const nowSec = Math.floor(now / 1000)
    this.#expire(nowSec)
    const visitorsNow = this.#visitors.members.size
    const conversion = this.#o.conversionEvent
    const converters = conversion === null ? 0 : this.#converters.members.size

    const nowMinute = Math.floor(nowSec / 60)
    const perMinute: { minute: string; page_views: number; visitors: number }[] = []
    for (let m = nowMinute - CHART_MINUTES + 1; m <= nowMinute; m++) {
      const slot = this.#minutes[m % this.#minutes.length]!
      const held = slot.minute === m
      perMinute.push({
        minute: new Date(m * 60_000).toISOString(),
        page_views: held ? slot.pageViews : 0,
        visitors: held ? slot.frozenVisitors + slot.visitors.size : 0,
      })
    }

    // Top 20 by clicks, then visitors, page, country: a bounded selection, so the thousands of page
    // x country entries of a busy site cost a comparison each, not a row object and a sort.
    type Row = LiveSnapshot['by_page_country'][number] & { engaged: number }
    const bestPc = new TopK<Row>(TOP_PAGE_COUNTRY, (a, b) =>
      comparePc(a.clicks, a.visitors, a.page, a.country, b.clicks, b.visitors, b.page, b.country),
    )
    const cutoff = nowSec - NOW_WINDOW_S + 1
    const bestPages = topVisitors()
    for (const [page, p] of this.#pages) {
      const pageVisitors = p.members.size
      if (pageVisitors > 0) bestPages.offer(page, pageVisitors)
      for (const [key, pc] of p.byCountry) {
        const clicks = pc.clicks.sumSince(cutoff)
        const engaged = pc.engagedMs.sumSince(cutoff)
        const visitors = pc.members.size
        if (clicks === 0 && engaged === 0 && visitors === 0) p.byCountry.delete(key)
        else if (
          clicks > 0 &&
          bestPc.accepts(
            (w) => comparePc(clicks, visitors, page, pc.country, w.clicks, w.visitors, w.page, w.country) < 0,
          )
        )
          bestPc.add({ page, country: pc.country, clicks, visitors, avg_seconds: 0, engaged })
      }
      if (p.byCountry.size === 0 && pageVisitors === 0) this.#pages.delete(page)
    }
    const byPageCountry = bestPc.sorted().map(({ engaged, ...row }) => ({
      ...row,
      avg_seconds: Math.round(engaged / row.clicks) / 1000,
    }))

    const firstRecent = Math.max(this.#recentSeq - RECENT, recentSince ?? 0)
    const recent: RecentEvent[] = []
    for (let i = this.#recentSeq - 1; i >= firstRecent; i--) {
      const e = this.#recent[i % RECENT]!
      recent.push({
        event_id: e.event_id,
        time: new Date(e.event_time).toISOString(),
        event_type: e.event_type,
        event_name: e.event_name,
        page_path: e.page_path,
        country: e.country,
        visitor_id: e.visitor_id,
      })
    }

    return {
      time: new Date(now).toISOString(),
      visitors_now: visitorsNow,
      events_per_second: this.#seconds.sum(EVENTS, nowSec - RATE_WINDOW_S + 1, nowSec) / RATE_WINDOW_S,
      page_views_per_minute: perMinute,
      conversion_rate: conversion === null ? null : visitorsNow === 0 ? 0 : converters / visitorsNow,
      conversion_event: conversion,
      top_pages: bestPages.sorted(),
      top_referrers: top(this.#referrers),
      top_countries: top(this.#countries),
      by_page_country: byPageCountry,
      recent_events: recent,
    }
  }

  /**
   * One metric over the last `windowS` seconds at clock time `now`, for alert rules. Visitor metrics
   * need `windowS` within the visitor retention given at construction.
   */
  metric(name: LiveMetric, windowS: number, now: number): number {
    const nowSec = Math.floor(now / 1000)
    const from = nowSec - windowS + 1
    const sum = (series: number) => this.#seconds.sum(series, from, nowSec)
    const visitors = () => this.#distinctSince(this.#visitors, this.#visitorsLong, windowS, from, nowSec)
    switch (name) {
      case 'visitors_now':
        return visitors()
      case 'events_per_second':
        return sum(EVENTS) / windowS
      case 'page_views_per_minute':
        return sum(PAGE_VIEWS) / (windowS / 60)
      case 'conversion_rate': {
        const v = visitors()
        const c = this.#distinctSince(this.#converters, this.#convertersLong, windowS, from, nowSec)
        return v === 0 ? 0 : c / v
      }
      case 'dead_letters_per_minute':
        return sum(DEAD_LETTERS) / (windowS / 60)
      case 'error_rate': {
        const dead = sum(DEAD_LETTERS)
        const total = dead + sum(EVENTS)
        return total === 0 ? 0 : dead / total
      }
    }
  }

  #distinctSince(short: Members, long: Members, windowS: number, from: number, nowSec: number): number {
    this.#expire(nowSec)
    return countSince(windowS <= NOW_WINDOW_S || this.#long === null ? short : long, from)
  }

  /** Seconds the visitor maps remember. */
  get visitorRetentionS(): number {
    return this.#retention
  }

  // Warm-up from the store (see warm.ts): per-second totals for the hour, visitor counts of the
  // minutes before the raw window, then the raw events of the last minutes.

  /** Per-second totals (events, page views, dead letters) loaded from the store. */
  warmSecond(sec: number, events: number, pageViews: number, deadLetters: number): void {
    if (events > 0) this.#seconds.add(sec, EVENTS, events)
    if (pageViews > 0) {
      this.#seconds.add(sec, PAGE_VIEWS, pageViews)
      this.#minuteSlot(Math.floor(sec / 60)).pageViews += pageViews
    }
    if (deadLetters > 0) this.#seconds.add(sec, DEAD_LETTERS, deadLetters)
  }

  /** Distinct visitors of a minute before the raw window, loaded from the store as a count. */
  warmMinuteVisitors(minute: number, visitors: number): void {
    this.#minuteSlot(minute).frozenVisitors = visitors
  }

  /** One stored event of the raw window (its per-second counts came from warmSecond). */
  warmEvent(e: LiveEvent, now: number): void {
    this.#expire(Math.floor(now / 1000))
    this.#count(e, Math.floor(now / 1000), false)
  }

  /**
   * Events the pipeline may deliver again after a crash (the store held them before the pipeline
   * committed its offsets) are skipped while this set is held; the sink drops it after a minute.
   */
  skipWarmedIds(ids: Set<string> | null): void {
    this.#skipIds = ids && ids.size > 0 ? ids : null
  }
}

/** The key of `map`, made when missing. */
function keyed(map: Map<string, Members>, key: string): Members {
  let k = map.get(key)
  if (k === undefined) {
    k = members()
    map.set(key, k)
  }
  return k
}

/** The entry of `country` on page `p`, made when missing. */
function pageCountry(p: PageEntry, country: string | null): PageCountry {
  // '' stands for "no country" inside the map.
  const key = country ?? ''
  let pc = p.byCountry.get(key)
  if (pc === undefined) {
    pc = { members: new Map(), country, clicks: new SecondSum(), engagedMs: new SecondSum() }
    p.byCountry.set(key, pc)
  }
  return pc
}

/** The top 10 of `map` by distinct visitors; keys with none left are dropped. */
function top(map: Map<string, Members>): { value: string; visitors: number }[] {
  const best = topVisitors()
  for (const [value, k] of map) {
    const visitors = k.members.size
    if (visitors > 0) best.offer(value, visitors)
    else map.delete(value)
  }
  return best.sorted()
}

/** A top-10 selection by visitors (descending), then value. */
function topVisitors(): {
  offer(value: string, visitors: number): void
  sorted(): { value: string; visitors: number }[]
} {
  const best = new TopK<{ value: string; visitors: number }>(
    TOP,
    (a, b) => b.visitors - a.visitors || compareText(a.value, b.value),
  )
  return {
    offer: (value, visitors) => {
      if (best.accepts((w) => visitors > w.visitors || (visitors === w.visitors && value < w.value)))
        best.add({ value, visitors })
    },
    sorted: () => best.sorted(),
  }
}

/** The order of by_page_country: clicks, visitors (both descending), page, country. */
function comparePc(
  clicksA: number,
  visitorsA: number,
  pageA: string,
  countryA: string | null,
  clicksB: number,
  visitorsB: number,
  pageB: string,
  countryB: string | null,
): number {
  return (
    clicksB - clicksA ||
    visitorsB - visitorsA ||
    compareText(pageA, pageB) ||
    compareText(countryA ?? '', countryB ?? '')
  )
}

/** The best `k` items by `order` (ascending = better first), kept sorted while scanning. */
class TopK<T> {
  readonly #k: number
  readonly #order: (a: T, b: T) => number
  readonly #items: T[] = []

  constructor(k: number, order: (a: T, b: T) => number) {
    this.#k = k
    this.#order = order
  }

  /** Whether a candidate belongs in: room left, or `better(worst)` says it beats the worst kept. */
  accepts(better: (worst: T) => boolean): boolean {
    return this.#items.length < this.#k || better(this.#items[this.#items.length - 1]!)
  }

  add(item: T): void {
    const items = this.#items
    let i = items.length
    while (i > 0 && this.#order(item, items[i - 1]!) < 0) i--
    items.splice(i, 0, item)
    if (items.length > this.#k) items.pop()
  }

  sorted(): T[] {
    return this.#items
  }
}

/** Code-unit order, as `<` compares strings. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
