// Divolte's browser protocol against a real collector and a real client: requests built from the
// parameter description in protocols.md, answered with the GIF once durable, 304 for a re-sent one.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { MemoryWriter } from '../../../../../test/conformance/source-conformance.ts'
import { testContext } from '../../../../../test/helpers/build-context.ts'
import type { Source } from '../../../../core/component.ts'
import { httpCollectorSource } from '../../index.ts'
import { SENTINEL_ETAG, TRANSPARENT_GIF } from '../gif-reply.ts'
import { checksumParam } from './checksum.ts'

let source: Source
let out: MemoryWriter
let base: string

before(async () => {
  const ctx = testContext({ id: 'collector', type: 'http_collector', kind: 'source' })
  const cfg = httpCollectorSource.config.parse({ host: '127.0.0.1', port: 0, derive_visitor_id: false })
  source = await httpCollectorSource.build(cfg, ctx)
  out = new MemoryWriter()
  await source.start(out)
  base = new URL(source.urls()[0]!).origin
})

after(() => source.stop())

/** The query divolte.js would send for a page view, with overrides; `x` computed unless given. */
function query(over: Record<string, string | null> = {}): string {
  const now = Date.now()
  const fields: Record<string, string | null> = {
    p: `0:${now.toString(36)}:Vq7tBqzCkz5h8gqXUJkyH1Vq`,
    s: `0:${now.toString(36)}:KzK4a6xC0c1Zp3wQ0mYt7Ppn`,
    v: 'k2Fq9vC7b8mzT1Lw0pXr',
    e: `k2Fq9vC7b8mzT1Lw0pXr${Math.random().toString(16).slice(2, 6)}`,
    c: now.toString(36),
    n: 't',
    f: 'f',
    l: 'https://shop.example/products/42?utm_campaign=spring',
    i: (1920).toString(36),
    j: (1080).toString(36),
    k: (1).toString(36),
    w: (1280).toString(36),
    h: (720).toString(36),
    t: 'pageView',
    ...over,
  }
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(fields)) if (v !== null && k !== 'x') q.append(k, v)
  const x = 'x' in over ? over.x : checksumParam(q)
  if (x !== null && x !== undefined) q.append('x', x)
  return q.toString()
}

/** Sends one request and returns the response with the events and dead letters it added. */
async function send(q: string, headers: Record<string, string> = {}) {
  const events = out.events.length
  const dead = out.deadLetters.length
  const res = await fetch(`${base}/csc-event?${q}`, { headers })
  const body = Buffer.from(await res.arrayBuffer())
  return { res, body, events: out.events.slice(events), deadLetters: out.deadLetters.slice(dead) }
}

function assertGif(res: Response, body: Buffer): void {
  assert.equal(res.status, 200)
  assert.deepStrictEqual(body, TRANSPARENT_GIF)
  assert.equal(body.length, 43)
  assert.equal(res.headers.get('content-type'), 'image/gif')
  assert.equal(res.headers.get('content-length'), '43')
  assert.equal(res.headers.get('cache-control'), 'private, no-cache, proxy-revalidate')
  assert.equal(res.headers.get('pragma'), 'no-cache')
  assert.ok(Date.parse(res.headers.get('expires')!) < Date.UTC(2000, 0, 1), 'Expires long past')
  assert.equal(res.headers.get('etag'), SENTINEL_ETAG)
}

describe('GET /csc-event', () => {
  test('the GIF: 43 bytes of a 1x1 transparent GIF89a', () => {
    const gif = TRANSPARENT_GIF
    assert.equal(gif.length, 43)
    assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a')
    assert.equal(gif.readUInt16LE(6), 1, 'width')
    assert.equal(gif.readUInt16LE(8), 1, 'height')
    const gce = gif.indexOf(Buffer.from([0x21, 0xf9, 0x04]))
    assert.equal(gif[gce + 3]! & 1, 1, 'transparency flag set')
    assert.equal(gif[gce + 6], 0, 'colour 0 is transparent')
    assert.equal(gif[gif.length - 1], 0x3b, 'trailer')
  })

  test('a page view with a correct checksum: recorded, not corrupt, answered with the GIF', async () => {
    const q = query()
    const { res, body, events, deadLetters } = await send(q, { 'user-agent': 'divolte-test' })
    assertGif(res, body)
    assert.equal(deadLetters.length, 0)
    assert.equal(events.length, 1)
    const e = events[0]!
    const params = new URLSearchParams(q)
    assert.equal(e.is_corrupt, false)
    assert.equal(e.event_type, 'pageview')
    assert.equal(e.event_id, params.get('e'))
    assert.equal(e.visitor_id, params.get('p'))
    assert.equal(e.session_id, params.get('s'))
    assert.equal(e.page_view_id, params.get('v'))
    assert.equal(e.event_time, Number.parseInt(params.get('c')!, 36))
    assert.equal(e.source_id, 'collector')
    assert.equal(e.site, 'shop.example')
    assert.equal(e.page_path, '/products/42')
    assert.equal(e.utm_campaign, 'spring')
    assert.equal(e.user_agent, 'divolte-test')
    assert.equal(e.ip, '127.0.0.1')
    assert.deepStrictEqual(e.props, {
      _divolte: {
        screen_width: 1920,
        screen_height: 1080,
        viewport_width: 1280,
        viewport_height: 720,
        device_pixel_ratio: 1,
        new_party: true,
        new_session: false,
      },
    })
  })

  test('a signal with mincode parameters: decoded into props', async () => {
    const u = '(sname!John Doe!dage!16!achildren!sMary!sBill!.jscore!-1.5e3!tok!)'
    const { res, events } = await send(query({ t: 'signup', u }))
    assert.equal(res.status, 200)
    assert.equal(events.length, 1)
    assert.equal(events[0]!.is_corrupt, false)
    assert.equal(events[0]!.event_type, 'track')
    assert.equal(events[0]!.event_name, 'signup')
    const { _divolte, ...custom } = events[0]!.props!
    assert.equal((_divolte as Record<string, unknown>).new_party, true)
    assert.deepStrictEqual(custom, {
      name: 'John Doe',
      age: 42,
      children: ['Mary', 'Bill'],
      score: -1500,
      ok: true,
    })
  })

  test('base-36 negative numbers in parameters', async () => {
    const { events } = await send(query({ i: (-1).toString(36), u: `d${(-1295).toString(36)}!` }))
    assert.equal(events[0]!.is_corrupt, false)
    const divolte = events[0]!.props?._divolte as Record<string, unknown>
    assert.equal(divolte.screen_width, -1)
    assert.equal(divolte.params, -1295)
  })

  test('a URL cut short (parameters lost, x gone): kept and flagged corrupt', async () => {
    const full = query({ u: '(sa!b!)' })
    const cut = full.slice(0, full.indexOf('&t='))
    const { res, body, events } = await send(cut)
    assertGif(res, body)
    assert.equal(events.length, 1)
    assert.equal(events[0]!.is_corrupt, true)
    assert.equal(events[0]!.visitor_id, new URLSearchParams(full).get('p'))
  })

  test('a changed parameter no longer matches x: flagged corrupt', async () => {
    const q = new URLSearchParams(query())
    q.set('l', 'https://shop.example/tampered')
    const { events } = await send(q.toString())
    assert.equal(events[0]!.is_corrupt, true)
  })

  test('If-None-Match with the sentinel ETag: 304 and nothing recorded', async () => {
    for (const tag of [SENTINEL_ETAG, `W/${SENTINEL_ETAG}`, `"other", ${SENTINEL_ETAG}`]) {
      const { res, body, events, deadLetters } = await send(query(), { 'if-none-match': tag })
      assert.equal(res.status, 304, tag)
      assert.equal(body.length, 0)
      assert.equal(res.headers.get('etag'), SENTINEL_ETAG)
      assert.equal(res.headers.get('cache-control'), 'private, no-cache, proxy-revalidate')
      assert.equal(events.length + deadLetters.length, 0, 'nothing written')
    }
    const other = await send(query(), { 'if-none-match': '"something-else"' })
    assert.equal(other.res.status, 200, 'another ETag is not ours')
    assert.equal(other.events.length, 1)
  })

  test('a party id that does not parse: dead letter with the raw query, still the GIF', async () => {
    const q = query({ p: 'not-a-party-id' })
    const { res, body, events, deadLetters } = await send(q)
    assertGif(res, body)
    assert.equal(events.length, 0)
    assert.equal(deadLetters.length, 1)
    const d = deadLetters[0]!
    assert.equal(d.reason, 'invalid_party_id')
    assert.equal(d.component_id, 'collector')
    assert.match(d.message, /party id p "not-a-party-id"/)
    assert.equal(JSON.parse(d.payload), q)
  })

  test('only GET', async () => {
    const res = await fetch(`${base}/csc-event?${query()}`, { method: 'POST' })
    assert.equal(res.status, 405)
    await res.arrayBuffer()
  })
})
