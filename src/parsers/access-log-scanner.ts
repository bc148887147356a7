// Finds the fields of an Apache / nginx access log line (Common and Combined Log Format) as offsets
// into the line, without making a string: the page view rules look at the method, status and path
// extension in place, so a line they leave out (most lines of a real log: assets, 404s) costs one
// pass over its characters and no allocation. Only a kept line's fields become strings.
import { clfTimeAt } from './time.ts'

/** Offsets of one line's fields, filled by {@link scanAccessLine}; ranges are [start, end). */
export interface AccessLineScan {
  /** The user field (%u). The IP (%h) is [0, ipEnd). */
  ipEnd: number
  userStart: number
  userEnd: number
  /** %t as epoch ms. */
  time: number
  /** Inside the quotes of the request line (%r), escapes still in. */
  requestStart: number
  requestEnd: number
  status: number
  /** -1 when the size is `-`. */
  bytes: number
  /** Inside the quotes, escapes still in; -1 when absent (common format, or no third field). */
  referrerStart: number
  referrerEnd: number
  userAgentStart: number
  userAgentEnd: number
  extraStart: number
  extraEnd: number
  /** The line holds a backslash somewhere: quoted fields may hold escapes. */
  anyBackslash: boolean
}

/** A scan to fill again and again (one per parser: the hot path allocates nothing per line). */
export function newScan(): AccessLineScan {
  return {
    ipEnd: 0,
    userStart: 0,
    userEnd: 0,
    time: 0,
    requestStart: 0,
    requestEnd: 0,
    status: 0,
    bytes: -1,
    referrerStart: -1,
    referrerEnd: -1,
    userAgentStart: -1,
    userAgentEnd: -1,
    extraStart: -1,
    extraEnd: -1,
    anyBackslash: false,
  }
}

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
  if (!anyBackslash) {
    const quote = line.indexOf('"', from + 1)
    return quote < 0 ? -1 : quote + 1
  }
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
 * Fills `s` with the fields of a line of `kind` format; false when it is not such a line. The format
 * is `%h %l %u [%t] "%r" %>s %b`, then for combined `"%{Referer}i" "%{User-agent}i"` and an optional
 * quoted field; anything after that is ignored. Hand-written rather than one regular expression: a
 * third of the file tail's time went to that expression's backtracking.
 */
export function scanAccessLine(line: string, kind: 'common' | 'combined', s: AccessLineScan): boolean {
  const anyBackslash = line.indexOf('\\') >= 0
  s.anyBackslash = anyBackslash
  // %h %l %u: three runs of non-space characters, each followed by one space.
  const ipEnd = tokenEnd(line, 0)
  if (ipEnd === 0 || line.charCodeAt(ipEnd) !== 32) return false
  const identEnd = tokenEnd(line, ipEnd + 1)
  if (identEnd === ipEnd + 1 || line.charCodeAt(identEnd) !== 32) return false
  const userEnd = tokenEnd(line, identEnd + 1)
  if (userEnd === identEnd + 1 || line.charCodeAt(userEnd) !== 32) return false
  let i = userEnd + 1
  // [%t]: the time is the text up to the first `]`, and only the fixed 26-character layout parses.
  if (line.charCodeAt(i) !== 91) return false
  const close = line.indexOf(']', i + 1)
  if (close !== i + 27 || line.charCodeAt(close + 1) !== 32) return false
  const time = clfTimeAt(line, i + 1)
  if (time === null) return false
  i = close + 2
  const requestEnd = quotedEnd(line, i, anyBackslash)
  if (requestEnd < 0 || line.charCodeAt(requestEnd) !== 32) return false
  s.requestStart = i + 1
  s.requestEnd = requestEnd - 1
  i = requestEnd + 1
  const d0 = line.charCodeAt(i) - 48
  const d1 = line.charCodeAt(i + 1) - 48
  const d2 = line.charCodeAt(i + 2) - 48
  if (!(d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)) return false
  if (line.charCodeAt(i + 3) !== 32) return false
  s.status = d0 * 100 + d1 * 10 + d2
  i += 4
  if (isDigit(line.charCodeAt(i))) {
    let end = i + 1
    while (isDigit(line.charCodeAt(end))) end++
    // Short runs are summed in place; a long one (past 2^53) goes through Number like the text.
    if (end - i <= 15) {
      let n = 0
      for (let k = i; k < end; k++) n = n * 10 + (line.charCodeAt(k) - 48)
      s.bytes = n
    } else s.bytes = Number(line.slice(i, end))
    i = end
  } else if (line.charCodeAt(i) === 45) {
    s.bytes = -1
    i++
  } else return false
  s.referrerStart = s.referrerEnd = s.userAgentStart = s.userAgentEnd = s.extraStart = s.extraEnd = -1
  if (kind === 'combined') {
    for (let q = 0; q < 3; q++) {
      const end = line.charCodeAt(i) === 32 ? quotedEnd(line, i + 1, anyBackslash) : -1
      if (end < 0) {
        if (q < 2) return false
        break
      }
      if (q === 0) {
        s.referrerStart = i + 2
        s.referrerEnd = end - 1
      } else if (q === 1) {
        s.userAgentStart = i + 2
        s.userAgentEnd = end - 1
      } else {
        s.extraStart = i + 2
        s.extraEnd = end - 1
      }
      i = end
    }
  }
  s.ipEnd = ipEnd
  s.userStart = identEnd + 1
  s.userEnd = userEnd
  s.time = time
  return true
}

/** Offsets of a request line's method and target, filled by {@link splitRequest}. */
export interface RequestParts {
  methodStart: number
  methodEnd: number
  targetStart: number
  targetEnd: number
}

/**
 * Finds the method and target of an unescaped request line `line[start, end)`: exactly three parts
 * separated by single spaces, an upper-case method and a non-empty target (`GET /a HTTP/1.1`).
 * False for anything else (a TLS handshake sent to a plain port, a truncated line).
 */
export function splitRequest(line: string, start: number, end: number, out: RequestParts): boolean {
  let sp1 = -1
  for (let k = start; k < end; k++) {
    const c = line.charCodeAt(k)
    if (c === 32) {
      sp1 = k
      break
    }
    if (c < 65 || c > 90) return false
  }
  if (sp1 <= start) return false
  const sp2 = line.indexOf(' ', sp1 + 1)
  if (sp2 < 0 || sp2 >= end || sp2 === sp1 + 1) return false
  const sp3 = line.indexOf(' ', sp2 + 1)
  if (sp3 >= 0 && sp3 < end) return false
  out.methodStart = start
  out.methodEnd = sp1
  out.targetStart = sp1 + 1
  out.targetEnd = sp2
  return true
}

/** `s` without `-` for an absent value. */
export const dash = (s: string | null): string | null => (s === null || s === '-' || s === '' ? null : s)

/** `s` with Apache's backslash escapes undone. */
export const unbackslash = (s: string | null): string | null =>
  s === null || !s.includes('\\') ? s : s.replace(/\\(.)/g, '$1')

/** A quoted field of a scan as its text (escapes undone, `-` as null). */
export function quotedField(line: string, start: number, end: number, anyBackslash: boolean): string | null {
  if (start < 0) return null
  const v = dash(line.slice(start, end))
  return anyBackslash ? unbackslash(v) : v
}
