// Timestamps as log files write them: Apache's `17/May/2015:10:05:03 +0000`, ISO 8601, or epoch
// numbers. Parsed without Date's locale-dependent guessing.

/** Month (0-11) by its English abbreviation's three character codes packed into one number. */
const MONTHS = new Map(
  ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, i) => [
    monthKey(m, 0),
    i,
  ]),
)

function monthKey(s: string, i: number): number {
  return s.charCodeAt(i) * 0x10000 + s.charCodeAt(i + 1) * 0x100 + s.charCodeAt(i + 2)
}

/** Two ASCII digits at `i` as a number, or -1. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48
  const b = s.charCodeAt(i + 1) - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

// Consecutive lines of a log mostly share their day: the last day's start is kept.
let lastDay = -1
let lastDayMs = 0

/**
 * Epoch ms of the Apache/nginx `%t` time (`dd/Mon/yyyy:HH:MM:SS +hhmm`, without the brackets) that
 * starts at `i` of `s`, or null. Read by position, without a substring: the access-log scanner calls
 * it for every line. Out-of-range parts roll over as in Date.UTC (day 00 is the month's last day before).
 */
export function clfTimeAt(s: string, i: number): number | null {
  if (
    s.charCodeAt(i + 2) !== 47 ||
    s.charCodeAt(i + 6) !== 47 ||
    s.charCodeAt(i + 11) !== 58 ||
    s.charCodeAt(i + 14) !== 58 ||
    s.charCodeAt(i + 17) !== 58 ||
    s.charCodeAt(i + 20) !== 32
  )
    return null
  const signCode = s.charCodeAt(i + 21)
  const sign = signCode === 45 ? -1 : signCode === 43 ? 1 : 0
  const month = MONTHS.get(monthKey(s, i + 3))
  const day = digits2(s, i)
  const y1 = digits2(s, i + 7)
  const y2 = digits2(s, i + 9)
  const hh = digits2(s, i + 12)
  const mm = digits2(s, i + 15)
  const ss = digits2(s, i + 18)
  const oh = digits2(s, i + 22)
  const om = digits2(s, i + 24)
  if (sign === 0 || month === undefined || (day | y1 | y2 | hh | mm | ss | oh | om) < 0) return null
  // Date.UTC is linear in its time parts (MakeDate = day * msPerDay + time), so the day's start plus
  // the seconds of the day equals the whole call.
  const year = y1 * 100 + y2
  const dayKey = (year * 16 + month) * 128 + day
  if (dayKey !== lastDay) {
    lastDayMs = Date.UTC(year, month, day)
    lastDay = dayKey
  }
  return lastDayMs + ((hh * 60 + mm) * 60 + ss) * 1000 - sign * (oh * 60 + om) * 60_000
}

/** Epoch ms of an Apache/nginx `%t` time (without the brackets), or null. */
export function parseClfTime(s: string): number | null {
  return s.length === 26 ? clfTimeAt(s, 0) : null
}

/**
 * Epoch ms of a time value found in a record: a number (epoch ms, or seconds when below 1e11, which
 * is 1973 in ms), a numeric string, an ISO 8601 string, or an Apache time. Null when none fits.
 */
export function parseTimeValue(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? (Math.abs(v) < 1e11 ? v * 1000 : v) : null
  if (typeof v !== 'string' || v.length === 0) return null
  if (/^-?\d+(\.\d+)?$/.test(v)) return parseTimeValue(Number(v))
  const clf = parseClfTime(v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v)
  if (clf !== null) return clf
  // Only ISO-shaped strings go to Date.parse: it accepts odd things ("1", "May 5") otherwise.
  if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return null
  const t = Date.parse(v)
  return Number.isFinite(t) ? t : null
}
