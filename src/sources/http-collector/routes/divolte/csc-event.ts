// Divolte's browser protocol, `GET <base>csc-event?p&s&v&e&c&n&f&l&r&i&j&k&w&h&t&u&x`: one request's
// query parameters into one event, or a rejection when the party id is unusable. Pure, unit-tested.
// Mapping (documented in docs/api.md): ids p s v e, client time c, type t, page l, referrer r;
// the mincode parameters u are the props; screen, viewport, pixel ratio and the n/f flags go under
// props._divolte. A damaged request (checksum x missing or wrong, a parameter the tag always sends
// missing or unreadable) is kept and flagged corrupt, as Divolte does, never dropped.
import { type ClickEvent, emptyEvent, type JsonValue } from '../../../../core/event.ts'
import { uuidv7 } from '../../../../core/ids.ts'
import { applyPageUrl } from '../../../../core/page-url.ts'
import { MAX_FUTURE_MS, parseClientTime } from '../../client-time.ts'
import type { Rejection } from '../../route.ts'
import { parseBase36, parseBase36Int } from './base36.ts'
import { checksumMatches } from './checksum.ts'
import { decodeMincode, MincodeError } from './mincode.ts'

/** What the request carried besides its query. */
export interface CscMeta {
  readonly receivedAt: number
  readonly sourceId: string
  readonly userAgent: string | null
  readonly ip: string | null
  /** Fixed site from the source config, if any. */
  readonly site: string | undefined
}

/** The event of one request, or why there is none. */
export type CscOutcome =
  | { readonly kind: 'event'; readonly event: ClickEvent }
  | { readonly kind: 'rejected'; readonly rejection: Rejection }

/** A party or session id: `0:<creation time in base 36>:<random characters>`. */
export const DIVOLTE_ID = /^0:-?[0-9a-z]+:[^:]+$/i

const MAX_ID = 256
const MAX_NAME = 200
const MAX_URL = 8192
/** Key of props under which the tag's browser details go. */
export const DIVOLTE_PROPS_KEY = '_divolte'
/** Nesting of the custom parameters: wherever they land, props stays within the 16 levels of /collect. */
export const MAX_PARAMS_DEPTH = 14

/** Screen and viewport parameters and their names under props._divolte. */
const DIMENSIONS: readonly (readonly [string, string])[] = [
  ['i', 'screen_width'],
  ['j', 'screen_height'],
  ['w', 'viewport_width'],
  ['h', 'viewport_height'],
]

/** Parameters divolte.js sends on every event; one missing means the request was cut or forged. */
const ALWAYS_SENT = ['s', 'v', 'e', 'c', 'l', 't'] as const

function isObject(v: JsonValue): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function flag(value: string | null): boolean | undefined {
  return value === 't' ? true : value === 'f' ? false : undefined
}

/** A parameter too long to keep: the request is dead-lettered with `field_too_long`. */
class TooLong extends Error {}
/** No usable party id: the request is dead-lettered with `invalid_party_id`. */
class BadParty extends Error {}

/** The parameter's first value; empty counts as absent. */
function text(params: URLSearchParams, name: string): string | null {
  const v = params.get(name)
  return v === null || v === '' ? null : v
}

/** Like `text`, but throws TooLong past `max` characters. */
function bounded(params: URLSearchParams, name: string, max: number): string | null {
  const v = text(params, name)
  if (v !== null && v.length > max) throw new TooLong(`${name} is longer than ${max} characters`)
  return v
}

/** Parses one csc-event request's parameters; `rawQuery` is kept as the payload of a rejection. */
export function parseCscEvent(params: URLSearchParams, rawQuery: string, meta: CscMeta): CscOutcome {
  const reject = (code: string, message: string): CscOutcome => ({
    kind: 'rejected',
    rejection: { index: 0, code, message, payload: JSON.stringify(rawQuery.slice(0, 64 * 1024)) },
  })
  try {
    return { kind: 'event', event: toEvent(params, meta) }
  } catch (err) {
    if (err instanceof TooLong) return reject('field_too_long', err.message)
    if (err instanceof BadParty) return reject('invalid_party_id', err.message)
    throw err
  }
}

function toEvent(params: URLSearchParams, meta: CscMeta): ClickEvent {
  const party = bounded(params, 'p', MAX_ID)
  if (party === null) throw new BadParty('the party id p is missing')
  if (!DIVOLTE_ID.test(party)) {
    throw new BadParty(`the party id p ${JSON.stringify(party.slice(0, 100))} is not 0:<base 36>:<id>`)
  }
  let corrupt = !checksumMatches(params)
  for (const name of ALWAYS_SENT) if (text(params, name) === null) corrupt = true

  // c: the client's clock when the event happened. The tag sends no separate send time, so there
  // is nothing to correct skew with; an unreadable or implausible one is replaced by received_at.
  const c = parseBase36Int(text(params, 'c') ?? '')
  let eventTime = c === null ? null : parseClientTime(c)
  if (eventTime !== null && eventTime > meta.receivedAt + MAX_FUTURE_MS) eventTime = null
  if (eventTime === null) corrupt = true

  const type = bounded(params, 't', MAX_NAME)
  const eventId = bounded(params, 'e', MAX_ID)
  const event = emptyEvent({
    event_id: eventId ?? uuidv7(meta.receivedAt),
    // A request cut before `t` is kept as a nameless track event (flagged corrupt above).
    event_type: type === 'pageView' ? 'pageview' : 'track',
    event_time: eventTime ?? meta.receivedAt,
    received_at: meta.receivedAt,
    source_id: meta.sourceId,
  })
  event.event_name = type === 'pageView' ? null : type
  event.visitor_id = party
  event.session_id = bounded(params, 's', MAX_ID)
  event.page_view_id = bounded(params, 'v', MAX_ID)
  event.referrer = bounded(params, 'r', MAX_URL)
  event.user_agent = meta.userAgent
  event.ip = meta.ip
  const url = bounded(params, 'l', MAX_URL)
  event.site = meta.site ?? null
  if (url !== null && !applyPageUrl(event, url, meta.site)) {
    // location.href is always absolute: this one was cut or forged. Keep it as given.
    event.page_url = url
    corrupt = true
  }

  // Custom parameters are the props, as on /collect and Segment; what Divolte's tag adds about the
  // browser goes under `_divolte`, as Segment's extras go under `_segment`.
  const divolte: { [key: string]: JsonValue } = {}
  for (const [name, key] of DIMENSIONS) {
    const n = parseBase36Int(text(params, name) ?? '')
    if (n !== null) divolte[key] = n
  }
  const ratio = parseBase36(text(params, 'k') ?? '')
  if (ratio !== null) divolte.device_pixel_ratio = ratio
  const newParty = flag(params.get('n'))
  if (newParty !== undefined) divolte.new_party = newParty
  const newSession = flag(params.get('f'))
  if (newSession !== undefined) divolte.new_session = newSession
  let props: { [key: string]: JsonValue } = {}
  const u = text(params, 'u')
  if (u !== null) {
    try {
      const custom = decodeMincode(u, MAX_PARAMS_DEPTH)
      if (isObject(custom)) props = { ...custom }
      else divolte.params = custom
    } catch (err) {
      if (!(err instanceof MincodeError)) throw err
      // Custom parameters we cannot read are kept as sent, with the reason, on a corrupt event.
      divolte.params_raw = u.slice(0, 8192)
      divolte.params_error = err.message
      corrupt = true
    }
  }
  // A `_divolte` among the custom parameters is replaced by ours.
  if (Object.keys(divolte).length > 0) props[DIVOLTE_PROPS_KEY] = divolte
  else delete props[DIVOLTE_PROPS_KEY]
  event.props = Object.keys(props).length > 0 ? props : null
  event.is_corrupt = corrupt
  return event
}
