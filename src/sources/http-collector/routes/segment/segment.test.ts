// The Segment routes with a real server and the real @segment/analytics-node client: every call lands
// with the documented mapping; gzip bodies (also mislabelled); each limit answered as Segment does.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { Analytics } from '@segment/analytics-node'
import { MemoryWriter } from '../../../../../test/conformance/source-conformance.ts'
import { testContext } from '../../../../../test/helpers/build-context.ts'
import { ManualClock } from '../../../../core/clock.ts'
import type { Source } from '../../../../core/component.ts'
import type { ClickEvent } from '../../../../core/event.ts'
import { httpCollectorSource } from '../../index.ts'

const NOW = Date.parse('2026-11-21T12:00:00.000Z')

interface Running {
  source: Source
  out: MemoryWriter
  base: string
  clock: ManualClock
  stop(): Promise<void>
}

async function start(overrides: Record<string, unknown> = {}): Promise<Running> {
  const clock = new ManualClock(NOW)
  const ctx = testContext({ id: 'collector', type: 'http_collector', kind: 'source', clock })
  const cfg = httpCollectorSource.config.parse({
    host: '127.0.0.1',
    port: 0,
    derive_visitor_id: false,
    ...overrides,
  })
  const source = await httpCollectorSource.build(cfg, ctx)
  const out = new MemoryWriter()
  await source.start(out)
  const base = new URL(source.urls()[0]!).origin
  return { source, out, base, clock, stop: () => source.stop() }
}

function basic(key: string): string {
  return `Basic ${Buffer.from(`${key}:`).toString('base64')}`
}

async function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

function byType(events: readonly ClickEvent[], type: string): ClickEvent {
  const e = events.find((x) => x.event_type === type)
  assert.ok(e, `an event of type ${type}`)
  return e
}

describe('segment routes with @segment/analytics-node', () => {
  test('identify, page, track, screen, group and alias land with the documented mapping', async () => {
    const c = await start()
    try {
      const analytics = new Analytics({ writeKey: 'wk_test', host: c.base, flushAt: 20, maxRetries: 0 })
      const errors: unknown[] = []
      analytics.on('error', (err) => errors.push(err))
      analytics.identify({
        userId: 'u1',
        anonymousId: 'a1',
        traits: { email: 'ada@example.com', plan: 'pro' },
        messageId: 'm-identify',
      })
      analytics.page({
        anonymousId: 'a1',
        name: 'Pricing',
        category: 'Docs',
        properties: {
          url: 'https://shop.example/pricing?utm_source=news&utm_medium=email&utm_content=banner',
          title: 'Pricing - Shop',
          referrer: 'https://search.example/',
          plan_shown: 'pro',
        },
        context: {
          ip: '203.0.113.7',
          userAgent: 'Mozilla/5.0 (end user)',
          campaign: { name: 'nov', source: 'newsletter', medium: 'mail' },
          locale: 'de-DE',
        },
      })
      analytics.track({
        userId: 'u1',
        event: 'Order Completed',
        properties: { total: 42.5, currency: 'EUR' },
      })
      analytics.screen({ userId: 'u1', name: 'Home', properties: { tab: 'feed' } })
      analytics.group({ userId: 'u1', groupId: 'g1', traits: { name: 'Acme' } })
      analytics.alias({ userId: 'u1', previousId: 'a1' })
      await analytics.closeAndFlush()
      assert.deepEqual(errors, [])
      assert.equal(c.out.deadLetters.length, 0)
      const events = c.out.events
      assert.equal(events.length, 6)
      for (const e of events) {
        assert.equal(e.source_id, 'collector')
        assert.equal(e.received_at, NOW)
        assert.ok(e.sent_at !== null, 'the batch sentAt is kept')
        // The end user's browser when the context names it; never the SDK's own User-Agent header,
        // which bot detection would flag.
        assert.equal(e.user_agent, e.event_type === 'pageview' ? 'Mozilla/5.0 (end user)' : null)
        const seg = e.props?._segment as Record<string, unknown>
        assert.equal(seg.write_key, 'wk_test', 'the key is recorded when none are configured')
        assert.equal((seg.context as { library: { name: string } }).library.name, '@segment/analytics-node')
      }

      const identify = byType(events, 'identify')
      assert.equal(identify.event_id, 'm-identify')
      assert.equal(identify.user_id, 'u1')
      assert.equal(identify.visitor_id, 'a1')
      assert.deepEqual(identify.props?.traits, { email: 'ada@example.com', plan: 'pro' })

      const page = byType(events, 'pageview')
      assert.equal(page.event_name, 'Pricing')
      assert.equal(page.visitor_id, 'a1')
      assert.equal(page.user_id, null)
      assert.equal(
        page.page_url,
        'https://shop.example/pricing?utm_source=news&utm_medium=email&utm_content=banner',
      )
      assert.equal(page.page_path, '/pricing')
      assert.equal(page.page_title, 'Pricing - Shop')
      assert.equal(page.referrer, 'https://search.example/')
      assert.equal(page.site, 'shop.example')
      assert.equal(page.ip, '203.0.113.7', 'context.ip wins over the socket')
      assert.equal(page.utm_campaign, 'nov')
      assert.equal(page.utm_source, 'newsletter', 'context.campaign wins over the URL')
      assert.equal(page.utm_medium, 'mail')
      assert.equal(page.utm_content, 'banner', 'the URL fills what the campaign lacks')
      assert.equal(page.props?.plan_shown, 'pro')
      const pageSeg = page.props?._segment as Record<string, unknown>
      assert.equal(pageSeg.category, 'Docs')
      assert.equal((pageSeg.context as Record<string, unknown>).locale, 'de-DE')
      assert.equal(
        (pageSeg.context as Record<string, unknown>).ip,
        undefined,
        'mapped context is not repeated',
      )

      const track = byType(events, 'track')
      assert.equal(track.event_name, 'Order Completed')
      assert.equal(track.props?.total, 42.5)
      assert.equal(track.props?.currency, 'EUR')
      assert.equal(track.ip, '127.0.0.1')
      assert.match(track.event_id, /^node-next-\d+-[0-9a-f-]{36}$/, "analytics-node's messageId")

      const screen = byType(events, 'screen')
      assert.equal(screen.event_name, 'Home')
      assert.equal(screen.props?.tab, 'feed')

      const group = byType(events, 'group')
      assert.equal(group.props?.group_id, 'g1')
      assert.deepEqual(group.props?.traits, { name: 'Acme' })

      const alias = byType(events, 'alias')
      assert.equal(alias.user_id, 'u1')
      assert.equal(alias.props?.previous_id, 'a1')
    } finally {
      await c.stop()
    }
  })

  test('configured keys: the key names the site; a wrong key gets 401 and nothing is stored', async () => {
    const c = await start({ segment_write_keys: { wk_shop: 'shop', wk_blog: 'blog' } })
    try {
      const good = new Analytics({ writeKey: 'wk_blog', host: c.base, maxRetries: 0 })
      good.track({ anonymousId: 'a1', event: 'Read', context: { page: { url: 'https://other.example/x' } } })
      await good.closeAndFlush()
      assert.equal(c.out.events.length, 1)
      assert.equal(c.out.events[0]!.site, 'blog', "the key's site wins over the page host")
      assert.equal(c.out.events[0]!.page_path, '/x')
      const seg = (c.out.events[0]!.props?._segment ?? {}) as Record<string, unknown>
      assert.equal(seg.write_key, undefined, 'a configured key is not recorded')
      assert.ok(seg.context, 'the library context is kept')

      const statuses: number[] = []
      const bad = new Analytics({ writeKey: 'wk_nope', host: c.base, maxRetries: 0 })
      bad.on('http_response', (r) => statuses.push(r.status))
      bad.track({ anonymousId: 'a1', event: 'Read' })
      await bad.closeAndFlush()
      assert.deepEqual(statuses, [401])
      assert.equal(c.out.events.length, 1)

      const msg = JSON.stringify({ batch: [{ type: 'track', event: 'x', anonymousId: 'a' }] })
      const wrong = await post(`${c.base}/v1/batch`, msg, { authorization: basic('wk_nope') })
      assert.equal(wrong.status, 401)
      assert.equal(wrong.json.code, 'invalid_write_key')
      const missing = await post(`${c.base}/v1/batch`, msg)
      assert.equal(missing.status, 401)
      assert.equal(missing.json.code, 'missing_write_key')
      assert.equal(typeof missing.json.message, 'string')
      // writeKey in the body works as well as Basic auth.
      const inBody = await post(
        `${c.base}/v1/track`,
        JSON.stringify({ writeKey: 'wk_shop', event: 'x', userId: 'u' }),
      )
      assert.deepEqual(inBody, { status: 200, json: { success: true } })
      assert.equal(c.out.events.at(-1)!.site, 'shop')
      assert.equal(c.out.events.length, 2)
    } finally {
      await c.stop()
    }
  })
})

describe('segment routes: bodies and limits', () => {
  test('single calls at each path; any key accepted, or none', async () => {
    const c = await start()
    try {
      const calls: [string, Record<string, unknown>, string][] = [
        ['track', { event: 'Clicked' }, 'track'],
        ['page', { name: 'Home', properties: { url: 'https://a.example/' } }, 'pageview'],
        ['identify', { traits: { a: 1 } }, 'identify'],
        ['screen', { name: 'Feed' }, 'screen'],
        ['group', { groupId: 'g' }, 'group'],
        ['alias', { previousId: 'old' }, 'alias'],
      ]
      for (const [call, body, type] of calls) {
        const res = await post(
          `${c.base}/v1/${call}`,
          JSON.stringify({ userId: 'u', type: 'nonsense', ...body }),
        )
        assert.deepEqual(res, { status: 200, json: { success: true } }, call)
        assert.equal(c.out.events.at(-1)!.event_type, type, 'the path says the type')
      }
      assert.equal(c.out.events[0]!.props, null, 'no key, no context, no properties: no props')
    } finally {
      await c.stop()
    }
  })

  test('a gzip body, with Content-Encoding and mislabelled as a form without it', async () => {
    const c = await start()
    try {
      const body = gzipSync(
        JSON.stringify({ batch: [{ type: 'track', event: 'Zipped', anonymousId: 'a1', messageId: 'z1' }] }),
      )
      const labelled = await post(`${c.base}/v1/batch`, body, {
        'content-encoding': 'gzip',
        authorization: basic('k'),
      })
      assert.deepEqual(labelled, { status: 200, json: { success: true } })
      // One SDK sends gzipped JSON as application/x-www-form-urlencoded and no Content-Encoding.
      const body2 = gzipSync(
        JSON.stringify({ batch: [{ type: 'track', event: 'Zipped', anonymousId: 'a1', messageId: 'z2' }] }),
      )
      const mislabelled = await post(`${c.base}/v1/batch`, body2, {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic('k'),
      })
      assert.deepEqual(mislabelled, { status: 200, json: { success: true } })
      assert.deepEqual(
        c.out.events.map((e) => [e.event_id, e.event_name]),
        [
          ['z1', 'Zipped'],
          ['z2', 'Zipped'],
        ],
      )
    } finally {
      await c.stop()
    }
  })

  test('each limit and bad input gets the answer Segment gives', async () => {
    const c = await start()
    try {
      const batch = (msgs: unknown[]) => JSON.stringify({ batch: msgs })
      const big = 'x'.repeat(33 * 1024)
      const url = `${c.base}/v1/batch`

      // One message over 32 KB: 400, and nothing of the batch is stored.
      const tooBigEvent = await post(
        url,
        batch([
          { type: 'track', event: 'ok', userId: 'u' },
          { type: 'track', event: 'big', userId: 'u', properties: { big } },
        ]),
      )
      assert.equal(tooBigEvent.status, 400)
      assert.equal(tooBigEvent.json.code, 'event_too_large')
      // A single call over 32 KB.
      const tooBigCall = await post(
        `${c.base}/v1/track`,
        JSON.stringify({ event: 'big', userId: 'u', properties: { big } }),
      )
      assert.equal(tooBigCall.status, 400)
      assert.equal(tooBigCall.json.code, 'body_too_large')
      // A batch over 500 KB, made of messages under 32 KB each; also when gzipped small.
      const many = batch(
        Array.from({ length: 20 }, () => ({
          type: 'track',
          event: 'e',
          userId: 'u',
          properties: { s: 'y'.repeat(30 * 1024) },
        })),
      )
      const tooBigBatch = await post(url, many)
      assert.equal(tooBigBatch.status, 400)
      assert.equal(tooBigBatch.json.code, 'body_too_large')
      const zipped = await post(url, gzipSync(many), { 'content-encoding': 'gzip' })
      assert.equal(zipped.status, 400)
      const sniffed = await post(url, gzipSync(many))
      assert.equal(sniffed.status, 400)
      assert.equal(sniffed.json.code, 'body_too_large')
      // Bad JSON, and JSON that is not a Segment body.
      const badJson = await post(url, '{"batch": [')
      assert.equal(badJson.status, 400)
      assert.equal(badJson.json.code, 'invalid_json')
      const notBatch = await post(url, '{"batch": {}}')
      assert.equal(notBatch.status, 400)
      assert.equal(notBatch.json.code, 'invalid_body')
      const deep = await post(
        url,
        batch([
          {
            type: 'track',
            event: 'e',
            userId: 'u',
            properties: { d: JSON.parse('['.repeat(100) + ']'.repeat(100)) },
          },
        ]),
      )
      assert.equal(deep.status, 400)
      assert.equal(deep.json.code, 'invalid_body')
      assert.equal(c.out.events.length, 0)
      assert.equal(c.out.deadLetters.length, 0)

      // No userId and no anonymousId: Segment answers 200 and does not take the message; we keep it
      // as a dead letter and list it. The rest of the batch is stored.
      const noId = await post(
        url,
        batch([
          { type: 'track', event: 'anon' },
          { type: 'track', event: 'ok', anonymousId: 'a' },
          { type: 'track', userId: 'u' },
        ]),
      )
      assert.equal(noId.status, 200)
      assert.equal(noId.json.success, true)
      assert.deepEqual(
        (noId.json.rejected as { index: number; code: string }[]).map((r) => [r.index, r.code]),
        [
          [0, 'missing_identity'],
          [2, 'missing_name'],
        ],
      )
      assert.equal(c.out.events.length, 1)
      assert.deepEqual(
        c.out.deadLetters.map((d) => [d.reason, JSON.parse(d.payload).event ?? null]),
        [
          ['missing_identity', 'anon'],
          ['missing_name', null],
        ],
      )
      const single = await post(`${c.base}/v1/identify`, JSON.stringify({ traits: {} }))
      assert.equal(single.status, 200)
      assert.equal((single.json.rejected as { code: string }[])[0]!.code, 'missing_identity')
    } finally {
      await c.stop()
    }
  })

  test('clock skew: event_time = received_at - (sentAt - timestamp), batch-level and per message', async () => {
    const c = await start()
    try {
      // The device clock runs 1 hour fast: it stamped the events 10 s and 20 s before sending.
      const sentAt = NOW + 3600_000
      const iso = (ms: number) => new Date(ms).toISOString()
      const res = await post(
        `${c.base}/v1/batch`,
        JSON.stringify({
          sentAt: iso(sentAt),
          batch: [
            { type: 'track', event: 'a', userId: 'u', timestamp: iso(sentAt - 10_000) },
            // Its own sentAt wins over the batch's: this device runs 2 hours slow.
            {
              type: 'track',
              event: 'b',
              userId: 'u',
              timestamp: iso(NOW - 7200_000 - 20_000),
              sentAt: iso(NOW - 7200_000),
            },
            { type: 'track', event: 'c', userId: 'u' },
            // Far in the future even after correction: refused, as /collect does.
            { type: 'track', event: 'd', userId: 'u', timestamp: iso(sentAt + 2 * 86_400_000) },
          ],
        }),
      )
      assert.equal(res.status, 200)
      assert.deepEqual(
        c.out.events.map((e) => [e.event_name, e.event_time - NOW]),
        [
          ['a', -10_000],
          ['b', -20_000],
          ['c', 0],
        ],
      )
      assert.equal(c.out.events[0]!.sent_at, sentAt)
      assert.equal(c.out.deadLetters[0]!.reason, 'invalid_timestamp')
      // Without sentAt a timestamp is kept as given (a backfill).
      await post(
        `${c.base}/v1/track`,
        JSON.stringify({ event: 'old', userId: 'u', timestamp: '2015-05-17T10:05:03Z' }),
      )
      assert.equal(c.out.events.at(-1)!.event_time, Date.parse('2015-05-17T10:05:03Z'))
    } finally {
      await c.stop()
    }
  })
})
