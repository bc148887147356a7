// The dashboard build and the setup answer, without a browser: the bundle fits its budget, the page
// names exactly the built assets, and the snippet points at the configured collector.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { buildDashboard, DASHBOARD_JS_GZIP_BUDGET } from './build.ts'
import { setupFor } from './routes.ts'

describe('dashboard build', () => {
  test('one script and one stylesheet, hashed, within the gzip budget, named by the page', async () => {
    const built = await buildDashboard()
    assert.match(built.script.path, /^\/assets\/app-[\w-]{12}\.js$/)
    assert.match(built.style.path, /^\/assets\/app-[\w-]{12}\.css$/)
    assert.ok(
      built.script.gzip.length <= DASHBOARD_JS_GZIP_BUDGET,
      `${built.script.gzip.length} bytes gzipped`,
    )
    assert.deepEqual(gunzipSync(built.script.gzip), built.script.body)
    const html = built.page.body.toString()
    assert.ok(html.includes(`src="${built.script.path}"`) && html.includes(`href="${built.style.path}"`))
    // Nothing in the page or the bundle points at another origin (no CDN, fonts or images).
    assert.doesNotMatch(html, /https?:\/\//)
    assert.doesNotMatch(built.style.body.toString(), /url\(\s*['"]?https?:/)
    // Built once per process.
    assert.equal(await buildDashboard(), built)
  })

  test('setup names the first collector that serves the tag; a port chosen at start is unknown', () => {
    const source = (port: number, tag_paths: string[]) => ({
      id: 'c',
      kind: 'source' as const,
      type: 'http_collector',
      inputs: [],
      config: { port, tag_paths },
      spec: {} as never,
    })
    const live = (conversion_event: string | null) => ({
      ...source(0, []),
      type: 'live',
      config: { conversion_event },
    })
    assert.deepEqual(setupFor({ sources: [source(8290, ['/t.js', '/tag.js'])], sinks: [live('purchase')] }), {
      tag: { port: 8290, path: '/t.js' },
      conversion_event: 'purchase',
    })
    assert.deepEqual(setupFor({ sources: [source(0, ['/tag.js'])], sinks: [live(null)] }), {
      tag: { port: null, path: '/tag.js' },
      conversion_event: null,
    })
    assert.deepEqual(setupFor({ sources: [source(8290, [])], sinks: [] }), {
      tag: null,
      conversion_event: null,
    })
  })
})
