// The csc-event mapping, with requests built from the parameter description in protocols.md.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ClickEvent } from '../../../../core/event.ts'
import { jsonDepth } from '../../../../http/read-body.ts'
import { checksumParam } from './checksum.ts'
import { type CscMeta, parseCscEvent } from './csc-event.ts'

const NOW = Date.UTC(2026, 2, 1, 12)
const META: CscMeta = {
  receivedAt: NOW,
  sourceId: 'collector',
  userAgent: 'UA',
  ip: '192.0.2.1',
  site: undefined,
}

/** A page view as divolte.js would send it, with overrides; `x` is computed unless given. */
function request(over: Record<string, string | null> = {}): URLSearchParams {
  const fields: Record<string, string | null> = {
    p: '0:lz3k9q1a:Vq7tBqzCkz5h8gqXUJkyH1Vq',
    s: '0:lz3k9q1b:KzK4a6xC0c1Zp3wQ0mYt7Ppn',
    v: 'k2Fq9vC7b8mzT1Lw0pXr',
    e: 'k2Fq9vC7b8mzT1Lw0pXr0',
    c: (NOW - 1500).toString(36),
    n: 't',
    f: 't',
    l: 'https://shop.example/products/42?utm_source=news&utm_medium=email',
    r: 'https://search.example/?q=shoes',
    i: (1920).toString(36),
    j: (1080).toString(36),
    k: (2).toString(36),
    w: (1280).toString(36),
    h: (720).toString(36),
    t: 'pageView',
    ...over,
  }
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(fields)) if (v !== null && k !== 'x') q.append(k, v)
  const x = 'x' in over ? over.x : checksumParam(q)
  if (x !== null && x !== undefined) q.set('x', x)
  return q
}

function divolteProps(e: ClickEvent): Record<string, unknown> {
  return e.props?._divolte as Record<string, unknown>
}

function event(q: URLSearchParams) {
  const out = parseCscEvent(q, q.toString(), META)
  assert.equal(out.kind, 'event', JSON.stringify(out))
  if (out.kind !== 'event') throw new Error('unreachable')
  return out.event
}

test('a page view maps every parameter', () => {
  const e = event(request())
  assert.equal(e.is_corrupt, false)
  assert.equal(e.event_type, 'pageview')
  assert.equal(e.event_name, null)
  assert.equal(e.visitor_id, '0:lz3k9q1a:Vq7tBqzCkz5h8gqXUJkyH1Vq')
  assert.equal(e.session_id, '0:lz3k9q1b:KzK4a6xC0c1Zp3wQ0mYt7Ppn')
  assert.equal(e.page_view_id, 'k2Fq9vC7b8mzT1Lw0pXr')
  assert.equal(e.event_id, 'k2Fq9vC7b8mzT1Lw0pXr0')
  assert.equal(e.event_time, NOW - 1500)
  assert.equal(e.received_at, NOW)
  assert.equal(e.page_url, 'https://shop.example/products/42?utm_source=news&utm_medium=email')
  assert.equal(e.page_path, '/products/42')
  assert.equal(e.site, 'shop.example')
  assert.equal(e.utm_source, 'news')
  assert.equal(e.utm_medium, 'email')
  assert.equal(e.referrer, 'https://search.example/?q=shoes')
  assert.equal(e.user_agent, 'UA')
  assert.equal(e.ip, '192.0.2.1')
  assert.deepStrictEqual(e.props, {
    _divolte: {
      screen_width: 1920,
      screen_height: 1080,
      viewport_width: 1280,
      viewport_height: 720,
      device_pixel_ratio: 2,
      new_party: true,
      new_session: true,
    },
  })
})

test('a signal with mincode parameters becomes a track event whose props they are', () => {
  const e = event(
    request({ t: 'addToBasket', u: '(sproduct!42!dqty!2!jprice!9.95!atags!ssale!.)', n: 'f', f: 'f' }),
  )
  assert.equal(e.is_corrupt, false)
  assert.equal(e.event_type, 'track')
  assert.equal(e.event_name, 'addToBasket')
  const { _divolte, ...custom } = e.props!
  assert.deepStrictEqual(custom, { product: '42', qty: 2, price: 9.95, tags: ['sale'] })
  assert.equal(divolteProps(e).new_party, false)
  assert.equal(divolteProps(e).new_session, false)
})

test('custom parameters that are not an object go to props._divolte.params', () => {
  const e = event(request({ u: 'asa!sb!.' }))
  assert.deepStrictEqual(divolteProps(e).params, ['a', 'b'])
})

test('a _divolte key among the custom parameters is replaced by the tag details', () => {
  const e = event(request({ u: '(s_divolte!mine!sother!x!)' }))
  assert.equal(e.props?.other, 'x')
  assert.equal(divolteProps(e).screen_width, 1920)
})

test('negative base-36 numbers and fractional pixel ratios', () => {
  const e = event(request({ i: (-5).toString(36), k: (2.625).toString(36), u: `d${(-37).toString(36)}!` }))
  assert.equal(divolteProps(e).screen_width, -5)
  assert.equal(divolteProps(e).device_pixel_ratio, 2.625)
  assert.equal(divolteProps(e).params, -37)
})

test('x missing or wrong: kept, flagged corrupt', () => {
  assert.equal(event(request({ x: null })).is_corrupt, true)
  assert.equal(event(request({ x: '0' })).is_corrupt, true)
  const q = request()
  q.set('l', 'https://shop.example/other')
  assert.equal(event(q).is_corrupt, true, 'a changed parameter no longer matches x')
})

test('a request cut short by a proxy is kept, flagged corrupt', () => {
  const full = request({ u: '(sa!b!)' }).toString()
  const cut = full.slice(0, full.indexOf('&l=') + 20)
  const q = new URLSearchParams(cut)
  const e = event(q)
  assert.equal(e.is_corrupt, true)
  assert.equal(e.visitor_id, '0:lz3k9q1a:Vq7tBqzCkz5h8gqXUJkyH1Vq')
  assert.equal(e.page_url, q.get('l'), 'the cut URL, kept as given')
  assert.ok(!q.has('t') && !q.has('x'))
  assert.equal(e.event_type, 'track', 'with t lost, a nameless track event')
  assert.equal(e.event_name, null)
})

test('a parameter the tag always sends, missing with a valid checksum: still corrupt', () => {
  for (const name of ['s', 'v', 'e', 'c', 'l', 't']) {
    const e = event(request({ [name]: null }))
    assert.equal(e.is_corrupt, true, name)
  }
  const noId = event(request({ e: null }))
  assert.match(noId.event_id, /^[0-9a-f-]{36}$/, 'a generated id stands in for e')
})

test('an unusable client time falls back to received_at, flagged corrupt', () => {
  for (const c of ['not-base36!', (NOW + 2 * 24 * 3600 * 1000).toString(36), (1000).toString(36)]) {
    const e = event(request({ c }))
    assert.equal(e.event_time, NOW, c)
    assert.equal(e.is_corrupt, true, c)
  }
})

test('malformed mincode: kept with the raw text and the reason, flagged corrupt', () => {
  const e = event(request({ u: '(sa!b!' }))
  assert.equal(e.is_corrupt, true)
  assert.equal(divolteProps(e).params_raw, '(sa!b!')
  assert.match(String(divolteProps(e).params_error), /not closed/)
  assert.equal(e.props?.a, undefined)
})

test('custom parameters nest at most 14 levels, so props stay within the 16 of /collect', () => {
  const nested = (levels: number) => 'a'.repeat(levels) + '.'.repeat(levels)
  const ok = event(request({ u: nested(14) }))
  assert.equal(ok.is_corrupt, false)
  assert.equal(jsonDepth(ok.props, 99), 16)
  const deep = event(request({ u: nested(15) }))
  assert.equal(deep.is_corrupt, true)
  assert.match(String(divolteProps(deep).params_error), /nesting deeper than 14 levels/)
})

test('bad party ids are rejected with invalid_party_id and the raw query', () => {
  for (const p of [null, '', 'abc', '1:k1:x', '0:k1', '0:k1:x:y', '0::x', '0:k!:x']) {
    const q = request({ p })
    const out = parseCscEvent(q, q.toString(), META)
    assert.equal(out.kind, 'rejected', String(p))
    if (out.kind !== 'rejected') continue
    assert.equal(out.rejection.code, 'invalid_party_id')
    assert.match(out.rejection.message, /party id p/)
    assert.equal(JSON.parse(out.rejection.payload), q.toString())
  }
})

test('over-long fields are rejected with field_too_long', () => {
  const q = request({ t: 'x'.repeat(201) })
  const out = parseCscEvent(q, q.toString(), META)
  assert.equal(out.kind === 'rejected' && out.rejection.code, 'field_too_long')
})

test('a fixed site from the config wins over the URL host', () => {
  const q = request()
  const out = parseCscEvent(q, q.toString(), { ...META, site: 'shop' })
  assert.equal(out.kind === 'event' && out.event.site, 'shop')
})
