// Page fields from a URL, also when the parsed URL is remembered: a repeat gives the same fields,
// the site follows each call's fixed site, a URL that is not one stays refused, and click ids found
// elsewhere are kept when the URL has none.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type ClickEvent, emptyEvent } from './event.ts'
import { applyPageUrl } from './page-url.ts'

const fresh = (): ClickEvent =>
  emptyEvent({ event_id: 'e', event_type: 'pageview', event_time: 0, received_at: 0, source_id: 's' })

describe('applyPageUrl', () => {
  test('host, path, query, UTM and click id; the same on a repeat; site per call', () => {
    const url = 'https://Shop.Example.com/a/../b/c?utm_source=news&utm_medium=email&gclid=abc&x=1#top'
    for (const site of [undefined, 'fixed.example', undefined]) {
      const e = fresh()
      assert.equal(applyPageUrl(e, url, site), true)
      assert.deepEqual(
        [e.page_url, e.page_host, e.page_path, e.page_query, e.site],
        [
          url,
          'shop.example.com',
          '/b/c',
          'utm_source=news&utm_medium=email&gclid=abc&x=1',
          site ?? 'shop.example.com',
        ],
      )
      assert.deepEqual(
        [e.utm_source, e.utm_medium, e.utm_campaign, e.click_id_type, e.click_id],
        ['news', 'email', null, 'gclid', 'abc'],
      )
    }
  })

  test('a URL without a query leaves a click id set before; a non-URL is refused every time', () => {
    const e = fresh()
    e.click_id_type = 'fbclid'
    e.click_id = 'from-context'
    assert.equal(applyPageUrl(e, 'https://shop.example.com/plain', undefined), true)
    assert.deepEqual(
      [e.page_query, e.utm_source, e.click_id_type, e.click_id],
      [null, null, 'fbclid', 'from-context'],
    )
    for (let i = 0; i < 2; i++) {
      const bad = fresh()
      assert.equal(applyPageUrl(bad, '/relative/path', undefined), false)
      assert.equal(bad.page_url, null)
    }
  })
})
