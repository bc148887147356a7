// Wall-clock arithmetic in an IANA time zone without a library: local midnight, bucket starts and
// their UTC instants. Buckets are named by their local start ("YYYY-MM-DD HH:MM:SS"), the same text
// the store's SQL prints, so SQL results and the zero-filled series meet on that key.

/** A bucket size of time series, retention cohorts and DAU. */
export type Interval = 'minute' | 'hour' | 'day' | 'week' | 'month'

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(tz, f)
  }
  return f
}

/** The canonical name of an IANA zone this runtime knows ('utc' -> 'UTC'), or null. */
export function canonicalTimeZone(tz: string): string | null {
  try {
    return formatter(tz).resolvedOptions().timeZone
  } catch {
    return null
  }
}

/** Local wall-clock fields of an instant, as a UTC-based "naive" epoch (ms). */
export function toLocalNaive(ms: number, tz: string): number {
  if (tz === 'UTC') return ms
  const parts: Record<string, number> = {}
  for (const p of formatter(tz).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value)
  }
  const naive = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!)
  return naive + (((ms % 1000) + 1000) % 1000)
}

/**
 * The instant whose local wall clock reads `naive`. For a time skipped by a DST change the result is
 * shifted by the gap; for a repeated time the earlier instant is returned.
 */
export function fromLocalNaive(naive: number, tz: string): number {
  if (tz === 'UTC') return naive
  // Two rounds of offset correction settle on the right side of a DST change.
  let guess = naive - (toLocalNaive(naive, tz) - naive)
  guess = naive - (toLocalNaive(guess, tz) - guess)
  const earlier = guess - 3_600_000
  return toLocalNaive(earlier, tz) === naive ? earlier : guess
}

/** Start of the bucket holding a naive local time. Weeks start on Monday (ISO 8601). */
export function truncNaive(naive: number, interval: Interval): number {
  const d = new Date(naive)
  switch (interval) {
    case 'minute':
      return naive - (((naive % 60_000) + 60_000) % 60_000)
    case 'hour':
      return naive - (((naive % 3_600_000) + 3_600_000) % 3_600_000)
    case 'day':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    case 'week': {
      const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
      const sinceMonday = (d.getUTCDay() + 6) % 7
      return day - sinceMonday * 86_400_000
    }
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
  }
}

/** The naive local time `n` buckets after `naive` (a bucket start). */
export function addNaive(naive: number, interval: Interval, n = 1): number {
  const d = new Date(naive)
  switch (interval) {
    case 'minute':
      return naive + n * 60_000
    case 'hour':
      return naive + n * 3_600_000
    case 'day':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + n)
    case 'week':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 7 * n)
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)
  }
}

/** "YYYY-MM-DD HH:MM:SS" of a naive time: the key SQL buckets are printed as. */
export function naiveKey(naive: number): string {
  return new Date(naive).toISOString().slice(0, 19).replace('T', ' ')
}

/** One bucket of a zero-filled series. */
export interface Bucket {
  /** Local start, "YYYY-MM-DD HH:MM:SS". */
  readonly key: string
  /** The bucket's start as a UTC instant. */
  readonly start: number
  /** The next bucket's start as a UTC instant. */
  readonly end: number
}

/** Every bucket that overlaps [from, to), oldest first; at most `max` (else null). */
export function buckets(
  from: number,
  to: number,
  interval: Interval,
  tz: string,
  max: number,
): Bucket[] | null {
  const out: Bucket[] = []
  let naive = truncNaive(toLocalNaive(from, tz), interval)
  let start = fromLocalNaive(naive, tz)
  while (start < to) {
    if (out.length >= max) return null
    const next = addNaive(naive, interval)
    const local = toLocalNaive(start, tz)
    if (local >= next) {
      // `naive` lies in local time a DST change skips (its start resolved past the gap): no bucket;
      // go on from the bucket holding the first real local time. A skipped midnight only moves a
      // day's start, so that day stays.
      naive = truncNaive(local, interval)
      start = fromLocalNaive(naive, tz)
      continue
    }
    const end = fromLocalNaive(next, tz)
    if (end > start) out.push({ key: naiveKey(naive), start, end })
    naive = next
    start = end
  }
  return out
}

/** A stretch of time with one UTC offset: from `start` (UTC ms; -Infinity for the first) on. */
export interface OffsetSpan {
  readonly start: number
  readonly offsetMs: number
}

const HOUR = 3_600_000

/**
 * The UTC offsets of `tz` over [from, to), with the instants they change (DST). Stores turn a UTC
 * timestamp into local time with these instead of a time zone conversion per row: a comparison and
 * an addition. Offsets are sampled hourly (zones change at most a few times a year, never twice in
 * an hour) and each change is located to the millisecond.
 */
export function offsetSpans(from: number, to: number, tz: string): OffsetSpan[] {
  const offset = (ms: number) => toLocalNaive(ms, tz) - ms
  const spans: OffsetSpan[] = [{ start: Number.NEGATIVE_INFINITY, offsetMs: offset(from) }]
  if (tz === 'UTC') return spans
  let t = Math.floor(from / HOUR) * HOUR
  let current = spans[0]!.offsetMs
  while (t < to) {
    const next = t + HOUR
    const o = offset(next)
    if (o !== current) {
      let lo = t
      let hi = next
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2)
        if (offset(mid) === current) lo = mid
        else hi = mid
      }
      spans.push({ start: hi, offsetMs: o })
      current = o
    }
    t = next
  }
  return spans
}
