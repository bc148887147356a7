// The pure parts of the Segment routes: message mapping edge cases, request-level refusals, write keys.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { RequestError } from '../../../../core/errors.ts'
import { MAX_BATCH_MESSAGES, parseSegmentBody, type RequestMeta } from './segment-request.ts'
import { basicAuthUser, WriteKeys } from './write-key.ts'

const NOW = Date.parse('2026-11-21T12:00:00.000Z')
const meta: RequestMeta = {
  receivedAt: NOW,
  sourceId: 'collector',
  userAgent: 'server/1.0',
  ip: '10.0.0.1',
  site: undefined,
  recordedWriteKey: null,
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

describe('segment message mapping', () => {
  test('track with context.page, numeric userId, originalTimestamp, and an invalid context.ip ignored', () => {
    const { events, rejected } = parseSegmentBody(
      {
        userId: 42,
        anonymousId: '',
        event: 'Signed Up',
        originalTimestamp: '2026-11-21T11:00:00Z',
        context: {
          ip: 'not an ip',
          page: { url: 'https://app.example/signup?gclid=abc', referrer: 'https://t.co/x', title: 'Sign up' },
          device: { type: 'ios' },
        },
        integrations: { All: false },
        _metadata: { nodeVersion: '20' },
      },
      'track',
      meta,
    )
    assert.deepEqual(rejected, [])
    const e = events[0]!
    assert.equal(e.user_id, '42')
    assert.equal(e.visitor_id, null, "'' is no anonymousId")
    assert.equal(e.event_time, Date.parse('2026-11-21T11:00:00Z'))
    assert.equal(e.ip, '10.0.0.1')
    assert.equal(e.page_url, 'https://app.example/signup?gclid=abc')
    assert.equal(e.page_title, 'Sign up')
    assert.equal(e.referrer, 'https://t.co/x')
    assert.equal(e.site, 'app.example')
    // integrations and _metadata are Segment's routing and library internals: dropped.
    assert.deepEqual(e.props, { _segment: { context: { device: { type: 'ios' } } } })
  })

  test('a page with a relative URL keeps it as sent; the fixed site applies', () => {
    const { events } = parseSegmentBody(
      { anonymousId: 'a', properties: { url: '/pricing', path: '/pricing' } },
      'page',
      { ...meta, site: 'main' },
    )
    assert.equal(events[0]!.page_url, '/pricing')
    assert.equal(events[0]!.page_path, '/pricing')
    assert.equal(events[0]!.site, 'main')
  })

  test('the batch context is under each message context; the recorded key goes in props', () => {
    const { events } = parseSegmentBody(
      {
        context: { library: { name: 'lib' }, ip: '198.51.100.1' },
        batch: [
          { type: 'identify', userId: 'u' },
          { type: 'identify', userId: 'u', context: { ip: '198.51.100.2' } },
        ],
      },
      'batch',
      { ...meta, recordedWriteKey: 'k1' },
    )
    assert.deepEqual(
      events.map((e) => e.ip),
      ['198.51.100.1', '198.51.100.2'],
    )
    assert.deepEqual(events[0]!.props, {
      _segment: { write_key: 'k1', context: { library: { name: 'lib' } } },
    })
  })

  test('messages Segment would not accept become rejections, by index', () => {
    const { events, rejected } = parseSegmentBody(
      {
        batch: [
          { type: 'track', event: 'ok', userId: 'u' },
          { type: 'purchase', userId: 'u' },
          'text',
          { type: 'group', userId: 'u' },
          { type: 'alias', userId: 'u' },
          { type: 'track', event: 'x', userId: 'u', properties: [1] },
          { type: 'track', event: 'x', userId: { id: 1 } },
          { type: 'track', event: 'x', userId: 'u', timestamp: 'yesterday' },
          { type: 'track', event: 'x', userId: 'u', sentAt: 'soon' },
          { type: 'track', event: 'x', userId: 'u', messageId: 'm'.repeat(300) },
        ],
      },
      'batch',
      meta,
    )
    assert.equal(events.length, 1)
    assert.deepEqual(
      rejected.map((r) => [r.index, r.code]),
      [
        [1, 'invalid_event_type'],
        [2, 'invalid_event'],
        [3, 'missing_group_id'],
        [4, 'missing_previous_id'],
        [5, 'invalid_props'],
        [6, 'invalid_field'],
        [7, 'invalid_timestamp'],
        [8, 'invalid_sent_at'],
        [9, 'field_too_long'],
      ],
    )
    assert.equal(rejected[1]!.payload, '"text"')
  })

  test('messages past 2500 in one batch are refused one by one, as Segment does', () => {
    const batch = Array.from({ length: MAX_BATCH_MESSAGES + 2 }, () => ({
      type: 'track',
      event: 'e',
      userId: 'u',
    }))
    const { events, rejected } = parseSegmentBody({ batch }, 'batch', meta)
    assert.equal(events.length, MAX_BATCH_MESSAGES)
    assert.deepEqual(
      rejected.map((r) => [r.index, r.code]),
      [
        [MAX_BATCH_MESSAGES, 'too_many_events'],
        [MAX_BATCH_MESSAGES + 1, 'too_many_events'],
      ],
    )
  })
})

describe('segment request refusals', () => {
  test('a body that is no Segment body is a 400', () => {
    for (const [body, call, code] of [
      [[], 'track', 'invalid_body'],
      ['x', 'track', 'invalid_body'],
      [{ batch: 'x' }, 'batch', 'invalid_body'],
      [{ batch: [], context: [] }, 'batch', 'invalid_body'],
      [{ batch: [], sentAt: 'now' }, 'batch', 'invalid_sent_at'],
    ] as const) {
      const err = requestError(() => parseSegmentBody(body, call, meta))
      assert.equal(err.status, 400)
      assert.equal(err.code, code)
    }
  })

  test('a message nested past 64 levels refuses the request; props past 16 refuse the message', () => {
    const bomb = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000))
    const err = requestError(() =>
      parseSegmentBody({ batch: [{ type: 'track', properties: { bomb } }] }, 'batch', meta),
    )
    assert.equal(err.code, 'invalid_body')
    let deep: unknown = 1
    for (let i = 0; i < 20; i++) deep = { d: deep }
    const { rejected } = parseSegmentBody({ userId: 'u', event: 'e', properties: { deep } }, 'track', meta)
    assert.equal(rejected[0]!.code, 'props_too_deep')
  })
})

describe('segment write keys', () => {
  test('basicAuthUser reads the user name of Basic auth', () => {
    const b = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`
    assert.equal(basicAuthUser(b('wk:')), 'wk')
    assert.equal(basicAuthUser(b('wk')), 'wk')
    assert.equal(basicAuthUser(b(':')), null)
    assert.equal(basicAuthUser('Bearer abc'), null)
    assert.equal(basicAuthUser(undefined), null)
  })

  test('no keys configured: any key or none, recorded; configured: only those, with their site', () => {
    const open = new WriteKeys({})
    assert.deepEqual(open.grant('anything'), { site: undefined, recorded: 'anything' })
    assert.deepEqual(open.grant(null), { site: undefined, recorded: null })
    const keys = new WriteKeys({ wk1: 'shop' })
    assert.deepEqual(keys.grant('wk1'), { site: 'shop', recorded: null })
    assert.equal(requestError(() => keys.grant(null)).code, 'missing_write_key')
    const wrong = requestError(() => keys.grant('toString'))
    assert.equal(wrong.status, 401)
    assert.equal(wrong.code, 'invalid_write_key')
    assert.equal(requestError(() => keys.precheck('nope')).code, 'invalid_write_key')
  })
})
