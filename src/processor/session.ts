// One visitor session's running state and its row in the `sessions` table. Every field is kept so
// that the result does not depend on the order events arrive in: firsts and lasts are chosen by
// (event time, event id), counts and engaged time are sums, so a late event or a merge gives the
// same session as in-order arrival.
import { hash } from 'node:crypto'
import type { ProcessorEvent } from './event-fields.ts'

/** The fields of a session's first event that the session reports (its entry context). */
export interface EntryContext {
  hint_session_id: string | null
  site: string | null
  referrer: string | null
  referrer_host: string | null
  channel: string | null
  utm_source: string | null
  utm_medium: string | null
  utm_campaign: string | null
  utm_term: string | null
  utm_content: string | null
  country: string | null
  region: string | null
  city: string | null
  device_type: string | null
  browser: string | null
  os: string | null
}

/** A page seen at a point of the session: (time, event id) orders candidates deterministically. */
export interface PageMark {
  t: number
  id: string
  page: string
}

/** A session's state; plain data (saved by session-state.ts at checkpoints). */
export interface Session {
  /** Internal key: the id of the first event this processor put in the session (stable across merges). */
  sid: string
  visitor_id: string
  /** The earliest event by (time, id); the session id derives from it. */
  first_t: number
  first_id: string
  last_t: number
  last_id: string
  entry: EntryContext
  user_id: string | null
  user_t: number
  user_event: string
  page_views: number
  events: number
  engaged_sum_ms: number
  engagement_events: number
  is_bot: boolean
  /** Entry and exit among page views, and among any events with a page, the fallback. */
  pv_first: PageMark | null
  pv_last: PageMark | null
  any_first: PageMark | null
  any_last: PageMark | null
  /** The session id this session was last written under, if any. */
  persisted_id: string | null
  /** The start time of that row (lets the checkpoint's delete skip older parts of the table). */
  persisted_start: number | null
  /** The session id computed for `id_first` (hashing once per first event, not per checkpoint). */
  id: string | null
  id_first: string | null
}

/** Session settings that shape the row. */
export interface SessionRowOptions {
  /** Under this engaged time a one-page-view session is a bounce (ms). */
  readonly bounceEngagedMs: number
}

/** The `sessions` row. Times are epoch ms. */
export interface SessionRow extends EntryContext {
  session_id: string
  visitor_id: string
  user_id: string | null
  start_time: number
  end_time: number
  duration_ms: number
  page_views: number
  events: number
  is_bounce: boolean
  engaged_ms: number
  entry_page: string | null
  exit_page: string | null
  is_bot: boolean
}

function before(t1: number, id1: string, t2: number, id2: string): boolean {
  return t1 < t2 || (t1 === t2 && id1 < id2)
}

function entryOf(e: ProcessorEvent): EntryContext {
  return {
    hint_session_id: e.session_id,
    site: e.site,
    referrer: e.referrer,
    referrer_host: e.referrer_host,
    channel: e.channel,
    utm_source: e.utm_source,
    utm_medium: e.utm_medium,
    utm_campaign: e.utm_campaign,
    utm_term: e.utm_term,
    utm_content: e.utm_content,
    country: e.country,
    region: e.region,
    city: e.city,
    device_type: e.device_type,
    browser: e.browser,
    os: e.os,
  }
}

/** The engaged time an event reports (`props.engaged_ms` of engagement events), or null. */
function engagedMs(e: ProcessorEvent): number | null {
  if (e.event_type !== 'engagement' || !e.props) return null
  const v = e.props.engaged_ms
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null
}

/** A new session holding one event. */
export function newSession(e: ProcessorEvent, visitorId: string): Session {
  const s: Session = {
    sid: e.event_id,
    visitor_id: visitorId,
    first_t: e.event_time,
    first_id: e.event_id,
    last_t: e.event_time,
    last_id: e.event_id,
    entry: entryOf(e),
    user_id: null,
    user_t: 0,
    user_event: '',
    page_views: 0,
    events: 0,
    engaged_sum_ms: 0,
    engagement_events: 0,
    is_bot: false,
    pv_first: null,
    pv_last: null,
    any_first: null,
    any_last: null,
    persisted_id: null,
    persisted_start: null,
    id: null,
    id_first: null,
  }
  addEvent(s, e)
  return s
}

/** Adds one event to a session. */
export function addEvent(s: Session, e: ProcessorEvent): void {
  const t = e.event_time
  const id = e.event_id
  s.events++
  if (e.event_type === 'pageview') s.page_views++
  if (e.is_bot) s.is_bot = true
  const engaged = engagedMs(e)
  if (engaged !== null) {
    s.engaged_sum_ms += engaged
    s.engagement_events++
  }
  if (before(t, id, s.first_t, s.first_id)) {
    s.first_t = t
    s.first_id = id
    s.entry = entryOf(e)
  }
  if (before(s.last_t, s.last_id, t, id)) {
    s.last_t = t
    s.last_id = id
  }
  if (e.user_id !== null && (s.user_id === null || before(s.user_t, s.user_event, t, id))) {
    s.user_id = e.user_id
    s.user_t = t
    s.user_event = id
  }
  const page = e.page_path ?? e.page_url
  if (page !== null) {
    // Marks are updated in place (most events move the exit marks): no allocation per event. Each
    // field has its own object, so updating one never changes another.
    if (e.event_type === 'pageview') {
      if (!s.pv_first) s.pv_first = { t, id, page }
      else if (before(t, id, s.pv_first.t, s.pv_first.id)) setMark(s.pv_first, t, id, page)
      if (!s.pv_last) s.pv_last = { t, id, page }
      else if (before(s.pv_last.t, s.pv_last.id, t, id)) setMark(s.pv_last, t, id, page)
    }
    if (!s.any_first) s.any_first = { t, id, page }
    else if (before(t, id, s.any_first.t, s.any_first.id)) setMark(s.any_first, t, id, page)
    if (!s.any_last) s.any_last = { t, id, page }
    else if (before(s.any_last.t, s.any_last.id, t, id)) setMark(s.any_last, t, id, page)
  }
}

function setMark(m: PageMark, t: number, id: string, page: string): void {
  m.t = t
  m.id = id
  // Mostly the same page as before: keeping the string already held spares the young generation's
  // collector from copying every event's page string into the old one.
  if (m.page !== page) m.page = page
}

function earlier(a: PageMark | null, b: PageMark | null): PageMark | null {
  if (!a) return b
  if (!b) return a
  return before(b.t, b.id, a.t, a.id) ? b : a
}

function later(a: PageMark | null, b: PageMark | null): PageMark | null {
  if (!a) return b
  if (!b) return a
  return before(a.t, a.id, b.t, b.id) ? b : a
}

/** Folds `b` into `a` (a late event bridged them); `a` keeps its internal key. */
export function mergeInto(a: Session, b: Session): void {
  a.events += b.events
  a.page_views += b.page_views
  a.engaged_sum_ms += b.engaged_sum_ms
  a.engagement_events += b.engagement_events
  a.is_bot ||= b.is_bot
  if (before(b.first_t, b.first_id, a.first_t, a.first_id)) {
    a.first_t = b.first_t
    a.first_id = b.first_id
    a.entry = b.entry
  }
  if (before(a.last_t, a.last_id, b.last_t, b.last_id)) {
    a.last_t = b.last_t
    a.last_id = b.last_id
  }
  if (b.user_id !== null && (a.user_id === null || before(a.user_t, a.user_event, b.user_t, b.user_event))) {
    a.user_id = b.user_id
    a.user_t = b.user_t
    a.user_event = b.user_event
  }
  a.pv_first = earlier(a.pv_first, b.pv_first)
  a.pv_last = later(a.pv_last, b.pv_last)
  a.any_first = earlier(a.any_first, b.any_first)
  a.any_last = later(a.any_last, b.any_last)
}

/**
 * The session id: a hash of the visitor and the session's earliest event id, so processing the same
 * events again (after a crash, or from scratch) gives the same ids.
 */
export function sessionId(s: Session): string {
  if (s.id === null || s.id_first !== s.first_id) {
    // One-shot: the same digest as a Hash object fed the three parts, without creating one.
    s.id = hash('sha1', `${s.visitor_id}\u0000${s.first_id}`, 'hex').slice(0, 32)
    s.id_first = s.first_id
  }
  return s.id
}

/** The session's row. */
export function sessionRow(s: Session, o: SessionRowOptions): SessionRow {
  const duration = s.last_t - s.first_t
  // Engaged time is what the tag reported; without engagement events, the time between first and last event.
  const engaged = s.engagement_events > 0 ? s.engaged_sum_ms : duration
  const entry = s.pv_first ?? s.any_first
  const exit = s.pv_last ?? s.any_last
  const x = s.entry
  // Written out field by field: spreading the entry into a 29-field literal took the slow generic
  // object-clone path and was most of a checkpoint's JavaScript time.
  return {
    session_id: sessionId(s),
    visitor_id: s.visitor_id,
    user_id: s.user_id,
    site: x.site,
    hint_session_id: x.hint_session_id,
    start_time: s.first_t,
    end_time: s.last_t,
    duration_ms: duration,
    page_views: s.page_views,
    events: s.events,
    is_bounce: s.page_views === 1 && engaged < o.bounceEngagedMs,
    engaged_ms: Math.round(engaged),
    entry_page: entry?.page ?? null,
    exit_page: exit?.page ?? null,
    referrer: x.referrer,
    referrer_host: x.referrer_host,
    channel: x.channel,
    utm_source: x.utm_source,
    utm_medium: x.utm_medium,
    utm_campaign: x.utm_campaign,
    utm_term: x.utm_term,
    utm_content: x.utm_content,
    country: x.country,
    region: x.region,
    city: x.city,
    device_type: x.device_type,
    browser: x.browser,
    os: x.os,
    is_bot: s.is_bot,
  }
}
