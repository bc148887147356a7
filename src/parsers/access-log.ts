// Apache / nginx access logs (Common and Combined Log Format) -> page view events. The scanner finds
// the fields as offsets; the rules of what counts as a page view (method, status, static assets)
// come from the format settings and are checked on those offsets, so a line left out (a `skip` with
// its reason) makes no string. Only a kept line's fields are cut out and become an event.
import type { ClickEvent, JsonValue } from '../core/event.ts'
import {
  dash,
  newScan,
  quotedField,
  type RequestParts,
  scanAccessLine,
  splitRequest,
  unbackslash,
} from './access-log-scanner.ts'
import { assetRule, extensionAt } from './asset-extension.ts'
import { ClientCache } from './client-cache.ts'
import type { FormatConfig } from './format-config.ts'
import {
  type FileParser,
  invalid,
  type LineFormat,
  type LineOutcome,
  type LineRef,
  lineEventId,
  type ParseContext,
  skip,
} from './line-parser.ts'
import { type PageFields, pageFieldsCache } from './page-fields.ts'

/** The fields of one access log line. */
export interface AccessLogLine {
  readonly ip: string
  readonly user: string | null
  readonly time: number
  readonly method: string | null
  /** The request target (path and query), null when the request line is not `METHOD TARGET PROTO`. */
  readonly target: string | null
  readonly status: number
  readonly bytes: number | null
  readonly referrer: string | null
  readonly userAgent: string | null
  /** A quoted field after the user agent (nginx configs often log `$http_cookie` there). */
  readonly extra: string | null
}

/** The method and target of an escaped request line, or null when it is not `METHOD TARGET PROTO`. */
function escapedRequest(text: string): { method: string; target: string } | null {
  const request = unbackslash(text)!.split(' ')
  const wellFormed = request.length === 3 && /^[A-Z]+$/.test(request[0]!) && request[1]!.length > 0
  return wellFormed ? { method: request[0]!, target: request[1]! } : null
}

/**
 * Splits a line of `kind` format into fields as strings; null when it is not such a line. The parser
 * works on {@link scanAccessLine}'s offsets instead; this is the same scan, whole, for tests and tools.
 */
export function splitAccessLine(line: string, kind: 'common' | 'combined'): AccessLogLine | null {
  const s = newScan()
  if (!scanAccessLine(line, kind, s)) return null
  let request: { method: string; target: string } | null
  if (s.anyBackslash) request = escapedRequest(line.slice(s.requestStart, s.requestEnd))
  else {
    const r: RequestParts = { methodStart: 0, methodEnd: 0, targetStart: 0, targetEnd: 0 }
    request = splitRequest(line, s.requestStart, s.requestEnd, r)
      ? { method: line.slice(r.methodStart, r.methodEnd), target: line.slice(r.targetStart, r.targetEnd) }
      : null
  }
  return {
    ip: line.slice(0, s.ipEnd),
    user: dash(line.slice(s.userStart, s.userEnd)),
    time: s.time,
    method: request?.method ?? null,
    target: request?.target ?? null,
    status: s.status,
    bytes: s.bytes < 0 ? null : s.bytes,
    referrer: quotedField(line, s.referrerStart, s.referrerEnd, true),
    userAgent: quotedField(line, s.userAgentStart, s.userAgentEnd, true),
    extra: quotedField(line, s.extraStart, s.extraEnd, true),
  }
}

/** The lower-case extension of a request path's last segment ('' when none). */
export function pathExtension(target: string): string {
  return extensionAt(target, 0, target.length)
}

function cookieValue(header: string, name: string): string | null {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim()
      // A malformed escape (`%zz`) keeps the value as logged rather than failing the whole read.
      try {
        return decodeURIComponent(value)
      } catch {
        return value
      }
    }
  }
  return null
}

type AccessLogConfig = Extract<FormatConfig, { format: 'combined' | 'common' }>

// Skips are shared constants: a skipped line allocates nothing.
const MALFORMED_REQUEST = skip('malformed_request')
const METHOD = skip('method')
const STATUS = skip('status')
const STATIC_ASSET = skip('static_asset')

/** The `combined` or `common` format. */
export function accessLogFormat(cfg: AccessLogConfig, ctx: ParseContext): LineFormat {
  const methods = [...new Set(cfg.methods)]
  const assets = new Set(cfg.exclude_extensions)
  const isAsset = assetRule(cfg.exclude_extensions)
  const base = cfg.base_url.replace(/\/+$/, '')
  const unparsable = invalid('unparsable_line', `not a ${cfg.format} log format line`)
  // A proxy may log an absolute URL as the target (`GET http://host/path`).
  const pageOf = pageFieldsCache(cfg.site, (target) =>
    /^https?:\/\//i.test(target) ? target : `${base}${target.startsWith('/') ? '' : '/'}${target}`,
  )
  const clients = new ClientCache(ctx.visitorOf)
  const scan = newScan()
  const req: RequestParts = { methodStart: 0, methodEnd: 0, targetStart: 0, targetEnd: 0 }
  const methodAllowed = (line: string, start: number, end: number): boolean => {
    for (const m of methods) if (m.length === end - start && line.startsWith(m, start)) return true
    return false
  }

  const parse = (line: string, ref: LineRef): LineOutcome => {
    if (!scanAccessLine(line, cfg.format, scan)) return unparsable
    const s = scan
    // The cheap rules first, on offsets: most lines of a real log end here.
    let target: string
    let method: string
    if (!s.anyBackslash) {
      if (!splitRequest(line, s.requestStart, s.requestEnd, req)) return MALFORMED_REQUEST
      if (!methodAllowed(line, req.methodStart, req.methodEnd)) return METHOD
      if (s.status < cfg.status_min || s.status > cfg.status_max) return STATUS
      if (isAsset(line, req.targetStart, req.targetEnd)) return STATIC_ASSET
      target = line.slice(req.targetStart, req.targetEnd)
      method = methodName(line)
    } else {
      // Escapes in the line (rare): the request is unescaped as text first.
      const r = escapedRequest(line.slice(s.requestStart, s.requestEnd))
      if (r === null) return MALFORMED_REQUEST
      if (!methodAllowed(r.method, 0, r.method.length)) return METHOD
      if (s.status < cfg.status_min || s.status > cfg.status_max) return STATUS
      if (assets.has(pathExtension(r.target))) return STATIC_ASSET
      target = r.target
      method = r.method
    }
    const page = pageOf(target)
    if (page === null) return invalid('invalid_url', `request target ${target} is not a URL`)
    const ip = line.slice(0, s.ipEnd)
    const user =
      s.userEnd - s.userStart === 1 && line.charCodeAt(s.userStart) === 45
        ? null
        : dash(line.slice(s.userStart, s.userEnd))
    const userAgent = quotedField(line, s.userAgentStart, s.userAgentEnd, s.anyBackslash)
    const extra =
      cfg.visitor_cookie && s.extraStart >= 0
        ? quotedField(line, s.extraStart, s.extraEnd, s.anyBackslash)
        : null
    const cookie = cfg.visitor_cookie && extra ? cookieValue(extra, cfg.visitor_cookie) : null
    // The visitor cookie, when configured and logged, names the visitor; else the client cache does.
    const client = cookie === null ? clients.get(ip, userAgent) : null
    const visitorId = client === null ? cookie! : client.visitorId
    const isBot = client === null ? clients.isBot(userAgent) : client.isBot
    const props: { [key: string]: JsonValue } =
      s.bytes < 0
        ? { http_method: method, http_status: s.status }
        : { http_method: method, http_status: s.status, bytes: s.bytes }
    const e = pageView(
      lineEventId(ref, line),
      s.time,
      ctx.now(),
      ctx.sourceId,
      page,
      visitorId,
      user,
      quotedField(line, s.referrerStart, s.referrerEnd, s.anyBackslash),
      userAgent,
      ip,
      isBot,
      props,
    )
    return { kind: 'events', events: [e], propsJson: propsJson(method, s.status, s.bytes) }
  }
  // The props as JSON from a template, exactly what JSON.stringify(props) writes (a test checks
  // it): a fifth of the cost, and every kept line has them.
  const jsonPrefix = new Map(methods.map((m) => [m, `{"http_method":${JSON.stringify(m)},"http_status":`]))
  const propsJson = (method: string, status: number, bytes: number): string | undefined => {
    const prefix = jsonPrefix.get(method)
    // A method only the escaped path spells differently, or a byte count past what JSON can hold.
    if (prefix === undefined || !Number.isFinite(bytes)) return undefined
    return bytes < 0 ? `${prefix}${status}}` : `${prefix}${status},"bytes":${bytes}}`
  }
  /** The allowed method the request starts with, as the configured string (no new string). */
  const methodName = (line: string): string => {
    for (const m of methods)
      if (m.length === req.methodEnd - req.methodStart && line.startsWith(m, req.methodStart)) return m
    return line.slice(req.methodStart, req.methodEnd)
  }
  const parser: FileParser = { hasHeader: false, header: () => {}, parse }
  return { name: cfg.format, forFile: () => parser }
}

/** A page view event, written as one literal so every event has the same shape. */
function pageView(
  eventId: string,
  time: number,
  receivedAt: number,
  sourceId: string,
  page: PageFields,
  visitorId: string,
  userId: string | null,
  referrer: string | null,
  userAgent: string | null,
  ip: string,
  isBot: boolean,
  props: { [key: string]: JsonValue },
): ClickEvent {
  return {
    event_id: eventId,
    event_type: 'pageview',
    event_name: null,
    event_time: time,
    received_at: receivedAt,
    sent_at: null,
    source_id: sourceId,
    site: page.site,
    visitor_id: visitorId,
    session_id: null,
    user_id: userId,
    page_view_id: null,
    page_url: page.page_url,
    page_host: page.page_host,
    page_path: page.page_path,
    page_query: page.page_query,
    page_title: null,
    referrer,
    referrer_host: null,
    channel: null,
    user_agent: userAgent,
    ip,
    country: null,
    region: null,
    city: null,
    browser: null,
    browser_version: null,
    os: null,
    os_version: null,
    device_type: null,
    is_bot: isBot,
    is_duplicate: false,
    is_corrupt: false,
    utm_source: page.utm_source,
    utm_medium: page.utm_medium,
    utm_campaign: page.utm_campaign,
    utm_term: page.utm_term,
    utm_content: page.utm_content,
    click_id_type: page.click_id_type,
    click_id: page.click_id,
    props,
  }
}
