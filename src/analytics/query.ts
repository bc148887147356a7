// Reads the common parameters of every analytics request (site, range or period, time zone, filters,
// include_bots) from a query string or a JSON body, and refuses anything unclear with a 400 that
// says what to send instead. The result is plain data the store turns into SQL.
import { RequestError } from '../core/errors.ts'
import { DIMENSIONS, type Dimension, type Filter } from './contract.ts'
import { addNaive, canonicalTimeZone, fromLocalNaive, toLocalNaive, truncNaive } from './time-zone.ts'

/** What every stats query is about. `to` is exclusive; times are epoch ms. */
export interface StatsQuery {
  readonly site: string | null
  readonly from: number
  readonly to: number
  readonly tz: string
  readonly filters: readonly Filter[]
  /** Count rows flagged as bots and duplicates too (default: leave them out). */
  readonly includeBots: boolean
}

/** Request fields by name: a query string's values or a JSON body's. */
export type Input = Readonly<Record<string, unknown>>

/** The named periods `period=` accepts. */
export const PERIODS = ['today', '24h', '7d', '30d', '90d'] as const
const DEFAULT_PERIOD = '7d'
/** Longest value a filter or parameter may carry: filters come from users and end up in SQL. */
const MAX_VALUE_LENGTH = 2048
const MAX_FILTERS = 20
const OPS = ['==', '!=', '=~', '!~'] as const
/** Other names people use for a dimension (the column names of the events table). */
const ALIASES: Readonly<Record<string, Dimension>> = {
  page_path: 'page',
  path: 'page',
  page_host: 'host',
  device_type: 'device',
  source: 'referrer_host',
}

/** A query string as an Input (the last of repeated keys wins). */
export function inputFromUrl(url: URL): Input {
  return Object.fromEntries(url.searchParams.entries())
}

function bad(code: string, message: string): RequestError {
  return new RequestError(400, code, message)
}

/** A string parameter, or undefined when absent or empty. */
export function stringParam(input: Input, name: string): string | undefined {
  const v = input[name]
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v !== 'string') throw bad('invalid_parameter', `${name} must be a string`)
  checkText(name, v)
  return v
}

/** An integer parameter within [min, max], `fallback` when absent. */
export function intParam(input: Input, name: string, fallback: number, min: number, max: number): number {
  const v = input[name]
  if (v === undefined || v === null || v === '') return fallback
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw bad(
      'invalid_parameter',
      `${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`,
    )
  return n
}

/** One of `allowed`, `fallback` when absent. */
export function enumParam<T extends string>(
  input: Input,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const v = stringParam(input, name)
  if (v === undefined) return fallback
  if (!(allowed as readonly string[]).includes(v))
    throw bad('invalid_parameter', `${name} must be one of ${allowed.join(', ')}, not "${v}"`)
  return v as T
}

/** A boolean parameter: true/false (or 1/0). */
export function boolParam(input: Input, name: string): boolean {
  const v = input[name]
  if (v === undefined || v === null || v === '') return false
  if (v === true || v === 'true' || v === '1') return true
  if (v === false || v === 'false' || v === '0') return false
  throw bad('invalid_parameter', `${name} must be true or false, not ${JSON.stringify(v)}`)
}

/** Refuses text that cannot be a sensible value (NUL, overlong) before it gets near SQL. */
export function checkText(name: string, v: string): void {
  if (v.length > MAX_VALUE_LENGTH)
    throw bad('invalid_parameter', `${name} is longer than ${MAX_VALUE_LENGTH} characters`)
  if (v.includes('\u0000')) throw bad('invalid_parameter', `${name} contains a NUL character`)
}

/** A dimension name or `prop:<key>`, aliases resolved; 400 naming the allowed ones otherwise. */
export function parseDimension(raw: string, name = 'dimension'): Dimension {
  checkText(name, raw)
  if (raw.startsWith('prop:')) {
    const key = raw.slice(5)
    if (key === '' || /["\\\u0000-\u001f]/.test(key))
      throw bad(
        'invalid_dimension',
        `${name} "${raw}": a props key must be non-empty, without quotes, backslashes or control characters`,
      )
    return `prop:${key}`
  }
  if ((DIMENSIONS as readonly string[]).includes(raw)) return raw as Dimension
  const alias = ALIASES[raw]
  if (alias) return alias
  throw bad(
    'invalid_dimension',
    `${name} "${raw}" is unknown; use one of ${DIMENSIONS.join(', ')} or prop:<key>`,
  )
}

/** Splits on an unescaped separator; `\` escapes the next character. */
function splitEscaped(text: string, sep: string): string[] {
  const out: string[] = []
  let cur = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1]
      i++
    } else if (c === sep) {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out
}

function unescapeValue(s: string): string {
  return s.replace(/\\(.)/g, '$1')
}

/** Parses `dim==a|b;dim2=~/blog/*` (`\;`, `\|`, `\\` escape) into filters. */
export function parseFilterString(text: string): Filter[] {
  const filters: Filter[] = []
  for (const part of splitEscaped(text, ';')) {
    if (part.trim() === '') continue
    const m = /^([^=!~]+?)\s*(==|!=|=~|!~)(.*)$/s.exec(part)
    if (!m)
      throw bad(
        'invalid_filter',
        `filter "${part}" is not dimension==value, !=, =~ (glob) or !~; join filters with ";" and values with "|"`,
      )
    const dimension = parseDimension(m[1]!.trim(), `filter dimension`)
    const value = splitEscaped(m[3]!, '|').map(unescapeValue)
    filters.push(checkFilter({ dimension, op: m[2] as Filter['op'], value }))
  }
  return filters
}

function checkFilter(f: Filter): Filter {
  if (f.value.length === 0 || f.value.length > 100)
    throw bad('invalid_filter', `filter on ${f.dimension} needs 1 to 100 values`)
  for (const v of f.value) checkText(`filter value of ${f.dimension}`, v)
  return f
}

/** Filters from `filters=` text or a JSON array (in a body, or as JSON text in a query string). */
export function parseFilters(raw: unknown): Filter[] {
  if (raw === undefined || raw === null || raw === '') return []
  let value = raw
  if (typeof raw === 'string') {
    const t = raw.trim()
    if (!t.startsWith('[')) return limitFilters(parseFilterString(raw))
    try {
      value = JSON.parse(t)
    } catch (err) {
      throw bad('invalid_filter', `filters look like JSON but do not parse: ${(err as Error).message}`)
    }
  }
  if (!Array.isArray(value))
    throw bad(
      'invalid_filter',
      'filters must be text (country==DE;page=~/blog/*) or a JSON array of {dimension, op, value}',
    )
  return limitFilters(
    value.map((f, i) => {
      const o = f as Record<string, unknown> | null
      if (typeof o !== 'object' || o === null || typeof o.dimension !== 'string')
        throw bad(
          'invalid_filter',
          `filters[${i}] must be {"dimension": "...", "op": "==", "value": ["..."]}`,
        )
      const op = o.op ?? '=='
      if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op))
        throw bad('invalid_filter', `filters[${i}].op must be one of ${OPS.join(' ')}`)
      const vals = typeof o.value === 'string' ? [o.value] : o.value
      if (!Array.isArray(vals) || !vals.every((v) => typeof v === 'string'))
        throw bad('invalid_filter', `filters[${i}].value must be a string or an array of strings`)
      return checkFilter({
        dimension: parseDimension(o.dimension, `filters[${i}].dimension`),
        op: op as Filter['op'],
        value: vals as string[],
      })
    }),
  )
}

function limitFilters(f: Filter[]): Filter[] {
  if (f.length > MAX_FILTERS) throw bad('invalid_filter', `at most ${MAX_FILTERS} filters`)
  return f
}

/** Reads `from`/`to` values: an instant with offset, a local date-time, or a date (local midnight). */
function parseTime(name: string, v: string, tz: string): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v)
  if (date) {
    const naive = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]))
    if (!Number.isNaN(naive) && new Date(naive).toISOString().startsWith(v)) return fromLocalNaive(naive, tz)
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v)) {
    const ms = Date.parse(v)
    if (!Number.isNaN(ms)) return ms
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(v)) {
    const naive = Date.parse(`${v}Z`)
    if (!Number.isNaN(naive)) return fromLocalNaive(naive, tz)
  }
  throw bad(
    'invalid_range',
    `${name} "${v}" is not a date (2026-11-21) or an ISO 8601 time (2026-11-21T10:00:00Z; without an offset it is read in tz)`,
  )
}

/** Resolves the range: from/to, or a named period ending now. */
export function resolveRange(input: Input, tz: string, now: number): { from: number; to: number } {
  const fromText = stringParam(input, 'from')
  const toText = stringParam(input, 'to')
  const period = stringParam(input, 'period')
  if (period !== undefined && (fromText !== undefined || toText !== undefined))
    throw bad('invalid_range', 'give either period or from/to, not both')
  if (fromText !== undefined || toText !== undefined) {
    if (fromText === undefined) throw bad('invalid_range', 'to needs a from')
    const from = parseTime('from', fromText, tz)
    const to = toText === undefined ? now : parseTime('to', toText, tz)
    if (!(from < to))
      throw bad('invalid_range', `from (${fromText}) must be before to (${toText ?? 'now'}); to is exclusive`)
    return { from, to }
  }
  const p = period ?? DEFAULT_PERIOD
  if (!(PERIODS as readonly string[]).includes(p))
    throw bad('invalid_range', `period must be one of ${PERIODS.join(', ')}, not "${p}"`)
  if (p === '24h') return { from: now - 86_400_000, to: now }
  const today = truncNaive(toLocalNaive(now, tz), 'day')
  const days = p === 'today' ? 1 : Number(p.slice(0, -1))
  return { from: fromLocalNaive(addNaive(today, 'day', 1 - days), tz), to: now }
}

/** Reads the common parameters. `now` is the clock's current time (epoch ms). */
export function parseStatsQuery(input: Input, now: number): StatsQuery {
  const asked = stringParam(input, 'tz') ?? 'UTC'
  const tz = canonicalTimeZone(asked)
  if (tz === null)
    throw bad('invalid_timezone', `tz "${asked}" is not an IANA time zone (e.g. Europe/Berlin, UTC)`)
  const { from, to } = resolveRange(input, tz, now)
  return {
    site: stringParam(input, 'site') ?? null,
    from,
    to,
    tz,
    filters: parseFilters(input.filters),
    includeBots: boolParam(input, 'include_bots'),
  }
}
