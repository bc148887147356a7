// The `POST /collect` contract: parses one request body into events and per-index rejections.
// Pure: no I/O, so every rule is unit-tested.
import { RequestError } from '../../../core/errors.ts'
import {
  type ClickEvent,
  EVENT_TYPES,
  type EventType,
  emptyEvent,
  type JsonValue,
} from '../../../core/event.ts'
import { uuidv7 } from '../../../core/ids.ts'
import type { Rejection } from '../route.ts'

/** What the request carried, besides its body. */
export interface RequestMeta {
  readonly receivedAt: number
  readonly sourceId: string
  readonly userAgent: string | null
  readonly ip: string | null
  /** Fixed site from the source config, if any. */
  readonly site: string | undefined
  readonly maxEventBytes: number
  readonly maxEvents: number
}

const TYPES = new Set<string>(EVENT_TYPES)
const MAX_ID = 256
const MAX_NAME = 200
const MAX_URL = 8192
/** Timestamps before this are surely wrong (not a backfill): 2000-01-01. */
const MIN_TIME = Date.UTC(2000, 0, 1)
/** How far in the future a corrected timestamp may lie before it is refused. */
const MAX_FUTURE_MS = 24 * 3600 * 1000

class Invalid extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Parses a time given as ISO 8601 text or epoch milliseconds. */
export function parseTime(value: unknown, field: string): number {
  let ms: number
  if (typeof value === 'number') ms = value
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) ms = Date.parse(value)
  else throw new Invalid('invalid_timestamp', `${field} must be an ISO 8601 string or epoch milliseconds`)
  if (!Number.isFinite(ms) || ms < MIN_TIME) {
    throw new Invalid('invalid_timestamp', `${field} ${JSON.stringify(value)} is not a time after 2000-01-01`)
  }
  return Math.trunc(ms)
}

function optString(e: Record<string, unknown>, field: string, max: number): string | null {
  const v = e[field]
  if (v === undefined || v === null) return null
  if (typeof v !== 'string') throw new Invalid('invalid_field', `${field} must be a string`)
  if (v.length > max) throw new Invalid('field_too_long', `${field} is longer than ${max} characters`)
  return v
}

function parseUrl(value: string, field: string): URL {
  try {
    return new URL(value)
  } catch {
    throw new Invalid('invalid_url', `${field} "${value.slice(0, 100)}" is not an absolute URL`)
  }
}

/**
 * Turns one received event into a ClickEvent. `skewMs` is (sent_at - received_at) of the request,
 * when the client sent `sent_at`: the client clock's offset, subtracted from its timestamps.
 */
function toEvent(raw: unknown, meta: RequestMeta, skewMs: number | null): ClickEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Invalid('invalid_event', 'an event must be a JSON object')
  const e = raw as Record<string, unknown>
  const type = e.type
  if (typeof type !== 'string' || !TYPES.has(type)) {
    throw new Invalid(
      'invalid_event_type',
      `type must be one of ${EVENT_TYPES.join(', ')}; got ${JSON.stringify(type)}`,
    )
  }
  const name = optString(e, 'name', MAX_NAME)
  if (type === 'track' && !name) throw new Invalid('missing_name', 'a track event needs a name')
  const eventId = optString(e, 'event_id', MAX_ID)
  if (eventId === '') throw new Invalid('invalid_field', 'event_id must not be empty')
  let eventTime = meta.receivedAt
  if (e.timestamp !== undefined && e.timestamp !== null) {
    const t = parseTime(e.timestamp, 'timestamp')
    // Clock-skew correction: event_time = received_at - (sent_at - timestamp).
    eventTime = skewMs === null ? t : t - skewMs
  }
  if (eventTime > meta.receivedAt + MAX_FUTURE_MS) {
    throw new Invalid('invalid_timestamp', 'timestamp is more than 24 hours in the future')
  }
  const props = e.props
  if (props !== undefined && props !== null && (typeof props !== 'object' || Array.isArray(props))) {
    throw new Invalid('invalid_props', 'props must be a JSON object')
  }
  const url = optString(e, 'url', MAX_URL)
  const parsedUrl = url ? parseUrl(url, 'url') : null
  const referrer = optString(e, 'referrer', MAX_URL)
  const event = emptyEvent({
    event_id: eventId ?? uuidv7(meta.receivedAt),
    event_type: type as EventType,
    event_time: eventTime,
    received_at: meta.receivedAt,
    source_id: meta.sourceId,
  })
  event.event_name = name
  event.sent_at = skewMs === null ? null : meta.receivedAt + skewMs
  event.visitor_id = optString(e, 'visitor_id', MAX_ID)
  event.session_id = optString(e, 'session_id', MAX_ID)
  event.user_id = optString(e, 'user_id', MAX_ID)
  event.page_view_id = optString(e, 'page_view_id', MAX_ID)
  event.page_title = optString(e, 'title', 1000)
  event.page_url = url
  event.page_path = parsedUrl ? parsedUrl.pathname : null
  event.site = meta.site ?? (parsedUrl ? parsedUrl.host : null)
  event.referrer = referrer || null
  event.user_agent = meta.userAgent
  event.ip = meta.ip
  event.props = (props as Record<string, JsonValue> | undefined) ?? null
  if (parsedUrl) {
    const q = parsedUrl.searchParams
    event.utm_source = q.get('utm_source')
    event.utm_medium = q.get('utm_medium')
    event.utm_campaign = q.get('utm_campaign')
    event.utm_term = q.get('utm_term')
    event.utm_content = q.get('utm_content')
  }
  return event
}

/** Parses a `/collect` body. Throws RequestError for a malformed request; bad events become rejections. */
export function parseCollectBody(
  body: unknown,
  meta: RequestMeta,
): { events: ClickEvent[]; rejected: Rejection[] } {
  if (
    typeof body !== 'object' ||
    body === null ||
    Array.isArray(body) ||
    !Array.isArray((body as { events?: unknown }).events)
  ) {
    throw new RequestError(400, 'invalid_body', 'the body must be a JSON object with an "events" array')
  }
  const { events: list, sent_at: sentAtRaw } = body as { events: unknown[]; sent_at?: unknown }
  if (list.length > meta.maxEvents) {
    throw new RequestError(
      413,
      'too_many_events',
      `a request may carry at most ${meta.maxEvents} events; it had ${list.length}`,
    )
  }
  let skewMs: number | null = null
  if (sentAtRaw !== undefined && sentAtRaw !== null) {
    try {
      skewMs = parseTime(sentAtRaw, 'sent_at') - meta.receivedAt
    } catch (err) {
      throw new RequestError(400, 'invalid_sent_at', (err as Error).message)
    }
  }
  const events: ClickEvent[] = []
  const rejected: Rejection[] = []
  list.forEach((raw, index) => {
    let payload: string
    try {
      payload = JSON.stringify(raw) ?? 'null'
    } catch {
      payload = 'null'
    }
    try {
      if (payload.length > meta.maxEventBytes) {
        throw new Invalid(
          'event_too_large',
          `the event is ${payload.length} bytes of JSON; the limit is ${meta.maxEventBytes}`,
        )
      }
      events.push(toEvent(raw, meta, skewMs))
    } catch (err) {
      if (!(err instanceof Invalid)) throw err
      rejected.push({ index, code: err.code, message: err.message, payload: payload.slice(0, 64 * 1024) })
    }
  })
  return { events, rejected }
}
