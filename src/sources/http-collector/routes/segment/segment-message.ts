// One Segment message (identify, track, page, screen, group, alias) mapped onto a ClickEvent.
// Pure: no I/O. The mapping table is in docs/api.md ("Segment HTTP Tracking API").
import { isIP } from 'node:net'
import type { ClickEvent, EventType, JsonValue } from '../../../../core/event.ts'
import { emptyEvent } from '../../../../core/event.ts'
import { uuidv7 } from '../../../../core/ids.ts'
import { applyPageUrl } from '../../../../core/page-url.ts'
import { jsonDepth } from '../../../../http/read-body.ts'
import { correctSkew, MAX_FUTURE_MS, parseClientTime } from '../../client-time.ts'

/** The Segment calls and the event type each becomes. */
export const SEGMENT_TYPES: Readonly<Record<string, EventType>> = {
  identify: 'identify',
  track: 'track',
  page: 'pageview',
  screen: 'screen',
  group: 'group',
  alias: 'alias',
}

/** The key in `props` that holds what Segment sent besides the call's own data. */
export const SEGMENT_PROPS_KEY = '_segment'

/** A message that cannot become an event; becomes a per-message Rejection (dead letter). */
export class Invalid extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** What the request contributes to every message in it. */
export interface MessageMeta {
  readonly receivedAt: number
  readonly sourceId: string
  /** The request's user agent (not used: it is the SDK's) and client address (`context.ip` wins over it). */
  readonly userAgent: string | null
  readonly ip: string | null
  /** The write key's site, or the source's fixed site; else the page URL's host. */
  readonly site: string | undefined
  /** Recorded in props._segment.write_key when no keys are configured (else the site says it). */
  readonly recordedWriteKey: string | null
  /** The batch's `sentAt`, used when a message has none of its own. */
  readonly sentAt: number | null
  /** The batch's `context`, under each message's own. */
  readonly context: Record<string, JsonValue> | null
}

type Json = Record<string, JsonValue>

const MAX_ID = 256
const MAX_NAME = 200
const MAX_URL = 8192
const MAX_TITLE = 1000
/** As on /collect: deeper props are refused; nobody analyses them, and they cost every later JSON step. */
const MAX_PROPS_DEPTH = 16
/** Context fields that become columns; the rest of the context is kept in props._segment.context. */
const MAPPED_CONTEXT = new Set(['ip', 'userAgent', 'page', 'campaign'])

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** An identifier: a string or a number (some SDKs send numeric user ids); '' counts as absent. */
function optId(m: Json, field: string): string | null {
  const v = m[field]
  if (v === undefined || v === null || v === '') return null
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  if (typeof v !== 'string') throw new Invalid('invalid_field', `${field} must be a string`)
  if (v.length > MAX_ID) throw new Invalid('field_too_long', `${field} is longer than ${MAX_ID} characters`)
  return v
}

function optString(o: Json | null, field: string, max: number, where = field): string | null {
  const v = o?.[field]
  if (v === undefined || v === null || v === '') return null
  if (typeof v !== 'string') throw new Invalid('invalid_field', `${where} must be a string`)
  if (v.length > max) throw new Invalid('field_too_long', `${where} is longer than ${max} characters`)
  return v
}

function optObject(m: Json, field: string, code = 'invalid_field'): Json | null {
  const v = m[field]
  if (v === undefined || v === null) return null
  if (!isObject(v)) throw new Invalid(code, `${field} must be a JSON object`)
  return v
}

function optTime(m: Json, field: string, code: string): number | null {
  const v = m[field]
  if (v === undefined || v === null) return null
  const ms = parseClientTime(v)
  if (ms === null) {
    throw new Invalid(
      code,
      `${field} ${JSON.stringify(v).slice(0, 100)} must be an ISO 8601 string or epoch milliseconds after 2000-01-01`,
    )
  }
  return ms
}

/**
 * The event time of a message: its `timestamp` (RudderStack SDKs send `originalTimestamp`) corrected
 * for the device clock with `sentAt` (Segment's rule: receivedAt - (sentAt - timestamp)); received_at
 * when it has none. Refused when the result lies more than MAX_FUTURE_MS ahead.
 */
function eventTime(m: Json, sentAt: number | null, receivedAt: number): number {
  const field = m.timestamp !== undefined && m.timestamp !== null ? 'timestamp' : 'originalTimestamp'
  const t = optTime(m, field, 'invalid_timestamp')
  if (t === null) return receivedAt
  const time = correctSkew(t, sentAt, receivedAt)
  if (time > receivedAt + MAX_FUTURE_MS) {
    throw new Invalid(
      'invalid_timestamp',
      `${field} is more than 24 hours in the future (after skew correction)`,
    )
  }
  return time
}

/** Page fields: a page call's properties first, then context.page (which analytics.js fills on every call). */
function applyPage(e: ClickEvent, props: Json | null, page: Json | null, site: string | undefined): void {
  const pick = (field: string, max: number): string | null =>
    optString(props, field, max, `properties.${field}`) ??
    optString(page, field, max, `context.page.${field}`)
  const url = pick('url', MAX_URL)
  // A URL that is not absolute is kept as sent, with no host or UTM fields; Segment does not refuse it.
  if (url && !applyPageUrl(e, url, site)) e.page_url = url
  if (!e.site) e.site = site ?? null
  e.page_path ??= pick('path', MAX_URL)
  e.page_title = pick('title', MAX_TITLE)
  e.referrer = pick('referrer', MAX_URL)
}

/** context.campaign (name, source, medium, term, content) wins over the page URL's utm_ parameters. */
function applyCampaign(e: ClickEvent, campaign: Json | null): void {
  if (!campaign) return
  const get = (f: string) => optString(campaign, f, MAX_NAME * 5, `context.campaign.${f}`)
  e.utm_campaign = get('name') ?? e.utm_campaign
  e.utm_source = get('source') ?? e.utm_source
  e.utm_medium = get('medium') ?? e.utm_medium
  e.utm_term = get('term') ?? e.utm_term
  e.utm_content = get('content') ?? e.utm_content
}

/** props: the call's own data, plus `_segment` with the write key, page category and the unmapped context. */
function buildProps(
  type: string,
  m: Json,
  properties: Json | null,
  context: Json | null,
  meta: MessageMeta,
): Json | null {
  let props: Json = {}
  if (type === 'track' || type === 'page' || type === 'screen') props = { ...properties }
  else if (type === 'identify') {
    const traits = optObject(m, 'traits')
    if (traits) props.traits = traits
  } else if (type === 'group') {
    props.group_id = optId(m, 'groupId')
    if (props.group_id === null) throw new Invalid('missing_group_id', 'a group call needs a groupId')
    const traits = optObject(m, 'traits')
    if (traits) props.traits = traits
  } else if (type === 'alias') {
    props.previous_id = optId(m, 'previousId')
    if (props.previous_id === null)
      throw new Invalid('missing_previous_id', 'an alias call needs a previousId')
  }
  const segment: Json = {}
  if (meta.recordedWriteKey !== null) segment.write_key = meta.recordedWriteKey
  if (type === 'page') {
    const category = optString(m, 'category', MAX_NAME)
    if (category) segment.category = category
  }
  if (context) {
    const rest: Json = {}
    for (const [k, v] of Object.entries(context)) if (!MAPPED_CONTEXT.has(k)) rest[k] = v
    if (Object.keys(rest).length > 0) segment.context = rest
  }
  if (Object.keys(segment).length > 0) props[SEGMENT_PROPS_KEY] = segment
  return Object.keys(props).length > 0 ? props : null
}

/**
 * Maps one Segment message to an event. `type` is the call (from the path for single calls, from the
 * message's `type` in a batch). Throws Invalid for a message Segment itself would not accept.
 */
export function segmentMessageToEvent(raw: unknown, type: unknown, meta: MessageMeta): ClickEvent {
  if (!isObject(raw)) throw new Invalid('invalid_event', 'a message must be a JSON object')
  const m = raw
  const eventType =
    typeof type === 'string' && Object.hasOwn(SEGMENT_TYPES, type) ? SEGMENT_TYPES[type] : undefined
  if (!eventType) {
    throw new Invalid(
      'invalid_event_type',
      `type must be one of ${Object.keys(SEGMENT_TYPES).join(', ')}; got ${JSON.stringify(type)}`,
    )
  }
  const segmentType = type as string
  const userId = optId(m, 'userId')
  const anonymousId = optId(m, 'anonymousId')
  if (userId === null && anonymousId === null) {
    throw new Invalid('missing_identity', 'a message needs a userId or an anonymousId')
  }
  let name: string | null = null
  if (segmentType === 'track') {
    name = optString(m, 'event', MAX_NAME)
    if (!name) throw new Invalid('missing_name', 'a track call needs an event name')
  } else if (segmentType === 'page' || segmentType === 'screen') name = optString(m, 'name', MAX_NAME)
  const messageId = optId(m, 'messageId')
  const sentAt = optTime(m, 'sentAt', 'invalid_sent_at') ?? meta.sentAt
  const time = eventTime(m, sentAt, meta.receivedAt)
  const properties =
    segmentType === 'track' || segmentType === 'page' || segmentType === 'screen'
      ? optObject(m, 'properties', 'invalid_props')
      : null
  const own = optObject(m, 'context')
  const context = meta.context || own ? { ...meta.context, ...own } : null
  const page = context && isObject(context.page) ? context.page : null

  const e = emptyEvent({
    event_id: messageId ?? uuidv7(meta.receivedAt),
    event_type: eventType,
    event_time: time,
    received_at: meta.receivedAt,
    source_id: meta.sourceId,
  })
  e.event_name = name
  e.sent_at = sentAt
  e.user_id = userId
  e.visitor_id = anonymousId
  applyPage(e, segmentType === 'page' ? properties : null, page, meta.site)
  applyCampaign(e, context && isObject(context.campaign) ? context.campaign : null)
  // Server-side SDKs send the end user's address and browser in the context; the socket is theirs.
  const ip = context?.ip
  e.ip = typeof ip === 'string' && isIP(ip) !== 0 ? ip : meta.ip
  // Only the context's: the request's own User-Agent is the SDK's (`analytics-node-next/...`), which
  // bot detection rightly flags, and every server-side event would then leave the analytics.
  e.user_agent = optString(context, 'userAgent', 2048, 'context.userAgent')
  e.props = buildProps(segmentType, m, properties, context, meta)
  if (e.props && jsonDepth(e.props, MAX_PROPS_DEPTH) > MAX_PROPS_DEPTH) {
    throw new Invalid(
      'props_too_deep',
      `props (properties, traits, context) may nest at most ${MAX_PROPS_DEPTH} levels`,
    )
  }
  return e
}
