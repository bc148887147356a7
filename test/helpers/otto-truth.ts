// Test support: the OTTO sample (../shared/data/otto_recsys_train_sample.jsonl) as clickflow events,
// and plain TypeScript computations of every analytics metric over them, written without the API's
// code, so tests can compare the API's answers with an independent truth.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ClickEvent, emptyEvent } from '../../src/core/event.ts'

export const OTTO_FILE = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'shared',
  'data',
  'otto_recsys_train_sample.jsonl',
)

const DAY = 86_400_000
const GAP = 30 * 60_000
const MAX_SESSION = DAY
const BOUNCE_ENGAGED = 10_000

/**
 * OTTO's events: clicks -> page view of /product/<aid>, carts -> track "cart", orders -> track
 * "purchase"; the OTTO session is the visitor. Country, device and channel are derived from the
 * session number (OTTO has none) so filters and breakdowns have something to work on. One bot
 * visitor is added, flagged is_bot, so the default exclusion shows.
 */
export function ottoEvents(): ClickEvent[] {
  const out: ClickEvent[] = []
  const lines = readFileSync(OTTO_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
  for (const line of lines) {
    const rec = JSON.parse(line) as { session: number; events: { aid: number; ts: number; type: string }[] }
    rec.events.forEach((ev, i) => {
      const e = emptyEvent({
        event_id: `otto-${String(rec.session).padStart(3, '0')}-${String(i).padStart(4, '0')}`,
        event_type: ev.type === 'clicks' ? 'pageview' : 'track',
        event_time: ev.ts,
        received_at: ev.ts,
        source_id: 'otto',
      })
      e.event_name = ev.type === 'carts' ? 'cart' : ev.type === 'orders' ? 'purchase' : null
      e.visitor_id = `otto-${rec.session}`
      e.site = 'shop.test'
      e.page_path = `/product/${ev.aid}`
      e.page_url = `https://shop.test/product/${ev.aid}`
      e.page_host = 'shop.test'
      e.country = (['DE', 'FR', 'NL', null] as const)[rec.session % 4]!
      e.device_type = rec.session % 2 === 0 ? 'desktop' : 'mobile'
      e.channel = rec.session % 3 === 0 ? 'search' : 'direct'
      e.props = { aid: ev.aid, kind: ev.type }
      out.push(e)
    })
  }
  const start = Date.UTC(2022, 7, 10, 12)
  for (let i = 0; i < 7; i++) {
    const e = emptyEvent({
      event_id: `bot-${i}`,
      event_type: i < 5 ? 'pageview' : 'track',
      event_time: start + i * 1000,
      received_at: start + i * 1000,
      source_id: 'otto',
    })
    e.event_name = i === 5 ? 'cart' : i === 6 ? 'purchase' : null
    e.visitor_id = 'bot-1'
    e.site = 'shop.test'
    e.page_path = '/product/1'
    e.country = 'DE'
    e.device_type = 'desktop'
    e.channel = 'direct'
    e.is_bot = true
    e.props = { aid: 1, kind: 'bot' }
    out.push(e)
  }
  return out
}

/** A session as the sessions table holds it. */
export interface TruthSession {
  session_id: string
  visitor_id: string
  site: string
  start_time: number
  end_time: number
  page_views: number
  events: number
  is_bounce: boolean
  entry_page: string | null
  exit_page: string | null
  country: string | null
  device_type: string | null
  channel: string | null
  is_bot: boolean
}

function byTime(a: ClickEvent, b: ClickEvent): number {
  return a.event_time - b.event_time || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0)
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>()
  for (const it of items) {
    const k = key(it)
    const list = m.get(k)
    if (list) list.push(it)
    else m.set(k, [it])
  }
  return m
}

/**
 * Sessions as the processor defines them (src/processor/session.ts, written again here): a visitor's
 * session ends after 30 minutes without events and is cut 24 hours after its start; entry and exit
 * are the first and last page viewed (else the first and last event's page); a bounce is one page
 * view and less than 10 s between first and last event (no engagement events here).
 */
export function truthSessions(events: readonly ClickEvent[]): TruthSession[] {
  const out: TruthSession[] = []
  for (const [visitor, evs] of groupBy(events, (e) => e.visitor_id!)) {
    evs.sort(byTime)
    let cur: ClickEvent[] = []
    const flush = () => {
      if (cur.length === 0) return
      const pvs = cur.filter((e) => e.event_type === 'pageview')
      const first = cur[0]!
      const last = cur[cur.length - 1]!
      out.push({
        session_id: `${visitor}#${out.length}`,
        visitor_id: visitor,
        site: first.site!,
        start_time: first.event_time,
        end_time: last.event_time,
        page_views: pvs.length,
        events: cur.length,
        is_bounce: pvs.length === 1 && last.event_time - first.event_time < BOUNCE_ENGAGED,
        entry_page: (pvs[0] ?? first).page_path,
        exit_page: (pvs[pvs.length - 1] ?? last).page_path,
        country: first.country,
        device_type: first.device_type,
        channel: first.channel,
        is_bot: first.is_bot,
      })
      cur = []
    }
    for (const e of evs) {
      if (
        cur.length > 0 &&
        (e.event_time - cur[cur.length - 1]!.event_time >= GAP ||
          e.event_time - cur[0]!.event_time >= MAX_SESSION)
      )
        flush()
      cur.push(e)
    }
    flush()
  }
  return out
}

/** Distinct values. */
export function distinct<T>(items: readonly T[]): number {
  return new Set(items).size
}

/** The local date (YYYY-MM-DD) of an instant in a time zone, by the runtime's own Intl. */
export function localDate(ms: number, tz: string): string {
  return new Date(ms).toLocaleDateString('sv-SE', { timeZone: tz })
}

/** Median of numbers (mean of the middle two for an even count), null for none. */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/**
 * Funnel truth: for every first-step event, take the earliest strictly later event of each next step
 * within `windowMs` of the first; a visitor counts with the attempt that got furthest (the earliest
 * such attempt), whose step times give the medians.
 */
export function truthFunnel(
  events: readonly ClickEvent[],
  steps: readonly ((e: ClickEvent) => boolean)[],
  windowMs: number,
): { visitors: number[]; medians: (number | null)[] } {
  const reached: number[][] = []
  for (const evs of groupBy(events, (e) => e.visitor_id!).values()) {
    const sorted = [...evs].sort(byTime)
    let best: number[] = []
    for (const start of sorted) {
      if (!steps[0]!(start)) continue
      const times = [start.event_time]
      for (let k = 1; k < steps.length; k++) {
        const prev = times[k - 1]!
        const next = sorted.find(
          (e) => steps[k]!(e) && e.event_time > prev && e.event_time <= start.event_time + windowMs,
        )
        if (!next) break
        times.push(next.event_time)
      }
      if (times.length > best.length) best = times
    }
    if (best.length > 0) reached.push(best)
  }
  return {
    visitors: steps.map((_, k) => reached.filter((t) => t.length > k).length),
    medians: steps.map((_, k) =>
      k === 0 ? null : median(reached.filter((t) => t.length > k).map((t) => (t[k]! - t[k - 1]!) / 1000)),
    ),
  }
}

/** Retention truth: cohorts by the local day of first sight; retained[k] = active on cohort day + k. */
export function truthRetention(
  events: readonly ClickEvent[],
  from: number,
  to: number,
  tz: string,
  periods: number,
): Map<string, { visitors: number; retained: (number | null)[] }> {
  const before = events.filter((e) => e.event_time < to)
  const firstSeen = new Map<string, number>()
  for (const e of before)
    firstSeen.set(e.visitor_id!, Math.min(firstSeen.get(e.visitor_id!) ?? Infinity, e.event_time))
  const dayIndex = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY
  const activeDays = new Map<string, Set<number>>()
  for (const e of before) {
    let s = activeDays.get(e.visitor_id!)
    if (!s) {
      s = new Set()
      activeDays.set(e.visitor_id!, s)
    }
    s.add(dayIndex(localDate(e.event_time, tz)))
  }
  // Day D (where `to` falls) is not over, whether `to` is its midnight or later in it.
  const lastFullDay = dayIndex(localDate(to, tz)) - 1
  const out = new Map<string, { visitors: number; retained: (number | null)[] }>()
  for (const [v, f] of firstSeen) {
    if (f < from) continue
    const cohort = localDate(f, tz)
    const c = dayIndex(cohort)
    let row = out.get(cohort)
    if (!row) {
      row = {
        visitors: 0,
        retained: Array.from({ length: periods + 1 }, (_, k) => (c + k <= lastFullDay ? 0 : null)),
      }
      out.set(cohort, row)
    }
    row.visitors++
    row.retained[0] = row.visitors
    for (let k = 1; k <= periods; k++) {
      if (row.retained[k] !== null && activeDays.get(v)!.has(c + k)) row.retained[k]!++
    }
  }
  return out
}
