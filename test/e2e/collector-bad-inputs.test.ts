// A table of hostile or broken inputs to the collector: each gets its documented answer, the process
// survives all of them, and /metrics counts each by reason.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { gzipSync } from 'node:zlib'
import {
  type Clickflow,
  killAll,
  metricValue,
  scrapeMetrics,
  start,
  tempDir,
} from '../helpers/clickflow-process.ts'

interface Answer {
  status: number
  body: string
}

/** Sends raw bytes with node:http, so headers and bodies can be as broken as needed. */
function send(
  url: string,
  body: Buffer | string,
  headers: Record<string, string>,
  method = 'POST',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      )
    })
    req.on('error', reject)
    req.end(body)
  })
}

const json = { 'content-type': 'application/json' }

interface Case {
  name: string
  body: Buffer | string
  headers?: Record<string, string>
  status: number
  code: string
  /** For per-event refusals: the request is answered 200 with this code in `rejected`. */
  rejected?: boolean
}

const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) })

const CASES: Case[] = [
  { name: 'malformed JSON', body: '{"events": [', status: 400, code: 'invalid_json' },
  {
    name: 'invalid UTF-8',
    body: Buffer.concat([
      Buffer.from('{"events":[{"type":"pageview","name":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}]}'),
    ]),
    status: 400,
    code: 'invalid_utf8',
  },
  // V8 parses deep nesting without recursion: a bare array bomb is simply not a /collect body.
  {
    name: 'array nesting bomb',
    body: `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
    status: 400,
    code: 'invalid_body',
  },
  {
    name: 'props nesting bomb',
    body: `{"events":[{"type":"pageview","props":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}]}`,
    status: 200,
    code: 'props_too_deep',
    rejected: true,
  },
  { name: 'body not an object', body: '[1,2,3]', status: 400, code: 'invalid_body' },
  { name: 'events not a list', body: '{"events": "many"}', status: 400, code: 'invalid_body' },
  {
    name: 'too many events',
    body: JSON.stringify({ events: Array(1001).fill({ type: 'pageview' }) }),
    status: 413,
    code: 'too_many_events',
  },
  {
    name: 'body too large',
    body: JSON.stringify({ events: [{ type: 'pageview', props: { x: 'y'.repeat(1_100_000) } }] }),
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'gzip bomb',
    body: gzipSync(
      Buffer.from(JSON.stringify({ events: [{ type: 'pageview', props: { x: 'z'.repeat(5_000_000) } }] })),
    ),
    headers: { 'content-encoding': 'gzip' },
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'unknown encoding',
    body: 'x',
    headers: { 'content-encoding': 'br' },
    status: 415,
    code: 'unsupported_encoding',
  },
  {
    name: 'wrong content type',
    body: '<events/>',
    headers: { 'content-type': 'application/xml' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'bad sent_at',
    body: '{"events": [], "sent_at": "tomorrow"}',
    status: 400,
    code: 'invalid_sent_at',
  },
  {
    name: 'wrong field type',
    body: JSON.stringify({ events: [{ type: 'pageview', visitor_id: 42 }] }),
    status: 200,
    code: 'invalid_field',
    rejected: true,
  },
  {
    name: 'deep props',
    body: JSON.stringify({ events: [{ type: 'pageview', props: deep(20) }] }),
    status: 200,
    code: 'props_too_deep',
    rejected: true,
  },
  {
    name: 'unknown type',
    body: JSON.stringify({ events: [{ type: 'purchase' }] }),
    status: 200,
    code: 'invalid_event_type',
    rejected: true,
  },
  {
    name: 'huge event',
    body: JSON.stringify({ events: [{ type: 'pageview', props: { x: 'y'.repeat(40_000) } }] }),
    status: 200,
    code: 'event_too_large',
    rejected: true,
  },
]

describe('collector: bad inputs', () => {
  let cf: Clickflow
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => {
    dir = await tempDir()
    cf = await start(dir.path)
  })
  after(async () => {
    await killAll()
    await dir.remove()
  })

  for (const c of CASES) {
    test(`${c.name} -> ${c.status} ${c.code}`, async () => {
      const res = await send(cf.collectUrl, c.body, { ...json, ...c.headers })
      assert.equal(res.status, c.status, res.body.slice(0, 300))
      const body = JSON.parse(res.body) as { code?: string; rejected?: { code: string }[] }
      if (c.rejected) assert.equal(body.rejected?.[0]?.code, c.code)
      else assert.equal(body.code, c.code)
    })
  }

  test('a header or cookie over 16 KB -> 431 headers_too_large', async () => {
    const res = await send(cf.collectUrl, '{"events":[]}', { ...json, cookie: `c=${'x'.repeat(20_000)}` })
    assert.equal(res.status, 431)
    assert.equal((JSON.parse(res.body) as { code: string }).code, 'headers_too_large')
  })

  test('unknown fields are ignored, the event is accepted', async () => {
    const res = await send(
      cf.collectUrl,
      JSON.stringify({ events: [{ type: 'pageview', colour: 'blue' }], extra: 1 }),
      json,
    )
    assert.equal(res.status, 200)
    assert.equal((JSON.parse(res.body) as { accepted: number }).accepted, 1)
  })

  test('the process survived everything and counted each refusal by reason', async () => {
    const health = await fetch(`${cf.collectUrl.replace('/collect', '')}/healthz`)
    assert.equal(health.status, 200)
    const metrics = await scrapeMetrics(cf.adminUrl)
    const codes = [...CASES.map((c) => c.code), 'headers_too_large']
    const expected = new Map<string, number>()
    for (const code of codes) expected.set(code, (expected.get(code) ?? 0) + 1)
    for (const [reason, n] of expected) {
      assert.equal(
        metricValue(metrics, 'clickflow_component_discarded_events_total', {
          component_id: 'collector',
          reason,
        }),
        n,
        reason,
      )
    }
  })
})
