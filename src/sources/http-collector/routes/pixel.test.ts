// The /p.gif pixel against a real collector and a real client: the query mapped like /collect's
// fields, the GIF always, and refused requests dead-lettered rather than shown an error.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { MemoryWriter } from '../../../../test/conformance/source-conformance.ts'
import { testContext } from '../../../../test/helpers/build-context.ts'
import type { Source } from '../../../core/component.ts'
import { httpCollectorSource } from '../index.ts'
import { TRANSPARENT_GIF } from './gif-reply.ts'

let source: Source
let out: MemoryWriter
let base: string

before(async () => {
  const ctx = testContext({ id: 'collector', type: 'http_collector', kind: 'source' })
  const cfg = httpCollectorSource.config.parse({
    host: '127.0.0.1',
    port: 0,
    derive_visitor_id: false,
    pixel_path: '/o.gif',
  })
  source = await httpCollectorSource.build(cfg, ctx)
  out = new MemoryWriter()
  await source.start(out)
  base = new URL(source.urls()[0]!).origin
})

after(() => source.stop())

async function pixel(query: string, headers: Record<string, string> = {}) {
  const events = out.events.length
  const dead = out.deadLetters.length
  const res = await fetch(`${base}/o.gif?${query}`, { headers })
  const body = Buffer.from(await res.arrayBuffer())
  assert.equal(res.status, 200)
  assert.deepStrictEqual(body, TRANSPARENT_GIF)
  assert.equal(res.headers.get('content-type'), 'image/gif')
  assert.equal(res.headers.get('cache-control'), 'private, no-cache, no-store, proxy-revalidate')
  assert.equal(res.headers.get('pragma'), 'no-cache')
  assert.ok(Date.parse(res.headers.get('expires')!) < Date.UTC(2000, 0, 1))
  assert.equal(res.headers.get('etag'), null, 'no validator: every load is a new request')
  return { events: out.events.slice(events), deadLetters: out.deadLetters.slice(dead) }
}

describe('GET /p.gif (pixel_path)', () => {
  test('a bare request is a page view with the Referer as its page', async () => {
    const { events } = await pixel('', { referer: 'https://blog.example/post/7?utm_source=rss' })
    assert.equal(events.length, 1)
    const e = events[0]!
    assert.equal(e.event_type, 'pageview')
    assert.equal(e.page_url, 'https://blog.example/post/7?utm_source=rss')
    assert.equal(e.site, 'blog.example')
    assert.equal(e.utm_source, 'rss')
    assert.equal(e.ip, '127.0.0.1')
    assert.equal(e.props, null)
  })

  test('an e-mail open: fields and p_ props mapped like /collect', async () => {
    const q = new URLSearchParams({
      type: 'track',
      name: 'email_open',
      url: 'https://mail.example/newsletter/2026-03?utm_campaign=march',
      event_id: 'open-123',
      user_id: 'u-42',
      visitor_id: 'v-9',
      session_id: 's-1',
      page_view_id: 'pv-1',
      title: 'March news',
      referrer: 'https://mail.example/',
      timestamp: String(Date.UTC(2026, 2, 1)),
      p_campaign: 'march',
      p_variant: 'B',
      ignored: 'yes',
    })
    const { events, deadLetters } = await pixel(q.toString(), { referer: 'https://webmail.example/' })
    assert.equal(deadLetters.length, 0)
    const e = events[0]!
    assert.equal(e.event_type, 'track')
    assert.equal(e.event_name, 'email_open')
    assert.equal(e.event_id, 'open-123')
    assert.equal(e.user_id, 'u-42')
    assert.equal(e.visitor_id, 'v-9')
    assert.equal(e.session_id, 's-1')
    assert.equal(e.page_view_id, 'pv-1')
    assert.equal(e.page_title, 'March news')
    assert.equal(
      e.page_url,
      'https://mail.example/newsletter/2026-03?utm_campaign=march',
      'url wins over Referer',
    )
    assert.equal(e.utm_campaign, 'march')
    assert.equal(e.referrer, 'https://mail.example/')
    assert.equal(e.event_time, Date.UTC(2026, 2, 1))
    assert.deepStrictEqual(e.props, { campaign: 'march', variant: 'B' })
  })

  test('an ISO timestamp', async () => {
    const { events } = await pixel('timestamp=2026-03-01T10:00:00Z')
    assert.equal(events[0]!.event_time, Date.UTC(2026, 2, 1, 10))
  })

  test('bad parameters: dead-lettered with the /collect reason, and still the GIF', async () => {
    const cases: [string, string][] = [
      ['type=purchase', 'invalid_event_type'],
      ['type=track', 'missing_name'],
      ['url=not-a-url', 'invalid_url'],
      ['timestamp=yesterday', 'invalid_timestamp'],
      [`name=${'n'.repeat(201)}&type=track`, 'field_too_long'],
    ]
    for (const [query, reason] of cases) {
      const { events, deadLetters } = await pixel(query)
      assert.equal(events.length, 0, query)
      assert.equal(deadLetters.length, 1, query)
      assert.equal(deadLetters[0]!.reason, reason, query)
      assert.equal(typeof JSON.parse(deadLetters[0]!.payload), 'object', 'the mapped event, as JSON')
    }
  })

  test('the same URL loaded twice is two events (no 304 for the pixel)', async () => {
    const a = await pixel('type=track&name=open&p_id=1')
    const b = await pixel('type=track&name=open&p_id=1', { 'if-none-match': '"clickflow-event-received"' })
    assert.equal(a.events.length + b.events.length, 2)
  })
})
