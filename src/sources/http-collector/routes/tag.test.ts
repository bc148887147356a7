// The tag route with a real collector: served at every tag path, compressed as the client allows,
// 304 for a matching ETag, HEAD without a body, and the collect path baked into what is served.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { buildTag } from '../../../../tag/build.ts'
import { MemoryWriter } from '../../../../test/conformance/source-conformance.ts'
import { testContext } from '../../../../test/helpers/build-context.ts'
import type { Source } from '../../../core/component.ts'
import { httpCollectorSource } from '../index.ts'
import { etagMatches, pickEncoding } from './tag.ts'

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

async function make(config: Record<string, unknown> = {}): Promise<{ source: Source; base: string }> {
  const ctx = testContext({ id: 'collector', type: 'http_collector', kind: 'source' })
  const source = await httpCollectorSource.build(
    httpCollectorSource.config.parse({ host: '127.0.0.1', port: 0, ...config }),
    ctx,
  )
  await source.start(new MemoryWriter())
  return { source, base: new URL(source.urls()[0]!).origin }
}

/** A raw request (fetch would decompress, hiding the encoding). */
function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

describe('tag route', () => {
  let source: Source
  let base: string
  before(async () => {
    ;({ source, base } = await make())
  })
  after(() => source.stop())

  test('serves the tag gzipped, brotli or plain, with validators and a short cache life', async () => {
    const tag = await buildTag('/collect')
    const gz = await get(`${base}/tag.js`, { 'accept-encoding': 'gzip' })
    assert.equal(gz.status, 200)
    assert.equal(gz.headers['content-type'], 'application/javascript; charset=utf-8')
    assert.equal(gz.headers['content-encoding'], 'gzip')
    assert.equal(gz.headers.vary, 'Accept-Encoding')
    assert.equal(gz.headers['cache-control'], 'public, max-age=3600')
    assert.equal(gz.headers['x-content-type-options'], 'nosniff')
    assert.equal(gz.headers.etag, `W/${tag.etag}`)
    assert.deepEqual(gunzipSync(gz.body), tag.code)

    const br = await get(`${base}/tag.js`, { 'accept-encoding': 'gzip, deflate, br' })
    assert.equal(br.headers['content-encoding'], 'br')
    assert.deepEqual(brotliDecompressSync(br.body), tag.code)

    const plain = await get(`${base}/tag.js`)
    assert.equal(plain.headers['content-encoding'], undefined)
    assert.equal(Number(plain.headers['content-length']), tag.code.length)
    assert.deepEqual(plain.body, tag.code)
  })

  test('answers 304 to a matching If-None-Match, and HEAD without a body', async () => {
    const first = await get(`${base}/tag.js`, { 'accept-encoding': 'gzip' })
    const etag = first.headers.etag as string
    const again = await get(`${base}/tag.js`, { 'accept-encoding': 'gzip', 'if-none-match': etag })
    assert.equal(again.status, 304)
    assert.equal(again.body.length, 0)
    assert.equal(again.headers.etag, etag)
    const stale = await get(`${base}/tag.js`, { 'if-none-match': 'W/"something-else"' })
    assert.equal(stale.status, 200)
    const head = await get(`${base}/tag.js`, { 'accept-encoding': 'gzip' }, 'HEAD')
    assert.equal(head.status, 200)
    assert.equal(head.body.length, 0)
    assert.equal(head.headers['content-length'], first.headers['content-length'])
  })

  test('the neutral path serves the same tag; other methods are refused', async () => {
    const a = await get(`${base}/tag.js`)
    const b = await get(`${base}/js/script.js`)
    assert.equal(b.status, 200)
    assert.deepEqual(b.body, a.body)
    const post = await get(`${base}/tag.js`, {}, 'POST')
    assert.equal(post.status, 405)
  })

  test('a cross-origin request gets the allowed origin echoed, for crossorigin script tags', async () => {
    const res = await get(`${base}/tag.js`, { origin: 'https://shop.example' })
    assert.equal(res.headers['access-control-allow-origin'], 'https://shop.example')
    assert.equal(res.headers.vary, 'Origin, Accept-Encoding')
  })
})

describe('tag route config', () => {
  test('tag_paths and collect_path shape what is served', async () => {
    const { source, base } = await make({ tag_paths: ['/a/b.js'], collect_path: '/in' })
    try {
      assert.equal((await get(`${base}/tag.js`)).status, 404)
      const res = await get(`${base}/a/b.js`)
      assert.equal(res.status, 200)
      assert.match(res.body.toString(), /"\/in"/)
    } finally {
      await source.stop()
    }
  })
})

describe('content negotiation helpers', () => {
  test('pickEncoding prefers br, then gzip, honouring q=0 and *', () => {
    assert.equal(pickEncoding(undefined), 'identity')
    assert.equal(pickEncoding(''), 'identity')
    assert.equal(pickEncoding('gzip'), 'gzip')
    assert.equal(pickEncoding('gzip, deflate, br, zstd'), 'br')
    assert.equal(pickEncoding('br;q=0, gzip;q=0.5'), 'gzip')
    assert.equal(pickEncoding('GZIP;Q=1'), 'gzip')
    assert.equal(pickEncoding('*'), 'br')
    assert.equal(pickEncoding('*;q=0, gzip'), 'gzip')
    assert.equal(pickEncoding('identity'), 'identity')
  })

  test('etagMatches compares weakly and takes lists and *', () => {
    assert.equal(etagMatches(undefined, 'W/"a"'), false)
    assert.equal(etagMatches('"a"', 'W/"a"'), true)
    assert.equal(etagMatches('W/"b", W/"a"', 'W/"a"'), true)
    assert.equal(etagMatches('*', 'W/"a"'), true)
    assert.equal(etagMatches('"b"', 'W/"a"'), false)
  })
})
