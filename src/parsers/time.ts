// Timestamps as log files write them: Apache's `17/May/2015:10:05:03 +0000`, ISO 8601, or epoch
// numbers. Parsed without Date's locale-dependent guessing.

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
}
const CLF_TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/

/** Two ASCII digits at `i` as a number, or NaN. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48
  const b = s.charCodeAt(i + 1) - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN
}

// Consecutive lines of a log mostly share their second: the last answer is kept.
let lastClf = ''
let lastClfTime: number | null = null

/** Epoch ms of an Apache/nginx `%t` time (without the brackets), or null. */
export function parseClfTime(s: string): number | null {
  if (s === lastClf) return lastClfTime
  const t = parseClfTimeUncached(s)
  lastClf = s
  lastClfTime = t
  return t
}

function parseClfTimeUncached(s: string): number | null {
  // The fixed layout `dd/Mon/yyyy:HH:MM:SS +hhmm` is read by position; anything else by the pattern.
  if (s.length === 26 && s[2] === '/' && s[6] === '/' && s[11] === ':' && s[14] === ':' && s[17] === ':') {
    const month = MONTHS[s.slice(3, 6)]
    const year = digits2(s, 7) * 100 + digits2(s, 9)
    const sign = s[21] === '-' ? -1 : s[21] === '+' ? 1 : 0
    const parts = [
      digits2(s, 0),
      digits2(s, 12),
      digits2(s, 15),
      digits2(s, 18),
      digits2(s, 22),
      digits2(s, 24),
    ]
    if (
      month !== undefined &&
      s[20] === ' ' &&
      sign !== 0 &&
      !Number.isNaN(year) &&
      parts.every((n) => !Number.isNaN(n)) &&
      /^[A-Z][a-z]{2}$/.test(s.slice(3, 6))
    ) {
      const [day, hh, mm, ss, oh, om] = parts as [number, number, number, number, number, number]
      return Date.UTC(year, month, day, hh, mm, ss) - sign * (oh * 60 + om) * 60_000
    }
  }
  const m = CLF_TIME.exec(s)
  if (!m) return null
  const month = MONTHS[m[2]!]
  if (month === undefined) return null
  const local = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]))
  const offsetMin = (Number(m[8]) * 60 + Number(m[9])) * (m[7] === '-' ? -1 : 1)
  return local - offsetMin * 60_000
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
