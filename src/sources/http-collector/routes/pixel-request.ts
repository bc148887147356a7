// The `GET /p.gif?...` contract: query parameters into the same event /collect takes, so one set of
// rules (types, lengths, times, URLs) applies to both. Pure: no I/O.
import type { JsonValue } from '../../../core/event.ts'

/** Query parameters copied as they are into the /collect event of the same name. */
const FIELDS = [
  'type',
  'name',
  'event_id',
  'url',
  'referrer',
  'title',
  'visitor_id',
  'session_id',
  'user_id',
  'page_view_id',
] as const

/** Prefix of a custom property parameter: `p_plan=pro` is `props.plan = "pro"`. */
export const PROP_PREFIX = 'p_'

/**
 * The /collect event a pixel request stands for. `type` defaults to `pageview`; `url` defaults to the
 * request's Referer header (the page that shows the image, for a no-JS page); `timestamp` is epoch
 * milliseconds or ISO 8601; `p_<name>=<value>` parameters become string props. Empty values count as
 * absent; of a repeated parameter the first counts; other parameters are ignored.
 */
export function pixelEvent(params: URLSearchParams, refererHeader: string | null): Record<string, unknown> {
  const event: Record<string, unknown> = { type: 'pageview' }
  for (const field of FIELDS) {
    const v = params.get(field)
    if (v !== null && v !== '') event[field] = v
  }
  if (event.url === undefined && refererHeader) event.url = refererHeader
  const ts = params.get('timestamp')
  if (ts !== null && ts !== '') event.timestamp = /^\d+$/.test(ts) ? Number(ts) : ts
  const props: { [key: string]: JsonValue } = {}
  let any = false
  for (const [key, value] of params) {
    if (!key.startsWith(PROP_PREFIX) || key.length === PROP_PREFIX.length) continue
    const name = key.slice(PROP_PREFIX.length)
    if (Object.hasOwn(props, name)) continue
    // defineProperty: a prop named "__proto__" is data, not the object's prototype.
    Object.defineProperty(props, name, { value, enumerable: true, writable: true, configurable: true })
    any = true
  }
  if (any) event.props = props
  return event
}
