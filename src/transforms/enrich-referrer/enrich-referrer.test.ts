// enrich_referrer: channel cases from referrers, UTM tags and click ids.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sampleEvent } from '../../../test/conformance/sink-conformance.ts'
import { transformConformance } from '../../../test/conformance/transform-conformance.ts'
import { applyPageUrl } from '../../core/page-url.ts'
import { createEnrichReferrer } from './transform.ts'

transformConformance('enrich_referrer', async () => createEnrichReferrer({ internal_hosts: [] }))

const cases: [string, string, string | null, string, string | null][] = [
  // name, page url, referrer, channel, referrer_host
  ['no referrer', 'https://shop.example/', null, 'direct', null],
  ['google', 'https://shop.example/', 'https://www.google.com/', 'search', 'www.google.com'],
  [
    'google country domain',
    'https://shop.example/',
    'https://www.google.co.uk/',
    'search',
    'www.google.co.uk',
  ],
  ['bing', 'https://shop.example/', 'https://www.bing.com/search?q=x', 'search', 'www.bing.com'],
  ['duckduckgo', 'https://shop.example/', 'https://duckduckgo.com/', 'search', 'duckduckgo.com'],
  ['facebook mobile', 'https://shop.example/', 'https://m.facebook.com/', 'social', 'm.facebook.com'],
  ['t.co', 'https://shop.example/', 'https://t.co/abc', 'social', 't.co'],
  ['reddit', 'https://shop.example/', 'https://old.reddit.com/r/x', 'social', 'old.reddit.com'],
  ['gmail web', 'https://shop.example/', 'https://mail.google.com/', 'email', 'mail.google.com'],
  ['newsletter utm', 'https://shop.example/?utm_source=newsletter&utm_medium=email', null, 'email', null],
  [
    'cpc utm',
    'https://shop.example/?utm_source=google&utm_medium=cpc',
    'https://www.google.com/',
    'paid',
    'www.google.com',
  ],
  ['gclid', 'https://shop.example/?gclid=abc', 'https://www.google.com/', 'paid', 'www.google.com'],
  ['fbclid', 'https://shop.example/?fbclid=xyz', 'https://l.facebook.com/', 'paid', 'l.facebook.com'],
  ['social utm', 'https://shop.example/?utm_source=mastodon&utm_medium=social', null, 'social', null],
  ['blog link', 'https://shop.example/', 'https://someblog.example/post', 'referral', 'someblog.example'],
  ['utm without referrer', 'https://shop.example/?utm_source=partner', null, 'referral', null],
  ['internal navigation', 'https://shop.example/b', 'https://shop.example/a', 'internal', 'shop.example'],
]

for (const [name, url, referrer, channel, host] of cases) {
  test(`enrich_referrer: ${name} -> ${channel}`, () => {
    const e = sampleEvent(name)
    applyPageUrl(e, url, undefined)
    e.referrer = referrer
    createEnrichReferrer({ internal_hosts: [] }).apply(e)
    assert.equal(e.channel, channel)
    assert.equal(e.referrer_host, host)
  })
}

test('enrich_referrer: click ids are read from the page URL', () => {
  const e = sampleEvent('click')
  applyPageUrl(e, 'https://shop.example/?msclkid=m1&utm_campaign=spring', undefined)
  assert.equal(e.click_id_type, 'msclkid')
  assert.equal(e.click_id, 'm1')
  assert.equal(e.utm_campaign, 'spring')
  assert.equal(e.page_query, 'msclkid=m1&utm_campaign=spring')
})

test('enrich_referrer: a configured sibling host is internal', () => {
  const e = sampleEvent('sibling')
  applyPageUrl(e, 'https://www.example.test/', undefined)
  e.referrer = 'https://shop.example.test/cart'
  createEnrichReferrer({ internal_hosts: ['shop.example.test'] }).apply(e)
  assert.equal(e.channel, 'internal')
})

test('enrich_referrer: referrers seen again (answered from its cache) get the same host', () => {
  const t = createEnrichReferrer({ internal_hosts: [] })
  const referrers = [
    'https://www.google.com/',
    'not a url',
    'https://news.example:8443/a?b=c',
    'android-app://x.y/',
  ]
  for (let round = 0; round < 3; round++) {
    for (const referrer of referrers) {
      const e = sampleEvent(`ref-${round}`)
      e.referrer = referrer
      t.apply(e)
      let host: string | null = null
      try {
        host = new URL(referrer).host || null
      } catch {}
      assert.equal(e.referrer_host, host, referrer)
    }
  }
})
