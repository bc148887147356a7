// The demo's pure parts: the config change it makes, and the shop's pages.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { loadConfig } from '../config/load.ts'
import { PRODUCTS } from '../generator/catalog.ts'
import { builtinRegistry } from '../topology/builtin-registry.ts'
import { demoConfig } from './demo.ts'
import { renderPage } from './site-pages.ts'

const ctx = {
  tagUrl: 'http://127.0.0.1:8290/tag.js',
  site: 'shop.example.com',
  adminUrl: 'http://127.0.0.1:8291',
}

describe('demo', () => {
  test('demo mode trusts X-Forwarded-For from loopback on http collectors, and changes nothing else', () => {
    const text = `sources:
  collector: { type: http_collector, port: 0, trust_proxy: [10.0.0.0/8] }
  logs: { type: file_tail, groups: [{ dir: /tmp, glob: '*.log' }], parser: { format: combined } }
transforms:
  valid: { type: validate, inputs: [collector, logs] }
sinks:
  store: { type: duckdb, inputs: [valid] }
`
    const config = loadConfig({ text, env: {}, registry: builtinRegistry() })
    const demo = demoConfig(config)
    const collector = demo.sources.find((s) => s.id === 'collector')!.config as { trust_proxy: string[] }
    assert.deepEqual(collector.trust_proxy, ['10.0.0.0/8', '127.0.0.1', '::1'])
    assert.deepEqual(
      demo.sources.find((s) => s.id === 'logs'),
      config.sources.find((s) => s.id === 'logs'),
    )
    // The loaded config itself is left as it was.
    assert.deepEqual((config.sources[0]!.config as { trust_proxy: string[] }).trust_proxy, ['10.0.0.0/8'])
  })

  test('every page loads the tag; product pages track the funnel; unknown paths are not pages', () => {
    for (const path of [
      '/',
      '/products',
      '/category/shoes',
      '/cart',
      '/checkout',
      '/checkout/complete',
      '/blog',
    ]) {
      const html = renderPage(path, ctx)
      assert.ok(
        html?.includes('<script defer src="http://127.0.0.1:8290/tag.js" data-site="shop.example.com">'),
        path,
      )
    }
    const product = renderPage(`/products/${PRODUCTS[0]!.slug}`, ctx)!
    assert.match(product, /clickflow\('track','view_product'/)
    assert.match(product, /clickflow\('track','add_to_cart'/)
    assert.match(renderPage('/checkout', ctx)!, /clickflow\('track','purchase'/)
    for (const path of ['/products/nope', '/category/nope', '/blog/nope', '/admin', '/products/'])
      assert.equal(renderPage(path, ctx), null, path)
  })
})
