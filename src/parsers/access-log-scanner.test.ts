// The access-log scanner against the regular expression it replaced (kept here as the reference):
// every real line of the shared Apache sample, and the same lines cut, escaped and mangled at many
// places, split into the same fields or are refused alike. Times too: the positional reader of
// `%t` against the pattern. And the page view rules, checked on the scanner's offsets, against the
// same rules applied to the reference fields.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { type AccessLogLine, splitAccessLine } from './access-log.ts'
import { buildFormat } from './build-format.ts'
import { type FormatConfig, formatConfig } from './format-config.ts'
import { parseClfTime } from './time.ts'

const Q = '"((?:[^"\\\\]|\\\\.)*)"'
const COMMON = new RegExp(`^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] ${Q} (\\d{3}) (\\d+|-)`)
const COMBINED = new RegExp(`${COMMON.source} ${Q} ${Q}(?: ${Q})?`)
const CLF_TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function referenceTime(s: string): number | null {
  const m = CLF_TIME.exec(s)
  if (!m) return null
  const month = MONTHS.indexOf(m[2]!)
  if (month < 0) return null
  const local = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]))
  return local - (Number(m[8]) * 60 + Number(m[9])) * (m[7] === '-' ? -1 : 1) * 60_000
}

const dash = (s: string | undefined) => (s === undefined || s === '-' || s === '' ? null : s)
const unbackslash = (s: string | null) => (s === null ? null : s.replace(/\\(.)/g, '$1'))

function reference(line: string, kind: 'common' | 'combined'): AccessLogLine | null {
  const m = (kind === 'combined' ? COMBINED : COMMON).exec(line)
  if (!m) return null
  const time = referenceTime(m[4]!)
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

const real = readFileSync(
  new URL('../../../shared/data/elastic_apache_logs_combined.log', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((l) => l.length > 0)

/** A small deterministic generator, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

function variants(line: string, random: () => number): string[] {
  const out: string[] = []
  const at = () => Math.floor(random() * (line.length + 1))
  const insert = (s: string) => {
    const i = at()
    return line.slice(0, i) + s + line.slice(i)
  }
  out.push(line.slice(0, at()))
  out.push(insert('\\'), insert('"'), insert(' '), insert(']'), insert('\\"'), insert('\\\r'), insert('\t'))
  out.push(`${line} "sid=1; cf_vid=x"`, `${line} trailing`, line.replace(/ \d+ "/, ' - "'))
  out.push(line.replace('[', '[ '), line.replace(/\d{3} /, '2000 '), line.replace(' - - ', ' -  - '))
  return out
}

test('the scanner splits every real and mangled line exactly as the reference pattern', () => {
  const random = rng(42)
  let checked = 0
  let refused = 0
  for (const line of real) {
    for (const candidate of [line, ...variants(line, random)]) {
      for (const kind of ['combined', 'common'] as const) {
        const expected = reference(candidate, kind)
        assert.deepEqual(splitAccessLine(candidate, kind), expected, `${kind}: ${JSON.stringify(candidate)}`)
        checked++
        if (expected === null) refused++
      }
    }
  }
  assert.ok(real.length >= 10_000, 'the whole sample is read')
  // Both outcomes are exercised in quantity, or the comparison proves little.
  assert.ok(refused > 50_000 && checked - refused > 100_000, `${refused} refused of ${checked}`)
})

test('the positional reader of %t agrees with the pattern', () => {
  const random = rng(7)
  const times = real.map((l) => l.slice(l.indexOf('[') + 1, l.indexOf(']')))
  const samples = [
    ...times,
    '17/May/2015:10:05:03 -0130',
    '17/may/2015:10:05:03 +0000',
    '17/Foo/2015:10:05:03 +0000',
    '1/May/2015:10:05:03 +0000',
    '17/May/2015:10:05:03 0000',
    '17/May/2015:10:05:03  +000',
    '17/May/2015:10:5:03 +00000',
    '99/Dec/9999:99:99:99 +9999',
    '',
  ]
  for (let i = 0; i < 2000; i++) {
    const t = times[i % times.length]!
    const j = Math.floor(random() * t.length)
    samples.push(t.slice(0, j) + String.fromCharCode(32 + Math.floor(random() * 90)) + t.slice(j + 1))
  }
  for (const s of samples) assert.equal(parseClfTime(s), referenceTime(s), JSON.stringify(s))
})

/** The page view rules as they were written over the reference fields, before they ran on offsets. */
function referenceOutcome(line: string, kind: 'common' | 'combined'): string {
  const f = reference(line, kind)
  if (!f) return 'invalid:unparsable_line'
  if (f.method === null || f.target === null) return 'skip:malformed_request'
  if (!['GET', 'POST'].includes(f.method)) return 'skip:method'
  if (f.status < 200 || f.status > 299) return 'skip:status'
  const q = f.target.search(/[?#]/)
  const last = (q < 0 ? f.target : f.target.slice(0, q)).split('/').at(-1)!
  const dot = last.lastIndexOf('.')
  if (
    dot > 0 &&
    ['css', 'js', 'png', 'jpg', 'gif', 'ico', 'woff'].includes(last.slice(dot + 1).toLowerCase())
  )
    return 'skip:static_asset'
  const url = /^https?:\/\//i.test(f.target)
    ? f.target
    : `http://localhost${f.target.startsWith('/') ? '' : '/'}${f.target}`
  if (!URL.canParse(url)) return 'invalid:invalid_url'
  const bytes = f.bytes === null ? {} : { bytes: f.bytes }
  return JSON.stringify([url, f.ip, f.user, f.time, f.referrer, f.userAgent, f.method, f.status, bytes])
}

test('the format applies its rules on offsets exactly as on the reference fields', () => {
  const random = rng(1)
  const seen = new Map<string, number>()
  for (const kind of ['combined', 'common'] as const) {
    const parser = buildFormat(
      formatConfig.parse({
        format: kind,
        exclude_extensions: ['css', 'js', 'png', 'jpg', 'gif', 'ico', 'woff'],
      }) as FormatConfig,
      { sourceId: 's', visitorOf: (ip, ua) => `${ip}|${ua}`, now: () => 0 },
    ).forFile()
    for (const line of real) {
      const mangled = variants(line, random)
      // Requests with a method, path or extension changed, so every rule is met by real lines.
      mangled.push(
        line.replace('"GET ', '"HEAD '),
        line.replace('.png ', '.PNG?x=1 '),
        line.replace(' /', ' x'),
        // Edge cases of the rules decided on offsets: a lower-case method, an IPv6 client, a status
        // that is not a number, queries and fragments on asset paths, a quote inside the request.
        line.replace('"GET ', '"get '),
        line.replace(/^\S+/, '2001:db8::7334'),
        line.replace(/" \d{3} /, '" - '),
        line.replace(/\.(png|css|js|jpg|gif|ico|woff) /i, '.$1?v=3#top '),
        line.replace(/\.(png|css|js|jpg|gif|ico|woff) /i, '.html?f=a.$1 '),
        line.replace('"GET /', '"GET /a\\"b/'),
        line.replace('"GET /', '"GET /a"b/'),
      )
      for (const candidate of [line, ...mangled]) {
        const o = parser.parse(candidate, { file: 'f', identity: '1:2', offset: 0, lineNumber: 1 })
        let got: string
        if (o.kind !== 'events') got = `${o.kind}:${o.reason}`
        else {
          const e = o.events[0]!
          const { http_method, http_status, ...bytes } = e.props as Record<string, unknown>
          got = JSON.stringify([
            e.page_url,
            e.ip,
            e.user_id,
            e.event_time,
            e.referrer,
            e.user_agent,
            http_method,
            http_status,
            bytes,
          ])
          assert.equal(e.visitor_id, `${e.ip}|${e.user_agent ?? ''}`)
        }
        const expected = referenceOutcome(candidate, kind)
        assert.equal(got, expected, `${kind}: ${JSON.stringify(candidate)}`)
        const key = expected.startsWith('[') ? 'events' : expected
        seen.set(key, (seen.get(key) ?? 0) + 1)
      }
    }
  }
  // Every outcome is met in quantity, or the comparison proves little.
  for (const k of [
    'events',
    'invalid:unparsable_line',
    'skip:malformed_request',
    'skip:method',
    'skip:status',
    'skip:static_asset',
  ])
    assert.ok((seen.get(k) ?? 0) > 100, `${k}: ${seen.get(k) ?? 0} lines`)
})
