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

const dash = (s: string | null): string | null => (s === null || s === '-' || s === '' ? null : s)
const unbackslash = (s: string | null): string | null =>
  s === null || !s.includes('\\') ? s : s.replace(/\\(.)/g, '$1')

/** Whether a UTF-16 unit is white space as a regular expression's `\s` sees it. */
function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true
  return c > 127 && /\s/.test(String.fromCharCode(c))
}

/** End of the run of non-space characters at `from` (=== from when there is none). */
function tokenEnd(line: string, from: number): number {
  let i = from
  while (i < line.length && !isSpace(line.charCodeAt(i))) i++
  return i
}

/**
 * End of the quoted field whose opening quote is at `from` (the index after its closing quote), or -1.
 * Backslash escapes any character but a line terminator, as Apache writes them.
 */
function quotedEnd(line: string, from: number, anyBackslash: boolean): number {
  if (line.charCodeAt(from) !== 34) return -1
  // Most lines hold no backslash at all: one native search settles the field.
  const quote = line.indexOf('"', from + 1)
  if (quote < 0) return -1
  if (!anyBackslash) return quote + 1
  for (let i = from + 1; i < line.length; i++) {
    const c = line.charCodeAt(i)
    if (c === 34) return i + 1
    if (c === 92) {
      const next = line.charCodeAt(i + 1)
      if (Number.isNaN(next) || next === 10 || next === 13 || next === 0x2028 || next === 0x2029) return -1
      i++
    }
  }
  return -1
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57

/**
 * Splits a line of `kind` format into fields; null when it is not such a line. The format is
 * `%h %l %u [%t] "%r" %>s %b`, then for combined `"%{Referer}i" "%{User-agent}i"` and an optional
 * quoted field; anything after that is ignored. A hand-written scanner rather than one regular
 * expression: a third of the file tail's time went to that expression's backtracking.
 */
export function splitAccessLine(line: string, kind: 'common' | 'combined'): AccessLogLine | null {
  const fields: number[] = []
  const anyBackslash = line.includes('\\')
  let i = 0
  for (let t = 0; t < 3; t++) {
    const end = tokenEnd(line, i)
    if (end === i || line.charCodeAt(end) !== 32) return null
    fields.push(i, end)
    i = end + 1
  }
  if (line.charCodeAt(i) !== 91) return null
  const close = line.indexOf(']', i + 1)
  if (close <= i + 1 || line.charCodeAt(close + 1) !== 32) return null
  const time = parseClfTime(line.slice(i + 1, close))
  if (time === null) return null
  i = close + 2
  const requestEnd = quotedEnd(line, i, anyBackslash)
  if (requestEnd < 0 || line.charCodeAt(requestEnd) !== 32) return null
  const requestText = line.slice(i + 1, requestEnd - 1)
  i = requestEnd + 1
  if (!isDigit(line.charCodeAt(i)) || !isDigit(line.charCodeAt(i + 1)) || !isDigit(line.charCodeAt(i + 2)))
    return null
  if (line.charCodeAt(i + 3) !== 32) return null
  const status = Number(line.slice(i, i + 3))
  i += 4
  let bytes: number | null
  if (isDigit(line.charCodeAt(i))) {
    let end = i + 1
    while (isDigit(line.charCodeAt(end))) end++
    bytes = Number(line.slice(i, end))
    i = end
  } else if (line.charCodeAt(i) === 45) {
    bytes = null
    i++
  } else return null
  let referrer: string | null = null
  let userAgent: string | null = null
  let extra: string | null = null
  if (kind === 'combined') {
    const quoted: string[] = []
    for (let q = 0; q < 3; q++) {
      const end = line.charCodeAt(i) === 32 ? quotedEnd(line, i + 1, anyBackslash) : -1
      if (end < 0) {
        if (q < 2) return null
        break
      }
      quoted.push(line.slice(i + 2, end - 1))
      i = end
    }
    referrer = unbackslash(dash(quoted[0]!))
    userAgent = unbackslash(dash(quoted[1]!))
    extra = unbackslash(dash(quoted[2] ?? null))
  }
  const request = unbackslash(requestText)!.split(' ')
  const wellFormed = request.length === 3 && /^[A-Z]+$/.test(request[0]!) && request[1]!.length > 0
  return {
    ip: line.slice(fields[0], fields[1]),
    user: dash(line.slice(fields[4], fields[5])),
    time,
    method: wellFormed ? request[0]! : null,
    target: wellFormed ? request[1]! : null,
    status,
    bytes,
    referrer,
    userAgent,
    extra,
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
