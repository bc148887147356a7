// The `POST /collect` contract: parses one request body into events and per-index rejections.
// Pure: no I/O, so every rule is unit-tested.
import { isIP } from 'node:net'
import { RequestError } from '../../../core/errors.ts'
import {
  type ClickEvent,
  EVENT_TYPES,
  type EventType,
  emptyEvent,
  type JsonValue,
} from '../../../core/event.ts'
import { uuidv7 } from '../../../core/ids.ts'
import { applyPageUrl } from '../../../core/page-url.ts'
import { jsonLengthOver } from '../../../http/json-length.ts'
import { jsonDepth } from '../../../http/read-body.ts'
import { correctSkew, MAX_FUTURE_MS, parseClientTime } from '../client-time.ts'
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
/** Deeper props are refused: nobody analyses them, and deep values cost every later JSON step. */
const MAX_PROPS_DEPTH = 16

class Invalid extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Parses a time field; throws Invalid when it is not a time after 2000-01-01. */
export function parseTime(value: unknown, field: string): number {
  const ms = parseClientTime(value)
  if (ms === null) {
    throw new Invalid(
      'invalid_timestamp',
      `${field} ${JSON.stringify(value)} must be an ISO 8601 string or epoch milliseconds after 2000-01-01`,
    )
  }
  return ms
}

/** The value of an optional string field (read by the caller by name: a fixed-key read is cheaper). */
function optString(v: unknown, field: string, max: number): string | null {
  if (v === undefined || v === null) return null
  if (typeof v !== 'string') throw new Invalid('invalid_field', `${field} must be a string`)
  if (v.length > max) throw new Invalid('field_too_long', `${field} is longer than ${max} characters`)
  return v
}

/**
 * Turns one received event into a ClickEvent. `sentAt` is the request's `sent_at`, when the client
 * sent one: its timestamps are then corrected for the client clock's offset.
 */
function toEvent(raw: unknown, meta: RequestMeta, sentAt: number | null): ClickEvent {
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
  const name = optString(e.name, 'name', MAX_NAME)
  if (type === 'track' && !name) throw new Invalid('missing_name', 'a track event needs a name')
  const eventId = optString(e.event_id, 'event_id', MAX_ID)
  if (eventId === '') throw new Invalid('invalid_field', 'event_id must not be empty')
  let eventTime = meta.receivedAt
  if (e.timestamp !== undefined && e.timestamp !== null) {
    const t = parseTime(e.timestamp, 'timestamp')
    // Clock-skew correction: event_time = received_at - (sent_at - timestamp).
    eventTime = correctSkew(t, sentAt, meta.receivedAt)
  }
  if (eventTime > meta.receivedAt + MAX_FUTURE_MS) {
    throw new Invalid('invalid_timestamp', 'timestamp is more than 24 hours in the future')
  }
  const props = e.props
  if (props !== undefined && props !== null && (typeof props !== 'object' || Array.isArray(props))) {
    throw new Invalid('invalid_props', 'props must be a JSON object')
  }
  if (props && jsonDepth(props, MAX_PROPS_DEPTH) > MAX_PROPS_DEPTH) {
    throw new Invalid('props_too_deep', `props may nest at most ${MAX_PROPS_DEPTH} levels`)
  }
  const url = optString(e.url, 'url', MAX_URL)
  const referrer = optString(e.referrer, 'referrer', MAX_URL)
  const event = emptyEvent({
    event_id: eventId ?? uuidv7(meta.receivedAt),
    event_type: type as EventType,
    event_time: eventTime,
    received_at: meta.receivedAt,
    source_id: meta.sourceId,
  })
  event.event_name = name
  event.sent_at = sentAt
  event.visitor_id = optString(e.visitor_id, 'visitor_id', MAX_ID)
  event.session_id = optString(e.session_id, 'session_id', MAX_ID)
  event.user_id = optString(e.user_id, 'user_id', MAX_ID)
  event.page_view_id = optString(e.page_view_id, 'page_view_id', MAX_ID)
  event.page_title = optString(e.title, 'title', 1000)
  // The site: the collector's fixed one, else the event's (the tag's data-site), else the URL host.
  const site = meta.site ?? optString(e.site, 'site', MAX_NAME) ?? undefined
  if (url && !applyPageUrl(event, url, site)) {
    throw new Invalid('invalid_url', `url "${url.slice(0, 100)}" is not an absolute URL`)
  }
  if (!url) event.site = site ?? null
  event.referrer = referrer || null
  // A server forwarding its users' events names their browser and address; the request's own
  // would describe the server (Node's fetch says "node", which bot detection flags).
  event.user_agent = optString(e.user_agent, 'user_agent', 2048) ?? meta.userAgent
  const ip = optString(e.ip, 'ip', 64)
  if (ip !== null && isIP(ip) === 0) throw new Invalid('invalid_field', 'ip must be an IPv4 or IPv6 address')
  event.ip = ip ?? meta.ip
  event.props = (props as Record<string, JsonValue> | undefined) ?? null
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
  let sentAt: number | null = null
  if (sentAtRaw !== undefined && sentAtRaw !== null) {
    try {
      sentAt = parseTime(sentAtRaw, 'sent_at')
    } catch (err) {
      throw new RequestError(400, 'invalid_sent_at', (err as Error).message)
    }
  }
  const events: ClickEvent[] = []
  const rejected: Rejection[] = []
  // A plain loop without a closure per event; an event is serialized only to measure a large one
  // exactly or to keep a refused one as the dead letter's payload.
  for (let index = 0; index < list.length; index++) {
    const raw = list[index]
    try {
      const over = jsonLengthOver(raw, meta.maxEventBytes)
      if (over !== null) {
        throw new Invalid(
          'event_too_large',
          `the event is ${over} bytes of JSON; the limit is ${meta.maxEventBytes}`,
        )
      }
      events.push(toEvent(raw, meta, sentAt))
    } catch (err) {
      if (!(err instanceof Invalid)) throw err
      rejected.push({ index, code: err.code, message: err.message, payload: payloadOf(raw) })
    }
  }
  return { events, rejected }
}

/** A refused input as the dead letter keeps it: its JSON, cut at 64 KB. */
function payloadOf(raw: unknown): string {
  let payload: string
  try {
    payload = JSON.stringify(raw) ?? 'null'
  } catch {
    payload = 'null'
  }
  return payload.slice(0, 64 * 1024)
}
