// The /collect body contract: accepted fields, per-event rejections, request-level errors, clock skew.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { RequestError } from '../../../core/errors.ts'
import { parseCollectBody, type RequestMeta } from './collect-request.ts'

const now = Date.parse('2026-11-21T12:00:00.000Z')
const meta: RequestMeta = {
  receivedAt: now,
  sourceId: 'collector',
  userAgent: 'Mozilla/5.0 test',
  ip: '127.0.0.1',
  site: undefined,
  maxEventBytes: 32 * 1024,
  maxEvents: 100,
}

function requestError(fn: () => unknown): RequestError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof RequestError)
    return err
  }
  assert.fail('expected a RequestError')
}

describe('parseCollectBody', () => {
  test('maps a page view with every field', () => {
    const { events, rejected } = parseCollectBody(
      {
        events: [
          {
            type: 'pageview',
            event_id: 'e1',
            url: 'https://shop.example/p/1?utm_source=news&utm_campaign=nov',
            referrer: 'https://search.example/',
            visitor_id: 'v1',
            session_id: 's1',
            user_id: 'u1',
            title: 'Product',
            timestamp: '2026-11-21T11:59:00Z',
            props: { a: 1 },
          },
        ],
      },
      meta,
    )
    assert.equal(rejected.length, 0)
    const e = events[0]!
    assert.equal(e.event_id, 'e1')
    assert.equal(e.event_type, 'pageview')
    assert.equal(e.site, 'shop.example')
    assert.equal(e.page_path, '/p/1')
    assert.equal(e.utm_source, 'news')
    assert.equal(e.utm_campaign, 'nov')
    assert.equal(e.event_time, Date.parse('2026-11-21T11:59:00Z'))
    assert.equal(e.received_at, now)
    assert.equal(e.sent_at, null)
    assert.equal(e.user_agent, 'Mozilla/5.0 test')
    assert.deepEqual(e.props, { a: 1 })
  })

  test('generates time-ordered UUIDv7 ids and uses received_at without a timestamp', () => {
    const { events } = parseCollectBody({ events: [{ type: 'pageview' }, { type: 'pageview' }] }, meta)
    for (const e of events) {
      assert.match(e.event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      assert.equal(e.event_time, now)
      assert.equal(Number.parseInt(e.event_id.replaceAll('-', '').slice(0, 12), 16), now)
    }
    assert.notEqual(events[0]!.event_id, events[1]!.event_id)
  })

  test('corrects clock skew with sent_at: event_time = received_at - (sent_at - timestamp)', () => {
    // The client clock runs 1 hour fast: it stamped the event 10 s before sending.
    const sentAt = now + 3600_000
    const { events } = parseCollectBody(
      { sent_at: sentAt, events: [{ type: 'pageview', timestamp: sentAt - 10_000 }] },
      meta,
    )
    assert.equal(events[0]!.event_time, now - 10_000)
    assert.equal(events[0]!.sent_at, sentAt)
  })

  test('keeps backfilled timestamps as given', () => {
    const { events } = parseCollectBody(
      { events: [{ type: 'pageview', timestamp: '2015-05-17T10:05:03Z' }] },
      meta,
    )
    assert.equal(events[0]!.event_time, Date.parse('2015-05-17T10:05:03Z'))
  })

  test('rejects bad events by index and keeps the good ones', () => {
    const big = 'x'.repeat(40 * 1024)
    const { events, rejected } = parseCollectBody(
      {
        events: [
          { type: 'pageview' },
          { type: 'nope' },
          { type: 'track' },
          'not an object',
          { type: 'pageview', timestamp: 'yesterday' },
          { type: 'pageview', url: 'not a url' },
          { type: 'pageview', props: [1] },
          { type: 'pageview', props: { big } },
          { type: 'pageview', visitor_id: 42 },
          { type: 'pageview', timestamp: now + 2 * 24 * 3600_000 },
          { type: 'track', name: 'ok' },
        ],
      },
      meta,
    )
    assert.equal(events.length, 2)
    assert.deepEqual(
      rejected.map((r) => [r.index, r.code]),
      [
        [1, 'invalid_event_type'],
        [2, 'missing_name'],
        [3, 'invalid_event'],
        [4, 'invalid_timestamp'],
        [5, 'invalid_url'],
        [6, 'invalid_props'],
        [7, 'event_too_large'],
        [8, 'invalid_field'],
        [9, 'invalid_timestamp'],
      ],
    )
    assert.equal(rejected[0]!.payload, '{"type":"nope"}')
  })

  test('refuses malformed requests as a whole', () => {
    assert.equal(requestError(() => parseCollectBody([], meta)).code, 'invalid_body')
    assert.equal(requestError(() => parseCollectBody({ events: {} }, meta)).code, 'invalid_body')
    assert.equal(
      requestError(() => parseCollectBody({ events: [], sent_at: 'soon' }, meta)).code,
      'invalid_sent_at',
    )
    const many = requestError(() => parseCollectBody({ events: Array(101).fill({ type: 'pageview' }) }, meta))
    assert.equal(many.status, 413)
    assert.equal(many.code, 'too_many_events')
  })

  test("a server's event names its user's browser and address over the request's own", () => {
    const { events, rejected } = parseCollectBody(
      {
        events: [
          {
            type: 'pageview',
            url: 'https://a.example/',
            user_agent: 'Mozilla/5.0 (end user)',
            ip: '203.0.113.9',
          },
          { type: 'pageview', url: 'https://a.example/' },
          { type: 'pageview', url: 'https://a.example/', ip: 'not-an-address' },
        ],
      },
      meta,
    )
    assert.equal(events[0]!.user_agent, 'Mozilla/5.0 (end user)')
    assert.equal(events[0]!.ip, '203.0.113.9')
    assert.equal(events[1]!.user_agent, 'Mozilla/5.0 test', 'else the request header')
    assert.equal(events[1]!.ip, '127.0.0.1')
    assert.deepEqual(
      rejected.map((r) => [r.index, r.code]),
      [[2, 'invalid_field']],
    )
  })

  test('a configured site wins over the URL host', () => {
    const { events } = parseCollectBody(
      { events: [{ type: 'pageview', url: 'https://a.example/' }] },
      { ...meta, site: 'main' },
    )
    assert.equal(events[0]!.site, 'main')
  })

  test("an event's site wins over the URL host, a configured site over both", () => {
    const body = {
      events: [
        { type: 'pageview', url: 'https://a.example/', site: 'shop' },
        { type: 'track', name: 'x', site: 'shop' },
      ],
    }
    const { events } = parseCollectBody(body, meta)
    assert.deepEqual(
      events.map((e) => e.site),
      ['shop', 'shop'],
    )
    assert.equal(parseCollectBody(body, { ...meta, site: 'main' }).events[0]!.site, 'main')
    assert.equal(
      parseCollectBody({ events: [{ type: 'pageview', site: 7 }] }, meta).rejected[0]!.code,
      'invalid_field',
    )
  })
})
