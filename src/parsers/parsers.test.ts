// Unit tests of the line formats: access logs (rules, bots, visitors), JSON lines with a mapping and
// explode, CSV with a header, regex with named groups, and what becomes a dead letter.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { splitAccessLine } from './access-log.ts'
import { buildFormat } from './build-format.ts'
import { splitCsvLine } from './csv.ts'
import { type FormatConfig, formatConfig } from './format-config.ts'
import { splitLines } from './line-chunks.ts'
import { type LineOutcome, type LineRef, lineEventId } from './line-parser.ts'
import { parseClfTime, parseTimeValue } from './time.ts'

const ctx = {
  sourceId: 'logs',
  visitorOf: (ip: string, ua: string) => `v:${ip}:${ua.length}`,
  now: () => 1_700_000_000_000,
}
const ref = (offset = 0, lineNumber = 1): LineRef => ({
  file: '/x/a.log',
  identity: '1:2',
  offset,
  lineNumber,
})
function parse(cfg: Record<string, unknown>, lines: string[]): LineOutcome[] {
  const f = buildFormat(formatConfig.parse(cfg) as FormatConfig, ctx).forFile()
  const out: LineOutcome[] = []
  lines.forEach((l, i) => {
    if (f.hasHeader && i === 0) f.header(l)
    else out.push(f.parse(l, ref(i * 100, i + 1)))
  })
  return out
}
const events = (o: LineOutcome) => (o.kind === 'events' ? o.events : assert.fail(JSON.stringify(o)))

test('Apache times, ISO and epoch values', () => {
  assert.equal(parseClfTime('17/May/2015:10:05:03 +0000'), Date.UTC(2015, 4, 17, 10, 5, 3))
  assert.equal(parseClfTime('17/May/2015:12:05:03 +0200'), Date.UTC(2015, 4, 17, 10, 5, 3))
  assert.equal(parseTimeValue(1659304800), 1659304800000)
  assert.equal(parseTimeValue('1659304800000'), 1659304800000)
  assert.equal(parseTimeValue('2022-07-31T22:00:00Z'), Date.UTC(2022, 6, 31, 22))
  assert.equal(parseTimeValue('May 5'), null)
})

const LINE =
  '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/x/?utm_source=hn HTTP/1.1" 200 203023 "http://semicomplete.com/" "Mozilla/5.0 (Macintosh) Chrome/32.0"'

test('combined: a page view with page, referrer, user agent, visitor and deterministic id', () => {
  const [e] = events(parse({ format: 'combined', base_url: 'https://semicomplete.com' }, [LINE])[0]!)
  assert.equal(e!.event_type, 'pageview')
  assert.equal(e!.event_time, Date.UTC(2015, 4, 17, 10, 5, 3))
  assert.equal(e!.page_url, 'https://semicomplete.com/presentations/x/?utm_source=hn')
  assert.equal(e!.page_path, '/presentations/x/')
  assert.equal(e!.utm_source, 'hn')
  assert.equal(e!.site, 'semicomplete.com')
  assert.equal(e!.referrer, 'http://semicomplete.com/')
  assert.equal(e!.ip, '83.149.9.216')
  assert.equal(e!.visitor_id, `v:83.149.9.216:${'Mozilla/5.0 (Macintosh) Chrome/32.0'.length}`)
  assert.equal(e!.is_bot, false)
  assert.equal(e!.event_id, lineEventId(ref(0, 1), LINE))
  assert.notEqual(e!.event_id, lineEventId(ref(100, 1), LINE))
  // The position as it is, and the line's text: another line at the same place (a truncated and
  // rewritten file, a reused inode) is another event; the n-th event of a line another id.
  assert.match(e!.event_id, /^1:2:0:[0-9a-f]{16}$/)
  assert.notEqual(lineEventId(ref(0, 1), LINE), lineEventId(ref(0, 1), LINE.replace('200', '201')))
  assert.notEqual(lineEventId(ref(0, 1), LINE, 1), lineEventId(ref(0, 1), LINE))
  assert.match(lineEventId(ref(7, 1), LINE, 2), /^1:2:7\.2:[0-9a-f]{16}$/)
  // A non-ASCII line hashes its UTF-8 bytes: the same text gives the same id.
  assert.equal(lineEventId(ref(0, 1), 'Größe'), lineEventId(ref(0, 1), 'Größe'))
  assert.notEqual(lineEventId(ref(0, 1), 'Größe'), lineEventId(ref(0, 1), 'Grosse'))
})

test('combined: assets, HEAD, non-2xx and malformed requests are skipped; garbage is invalid', () => {
  const l = (req: string, status = 200, ua = 'curl/7') =>
    `1.2.3.4 - - [17/May/2015:10:05:03 +0000] "${req}" ${status} 1 "-" "${ua}"`
  const out = parse({ format: 'combined' }, [
    l('GET /style.css HTTP/1.1'),
    l('HEAD / HTTP/1.1'),
    l('GET /missing HTTP/1.1', 404),
    l('\\x16\\x03\\x01', 400),
    'not a log line',
    l('GET /robots HTTP/1.1', 200, 'Googlebot/2.1 (+http://www.google.com/bot.html)'),
  ])
  assert.deepEqual(
    out.slice(0, 5).map((o) => (o.kind === 'events' ? 'events' : o.reason)),
    ['static_asset', 'method', 'status', 'malformed_request', 'unparsable_line'],
  )
  assert.equal(events(out[5]!)[0]!.is_bot, true)
  // Configurable: 404s and assets counted when asked.
  const wide = parse({ format: 'combined', status_max: 499, exclude_extensions: [] }, [
    l('GET /a.css HTTP/1.1', 404),
  ])
  assert.equal(wide[0]!.kind, 'events')
})

test('common format, escaped quotes, and a visitor cookie field', () => {
  const [e] = events(
    parse({ format: 'common' }, [
      '10.0.0.1 - alice [01/Jan/2020:00:00:00 +0000] "GET /a HTTP/1.0" 200 -',
    ])[0]!,
  )
  assert.equal(e!.user_id, 'alice')
  assert.equal(e!.user_agent, null)
  const f = splitAccessLine(
    '1.1.1.1 - - [01/Jan/2020:00:00:00 +0000] "GET /q?a=\\"b\\" HTTP/1.1" 200 5 "-" "UA \\"x\\"" "sid=1; cf_vid=abc"',
    'combined',
  )
  assert.equal(f!.target, '/q?a="b"')
  assert.equal(f!.userAgent, 'UA "x"')
  const withCookie = parse({ format: 'combined', visitor_cookie: 'cf_vid' }, [
    '1.1.1.1 - - [01/Jan/2020:00:00:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "UA" "sid=1; cf_vid=abc"',
    '1.1.1.1 - - [01/Jan/2020:00:00:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "UA" "cf_vid=a%20b"',
    '1.1.1.1 - - [01/Jan/2020:00:00:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "UA" "cf_vid=%zz"',
    '1.1.1.1 - - [01/Jan/2020:00:00:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "UA"',
  ])
  // Decoded; a malformed escape kept as logged (it threw and failed the whole read before); without
  // the cookie field, the keyed hash.
  assert.deepEqual(
    withCookie.map((o) => events(o)[0]!.visitor_id),
    ['abc', 'a b', '%zz', 'v:1.1.1.1:2'],
  )
})

test('jsonl: mapping, constants, props, explode (otto sample: 862 events)', () => {
  const cfg = {
    format: 'jsonl',
    explode: 'events',
    fields: { visitor_id: 'session', event_name: 'type', event_time: 'ts' },
    constants: { event_type: 'track' },
  }
  const lines = readFileSync(
    new URL('../../../shared/data/otto_recsys_train_sample.jsonl', import.meta.url),
    'utf8',
  )
    .split('\n')
    .filter((l) => l.length > 0)
  const all = parse(cfg, lines).flatMap(events)
  assert.equal(all.length, 862)
  assert.equal(new Set(all.map((e) => e.event_id)).size, 862)
  assert.equal(new Set(all.map((e) => e.visitor_id)).size, 20)
  const orders = all.filter((e) => e.event_name === 'orders')
  assert.equal(orders.length, 10)
  assert.ok(typeof orders[0]!.props?.aid === 'number')
  const bad = parse({ format: 'jsonl' }, [
    '{"event_type":"track"}',
    '{oops',
    '[1]',
    '{"event_type":"pageview","event_time":"soon"}',
  ])
  assert.deepEqual(
    bad.map((o) => (o.kind === 'invalid' ? o.reason : o.kind)),
    ['missing_name', 'invalid_json', 'not_an_object', 'invalid_timestamp'],
  )
  const [p] = events(
    parse({ format: 'jsonl', base_url: 'https://a.example' }, [
      '{"url":"/x?utm_medium=m","user":{"id":"u1"}}',
    ])[0]!,
  )
  assert.equal(p!.page_url, 'https://a.example/x?utm_medium=m')
  assert.equal(p!.utm_medium, 'm')
  assert.deepEqual(p!.props, { user: { id: 'u1' } })
})

test('csv: header line, quoted fields, wrong field counts are invalid', () => {
  assert.deepEqual(splitCsvLine('a,"b,c","d""e",', ','), ['a', 'b,c', 'd"e', ''])
  const out = parse({ format: 'csv', fields: { event_time: 'when' } }, [
    'event_type,event_name,when,visitor_id',
    'track,signup,2024-01-02T03:04:05Z,v1',
    'track,"a, b",1704164645000,v2',
    'track,oops',
    'track,"open,1,v3',
  ])
  assert.equal(events(out[0]!)[0]!.event_name, 'signup')
  assert.equal(events(out[1]!)[0]!.event_name, 'a, b')
  assert.equal(events(out[1]!)[0]!.event_time, 1704164645000)
  assert.deepEqual(
    out.slice(2).map((o) => o.kind === 'invalid' && o.reason),
    ['invalid_csv', 'invalid_csv'],
  )
})

test('regex: named groups are the fields', () => {
  const out = parse(
    {
      format: 'regex',
      pattern: '^(?<event_time>\\S+) (?<visitor_id>\\S+) (?<url>\\S+)$',
      base_url: 'https://r.example',
    },
    ['2024-01-02T03:04:05Z v9 /p/1', 'nope'],
  )
  const [e] = events(out[0]!)
  assert.equal(e!.visitor_id, 'v9')
  assert.equal(e!.page_path, '/p/1')
  assert.equal(out[1]!.kind === 'invalid' && out[1]!.reason, 'no_match')
  assert.equal(formatConfig.safeParse({ format: 'regex', pattern: '(unnamed)' }).success, false)
})

test('splitLines keeps a partial last line for later and cuts lines over the limit', () => {
  const r = splitLines(Buffer.from('a\r\nbb\ncc'), 10, 100)
  assert.deepEqual(
    r.lines.map((l) => [l.text, l.offset]),
    [
      ['a', 10],
      ['bb', 13],
    ],
  )
  assert.equal(r.consumed, 6)
  const long = splitLines(Buffer.from(`${'x'.repeat(300)}\nok\n`), 0, 256)
  assert.deepEqual(
    long.lines.map((l) => l.tooLong),
    [true, false],
  )
})

test('access logs: the props JSON a format writes from its template is exactly JSON.stringify(props)', () => {
  const l = (req: string, status: number, bytes: string) =>
    `1.2.3.4 - - [17/May/2015:10:05:03 +0000] "${req}" ${status} ${bytes} "-" "curl/7"`
  const lines = [
    l('GET /a HTTP/1.1', 200, '1234'),
    l('GET /b HTTP/1.1', 204, '-'),
    l('POST /c HTTP/1.1', 201, '0'),
    l('GET /d HTTP/1.1', 200, '9'.repeat(20)),
    l('PUT /e HTTP/1.1', 200, '5'),
    // escapes in the line take the other path of the parser
    `1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET /f\\"g HTTP/1.1" 200 77 "-" "curl/\\"7"`,
  ]
  for (const format of ['combined', 'common'] as const) {
    const cfg = { format }
    const out = parse(cfg, format === 'combined' ? lines : lines.map((x) => x.replace(/ "-" "[^"]*"$/, '')))
    let written = 0
    for (const o of out) {
      if (o.kind !== 'events') continue
      if (o.propsJson !== undefined) {
        written++
        assert.equal(o.propsJson, JSON.stringify(o.events[0]!.props))
      }
    }
    assert.equal(written, 5, `${format}: every kept line has its props written by the template`)
  }
})
