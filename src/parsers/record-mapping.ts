// Turns one input record (a JSON object, a CSV row, a regex match) into an event through a field
// mapping, for the jsonl, csv and regex formats. Problems become `invalid` outcomes, never throws.
import { EVENT_TYPES, type EventType, emptyEvent, type JsonValue } from '../core/event.ts'
import { applyPageUrl } from '../core/page-url.ts'
import { MAPPABLE_FIELDS, type MappableField } from './format-config.ts'
import { invalid, type LineOutcome, type ParseContext } from './line-parser.ts'
import { parseTimeValue } from './time.ts'

/** The mapping settings common to the record formats. */
export interface RecordMapping {
  readonly fields: Partial<Record<MappableField, string>>
  readonly constants: Partial<Record<MappableField, string>>
  readonly other_fields_as_props: boolean
  readonly base_url: string
}

/** Reads a dot path (`user.id`) from a record; a key containing dots is found whole first. */
export function readPath(record: Record<string, unknown>, path: string): unknown {
  if (path in record) return record[path]
  let v: unknown = record
  for (const k of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Record<string, unknown>)[k]
  }
  return v
}

const text = (v: unknown): string | null =>
  v === undefined || v === null || v === '' ? null : typeof v === 'string' ? v : JSON.stringify(v)

/**
 * Maps `records` (looked up in order: an exploded item, then its line) to an event with id `eventId`.
 * Input fields no event field reads go to props when the mapping says so.
 */
export function mapRecord(
  records: readonly Record<string, unknown>[],
  m: RecordMapping,
  eventId: string,
  ctx: ParseContext,
): LineOutcome {
  const used = new Set<string>()
  const get = (field: MappableField): string | null => {
    const path = m.fields[field] ?? field
    for (const r of records) {
      const v = readPath(r, path)
      if (v !== undefined && v !== null && v !== '') {
        used.add(path.split('.')[0]!)
        return field === 'event_time' && typeof v === 'number' ? String(v) : text(v)
      }
    }
    return m.constants[field] ?? null
  }
  const type = get('event_type') ?? 'pageview'
  if (!(EVENT_TYPES as readonly string[]).includes(type))
    return invalid('invalid_event_type', `unknown event type "${type}"`)
  const rawTime = get('event_time')
  const received = ctx.now()
  let time = received
  if (rawTime !== null) {
    const t = parseTimeValue(rawTime)
    if (t === null) return invalid('invalid_timestamp', `"${rawTime}" is not a time`)
    time = t
  }
  const e = emptyEvent({
    event_id: eventId,
    event_type: type as EventType,
    event_time: time,
    received_at: received,
    source_id: ctx.sourceId,
  })
  e.event_name = get('event_name')
  if (e.event_type === 'track' && e.event_name === null)
    return invalid('missing_name', 'a track event needs event_name')
  const url = get('url')
  if (url !== null) {
    let absolute: string
    try {
      absolute = new URL(url, m.base_url).href
    } catch {
      return invalid('invalid_url', `"${url}" is not a URL`)
    }
    applyPageUrl(e, absolute, get('site') ?? undefined)
  } else e.site = get('site')
  e.page_title = get('title')
  e.referrer = get('referrer')
  e.user_agent = get('user_agent')
  e.ip = get('ip')
  e.user_id = get('user_id')
  e.session_id = get('session_id')
  e.page_view_id = get('page_view_id')
  e.visitor_id = get('visitor_id') ?? (e.ip !== null ? ctx.visitorOf(e.ip, e.user_agent ?? '') : null)
  if (m.other_fields_as_props) {
    const props: Record<string, JsonValue> = {}
    const mapped = new Set(MAPPABLE_FIELDS.map((f) => (m.fields[f] ?? f).split('.')[0]!))
    for (const r of records)
      for (const [k, v] of Object.entries(r)) {
        if (used.has(k) || mapped.has(k) || k in props || v === undefined || Array.isArray(v)) continue
        props[k] = v as JsonValue
      }
    if (Object.keys(props).length > 0) e.props = props
  }
  return { kind: 'events', events: [e] }
}
