// enrich_user_agent: known user agents give the expected browser, OS, device and bot flag.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sampleEvent } from '../../../test/conformance/sink-conformance.ts'
import { transformConformance } from '../../../test/conformance/transform-conformance.ts'
import { enrichUserAgentConfig } from './config.ts'
import { createEnrichUserAgent } from './transform.ts'

transformConformance('enrich_user_agent', async () => createEnrichUserAgent(enrichUserAgentConfig.parse({})))

const cases: [string, string, Record<string, unknown>][] = [
  [
    'Chrome on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    {
      browser: 'Chrome',
      browser_version: '124.0.0.0',
      os: 'Windows',
      os_version: '10',
      device_type: 'desktop',
      is_bot: false,
    },
  ],
  [
    'Safari on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    { browser: 'Mobile Safari', os: 'iOS', os_version: '17.4', device_type: 'mobile', is_bot: false },
  ],
  [
    'Firefox on Linux',
    'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    { browser: 'Firefox', browser_version: '125.0', os: 'Linux', device_type: 'desktop', is_bot: false },
  ],
  [
    'Android tablet',
    'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    { os: 'Android', os_version: '13', device_type: 'tablet' },
  ],
  [
    'Googlebot',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    { device_type: 'bot', is_bot: true },
  ],
  ['curl', 'curl/8.5.0', { is_bot: true }],
]

for (const [name, ua, expected] of cases) {
  test(`enrich_user_agent: ${name}`, () => {
    const t = createEnrichUserAgent({ cache_size: 10 })
    for (let round = 0; round < 2; round++) {
      // The second round comes from the cache and must say the same.
      const e = sampleEvent(`${name}-${round}`)
      e.user_agent = ua
      const r = t.apply(e)
      assert.equal(r.kind, 'pass')
      for (const [k, v] of Object.entries(expected)) assert.equal(e[k as keyof typeof e], v, `${name}: ${k}`)
    }
  })
}

test('enrich_user_agent: a bot flag set by the collector stays set', () => {
  const t = createEnrichUserAgent({ cache_size: 10 })
  const e = sampleEvent('flagged')
  e.is_bot = true
  e.user_agent = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0'
  t.apply(e)
  assert.equal(e.is_bot, true)
})
