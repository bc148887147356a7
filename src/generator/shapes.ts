// The two shapes generated events are written in. A line of `clickflow generate --out` is what
// `clickflow import --format jsonl` reads with its default mapping: the event's own field names
// (event_type, event_name, event_time, visitor_id, ..., user_agent, ip), custom properties as the
// other top-level fields (they become `props`), no event id (the importer derives a stable one from
// the file and the line). The live demo posts the `/collect` shape instead, as the browser tag does,
// with the user agent and the client address in the request's headers.
import type { JsonValue } from '../core/event.ts'
import type { GenEvent } from './session.ts'

/** One JSON line for `clickflow import` (default jsonl mapping). */
export function importLine(e: GenEvent): string {
  const r: Record<string, JsonValue> = {
    event_type: e.type,
    event_time: new Date(e.time).toISOString(),
    site: e.site,
    url: e.url,
    title: e.title,
    visitor_id: e.visitor_id,
    session_id: e.session_id,
    page_view_id: e.page_view_id,
    user_agent: e.visitor.ua,
    ip: e.visitor.ip,
  }
  if (e.name !== null) r.event_name = e.name
  if (e.referrer !== null) r.referrer = e.referrer
  if (e.user_id !== null) r.user_id = e.user_id
  if (e.props !== null) for (const k in e.props) r[k] = e.props[k]!
  return JSON.stringify(r)
}

/** One event of a `POST /collect` body, as the browser tag sends it. */
export interface CollectEvent {
  readonly type: string
  readonly event_id: string
  readonly name?: string
  readonly url: string
  readonly title: string
  readonly site: string
  readonly referrer?: string
  readonly visitor_id: string
  readonly session_id: string
  readonly page_view_id: string
  readonly user_id?: string
  readonly timestamp: number
  readonly props?: { [key: string]: JsonValue }
}

/** The `/collect` shape of an event. */
export function collectEvent(e: GenEvent): CollectEvent {
  return {
    type: e.type,
    event_id: e.event_id,
    ...(e.name !== null ? { name: e.name } : {}),
    url: e.url,
    title: e.title,
    site: e.site,
    ...(e.referrer !== null ? { referrer: e.referrer } : {}),
    visitor_id: e.visitor_id,
    session_id: e.session_id,
    page_view_id: e.page_view_id,
    ...(e.user_id !== null ? { user_id: e.user_id } : {}),
    timestamp: e.time,
    ...(e.props !== null ? { props: e.props } : {}),
  }
}
