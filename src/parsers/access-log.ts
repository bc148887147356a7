// Apache / nginx access logs (Common and Combined Log Format) -> page view events. A line is split
// by one regular expression; the rules of what counts as a page view (method, status, static
// assets) come from the format settings, and what is left out is a `skip` with its reason.
import { isbot } from 'isbot'
import { emptyEvent } from '../core/event.ts'
import { Lru } from '../core/lru.ts'
import { applyPageUrl } from '../core/page-url.ts'
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
import { parseClfTime } from './time.ts'

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

// %h %l %u [%t] "%r" %>s %b, then for combined "%{Referer}i" "%{User-agent}i" and optional fields.
// Quoted fields allow backslash escapes, as Apache writes them.
const Q = '"((?:[^"\\\\]|\\\\.)*)"'
const COMMON = new RegExp(`^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] ${Q} (\\d{3}) (\\d+|-)`)
const COMBINED = new RegExp(`${COMMON.source} ${Q} ${Q}(?: ${Q})?`)

const dash = (s: string | undefined): string | null => (s === undefined || s === '-' || s === '' ? null : s)
const unbackslash = (s: string | null): string | null => (s === null ? null : s.replace(/\\(.)/g, '$1'))

/** Splits a line of `kind` format into fields; null when it is not such a line. */
export function splitAccessLine(line: string, kind: 'common' | 'combined'): AccessLogLine | null {
  const m = (kind === 'combined' ? COMBINED : COMMON).exec(line)
  if (!m) return null
  const time = parseClfTime(m[4]!)
  if (time === null) return null
  const request = unbackslash(m[5]!)!.split(' ')
  const wellFormed = request.length === 3 && /^[A-Z]+$/.test(request[0]!) && request[1]!.length > 0
  return {
    ip: m[1]!,
    user: dash(m[3]),
    time,
    method: wellFormed ? request[0]! : null,
    target: wellFormed ? request[1]! : null,
    status: Number(m[6]),
    bytes: m[7] === '-' ? null : Number(m[7]),
    referrer: unbackslash(dash(m[8])),
    userAgent: unbackslash(dash(m[9])),
    extra: unbackslash(dash(m[10])),
  }
}

/** The lower-case extension of a request path's last segment ('' when none). */
export function pathExtension(target: string): string {
  const q = target.search(/[?#]/)
  const path = q < 0 ? target : target.slice(0, q)
  const last = path.slice(path.lastIndexOf('/') + 1)
  const dot = last.lastIndexOf('.')
  return dot <= 0 ? '' : last.slice(dot + 1).toLowerCase()
}

function cookieValue(header: string, name: string): string | null {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim())
  }
  return null
}

type AccessLogConfig = Extract<FormatConfig, { format: 'combined' | 'common' }>

/** The `combined` or `common` format. */
export function accessLogFormat(cfg: AccessLogConfig, ctx: ParseContext): LineFormat {
  const methods = new Set(cfg.methods)
  const assets = new Set(cfg.exclude_extensions)
  const base = cfg.base_url.replace(/\/+$/, '')
  // isbot runs a long regular expression; a log holds few distinct user agents, so remember them.
  const bots = new Lru<string, boolean>(10_000)
  const isBot = (ua: string): boolean => {
    let b = bots.get(ua)
    if (b === undefined) {
      b = isbot(ua)
      bots.set(ua, b)
    }
    return b
  }
  const parse = (line: string, ref: LineRef): LineOutcome => {
    const f = splitAccessLine(line, cfg.format)
    if (!f) return invalid('unparsable_line', `not a ${cfg.format} log format line`)
    if (f.method === null || f.target === null) return skip('malformed_request')
    if (!methods.has(f.method)) return skip('method')
    if (f.status < cfg.status_min || f.status > cfg.status_max) return skip('status')
    if (assets.has(pathExtension(f.target))) return skip('static_asset')
    const e = emptyEvent({
      event_id: lineEventId(ref, line),
      event_type: 'pageview',
      event_time: f.time,
      received_at: ctx.now(),
      source_id: ctx.sourceId,
    })
    // A proxy may log an absolute URL as the target (`GET http://host/path`).
    const url = /^https?:\/\//i.test(f.target)
      ? f.target
      : `${base}${f.target.startsWith('/') ? '' : '/'}${f.target}`
    if (!applyPageUrl(e, url, cfg.site))
      return invalid('invalid_url', `request target ${f.target} is not a URL`)
    e.ip = f.ip
    e.referrer = f.referrer
    e.user_agent = f.userAgent
    e.is_bot = f.userAgent !== null && isBot(f.userAgent)
    const cookie = cfg.visitor_cookie && f.extra ? cookieValue(f.extra, cfg.visitor_cookie) : null
    e.visitor_id = cookie ?? ctx.visitorOf(f.ip, f.userAgent ?? '')
    if (f.user !== null) e.user_id = f.user
    e.props = {
      http_method: f.method,
      http_status: f.status,
      ...(f.bytes === null ? {} : { bytes: f.bytes }),
    }
    return { kind: 'events', events: [e] }
  }
  const parser: FileParser = { hasHeader: false, header: () => {}, parse }
  return { name: cfg.format, forFile: () => parser }
}
