// The in-memory state behind GET /api/live and the alert rules: every event updates per-second and
// per-minute buckets and last-seen maps (O(1) per event); a snapshot, taken once a second, counts
// them relative to the clock. Windows are whole seconds: "the last W seconds" at clock time `now`
// are the seconds floor(now/1000)-W+1 .. floor(now/1000).
import type { LiveSnapshot } from '../analytics/contract.ts'
import type { ClickEvent, DeadLetter } from '../core/event.ts'
import { DistinctWindow, SecondRing, SecondSum } from './windows.ts'

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

interface PageCountry {
  readonly visitors: DistinctWindow
  readonly clicks: SecondSum
  readonly engagedMs: SecondSum
}

interface PageEntry {
  readonly visitors: DistinctWindow
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
  readonly #visitors = new DistinctWindow()
  readonly #converters = new DistinctWindow()
  readonly #pages = new Map<string, PageEntry>()
  readonly #referrers = new Map<string, DistinctWindow>()
  readonly #countries = new Map<string, DistinctWindow>()
  readonly #recent: (RecentEvent | undefined)[] = new Array(RECENT)
  #recentSeq = 0
  /** Ids of events loaded from the store at warm-up that the pipeline may deliver again (see warm). */
  #skipIds: Set<string> | null = null

  constructor(options: LiveStateOptions) {
    this.#o = options
    this.#retention = Math.min(MAX_WINDOW_S, Math.max(NOW_WINDOW_S, options.visitorRetentionS ?? 0))
    for (let i = 0; i < CHART_MINUTES + 2; i++)
      this.#minutes.push({ minute: -1, pageViews: 0, visitors: new Set(), frozenVisitors: 0 })
  }

  /** Adds a batch of events at clock time `now` (epoch ms). */
  add(events: readonly ClickEvent[], now: number): AddOutcome {
    const out: AddOutcome = { counted: 0, outsideWindow: 0, duplicate: 0, bot: 0 }
    const nowSec = Math.floor(now / 1000)
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
    if (visitor !== null) slot.visitors.add(visitor)
    if (sec <= nowSec - this.#retention || visitor === null) return true
    this.#visitors.touch(visitor, sec)
    const conversion = this.#o.conversionEvent
    if (conversion !== null && e.event_name === conversion) this.#converters.touch(visitor, sec)
    if (sec <= nowSec - NOW_WINDOW_S) return true
    const country = e.country
    if (country !== null) touchKeyed(this.#countries, country, visitor, sec)
    const page = e.page_path
    if (page === null) return true
    if (isPageView) {
      if (e.referrer_host !== null && e.channel !== 'internal')
        touchKeyed(this.#referrers, e.referrer_host, visitor, sec)
      const pc = this.#pageCountry(page, country)
      pc.page.visitors.touch(visitor, sec)
      pc.entry.visitors.touch(visitor, sec)
      pc.entry.clicks.add(sec, 1)
    } else if (e.event_type === 'engagement') {
      const ms = engagedMs(e)
      if (ms > 0) this.#pageCountry(page, country).entry.engagedMs.add(sec, ms)
    }
    return true
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

  #pageCountry(page: string, country: string | null): { page: PageEntry; entry: PageCountry } {
    let p = this.#pages.get(page)
    if (!p) {
      p = { visitors: new DistinctWindow(), byCountry: new Map() }
      this.#pages.set(page, p)
    }
    // '' stands for "no country" inside the map; the snapshot turns it back into null.
    const key = country ?? ''
    let entry = p.byCountry.get(key)
    if (!entry) {
      entry = { visitors: new DistinctWindow(), clicks: new SecondSum(), engagedMs: new SecondSum() }
      p.byCountry.set(key, entry)
    }
    return { page: p, entry }
  }

  #remember(e: ClickEvent): void {
    this.#recent[this.#recentSeq % RECENT] = {
      event_id: e.event_id,
      time: new Date(e.event_time).toISOString(),
      event_type: e.event_type,
      event_name: e.event_name,
      page_path: e.page_path,
      country: e.country,
      visitor_id: e.visitor_id,
    }
    this.#recentSeq++
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
    const cutoff = nowSec - NOW_WINDOW_S + 1
    const evictBefore = nowSec - this.#retention + 1
    const visitorsNow = this.#visitors.count(cutoff, evictBefore)
    const conversion = this.#o.conversionEvent
    const converters = conversion === null ? 0 : this.#converters.count(cutoff, evictBefore)

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

    const topPages: { value: string; visitors: number }[] = []
    const byPageCountry: LiveSnapshot['by_page_country'][number][] = []
    for (const [page, p] of this.#pages) {
      const v = p.visitors.count(cutoff)
      if (v > 0) topPages.push({ value: page, visitors: v })
      for (const [country, pc] of p.byCountry) {
        const clicks = pc.clicks.sumSince(cutoff)
        const engaged = pc.engagedMs.sumSince(cutoff)
        const visitors = pc.visitors.count(cutoff)
        if (clicks === 0 && engaged === 0 && pc.visitors.size === 0) p.byCountry.delete(country)
        else if (clicks > 0)
          byPageCountry.push({
            page,
            country: country === '' ? null : country,
            clicks,
            visitors,
            avg_seconds: Math.round(engaged / clicks) / 1000,
          })
      }
      if (p.byCountry.size === 0 && p.visitors.size === 0) this.#pages.delete(page)
    }
    byPageCountry.sort(
      (a, b) =>
        b.clicks - a.clicks ||
        b.visitors - a.visitors ||
        a.page.localeCompare(b.page) ||
        (a.country ?? '').localeCompare(b.country ?? ''),
    )

    const firstRecent = Math.max(this.#recentSeq - RECENT, recentSince ?? 0)
    const recent: RecentEvent[] = []
    for (let i = this.#recentSeq - 1; i >= firstRecent; i--) recent.push(this.#recent[i % RECENT]!)

    return {
      time: new Date(now).toISOString(),
      visitors_now: visitorsNow,
      events_per_second: this.#seconds.sum(EVENTS, nowSec - RATE_WINDOW_S + 1, nowSec) / RATE_WINDOW_S,
      page_views_per_minute: perMinute,
      conversion_rate: conversion === null ? null : visitorsNow === 0 ? 0 : converters / visitorsNow,
      conversion_event: conversion,
      top_pages: top(topPages),
      top_referrers: top(countKeyed(this.#referrers, cutoff)),
      top_countries: top(countKeyed(this.#countries, cutoff)),
      by_page_country: byPageCountry.slice(0, TOP_PAGE_COUNTRY),
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
    switch (name) {
      case 'visitors_now':
        return this.#visitors.count(from, nowSec - this.#retention + 1)
      case 'events_per_second':
        return sum(EVENTS) / windowS
      case 'page_views_per_minute':
        return sum(PAGE_VIEWS) / (windowS / 60)
      case 'conversion_rate': {
        const visitors = this.#visitors.count(from, nowSec - this.#retention + 1)
        return visitors === 0 ? 0 : this.#converters.count(from, nowSec - this.#retention + 1) / visitors
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

function touchKeyed(map: Map<string, DistinctWindow>, key: string, visitor: string, sec: number): void {
  let w = map.get(key)
  if (!w) {
    w = new DistinctWindow()
    map.set(key, w)
  }
  w.touch(visitor, sec)
}

function countKeyed(map: Map<string, DistinctWindow>, cutoff: number): { value: string; visitors: number }[] {
  const rows: { value: string; visitors: number }[] = []
  for (const [value, w] of map) {
    const visitors = w.count(cutoff)
    if (visitors > 0) rows.push({ value, visitors })
    else if (w.size === 0) map.delete(value)
  }
  return rows
}

function top<T extends { value: string; visitors: number }>(rows: T[]): T[] {
  return rows.sort((a, b) => b.visitors - a.visitors || a.value.localeCompare(b.value)).slice(0, TOP)
}
