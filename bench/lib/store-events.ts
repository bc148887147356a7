// Realistic events for `npm run bench:store`: what the default transforms leave for the sink (UA,
// geo, referrer and UTM fields filled, ~400-600 bytes with props and ids), deterministic per index.
import { type ClickEvent, emptyEvent } from '../../src/core/event.ts'

const PATHS = ['/', '/pricing', '/blog/duckdb-appender', '/products/shoes', '/cart', '/checkout']
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'NL', 'PL', 'ES', 'IT']
const BROWSERS = [
  ['Chrome', '126.0.0.0', 'Windows', '10'],
  ['Safari', '17.5', 'iOS', '17.5.1'],
  ['Firefox', '127.0', 'Linux', null],
  ['Edge', '126.0.2592.68', 'Windows', '11'],
] as const
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
]
const T0 = Date.UTC(2026, 10, 21, 10)

/** The id-shaped string of a number (26 characters, like the uuidv7-based ids of the collector). */
function id(prefix: string, n: number): string {
  return `${prefix}${n.toString(36).padStart(24, '0')}`
}

/** Event number `i`, as the sink receives it after the default transforms. */
export function enrichedEvent(i: number): ClickEvent {
  const path = PATHS[i % PATHS.length]!
  const [browser, browserVersion, os, osVersion] = BROWSERS[i % BROWSERS.length]!
  const track = i % 3 === 0
  const e = emptyEvent({
    event_id: id('ev', i),
    event_type: track ? 'track' : 'pageview',
    event_time: T0 + i,
    received_at: T0 + i + 40,
    source_id: 'collector',
  })
  e.event_name = track ? 'add_to_cart' : null
  e.sent_at = T0 + i + 20
  e.site = 'shop.example.com'
  e.visitor_id = id('vi', i % 50_000)
  e.session_id = id('se', i % 9_000)
  e.page_view_id = id('pv', i >> 2)
  e.page_url = `https://shop.example.com${path}?utm_source=newsletter&utm_medium=email&id=${i % 997}`
  e.page_host = 'shop.example.com'
  e.page_path = path
  e.page_query = `utm_source=newsletter&utm_medium=email&id=${i % 997}`
  e.page_title = 'Shoes, bags and more | Example Shop'
  if (i % 4 !== 0) {
    e.referrer = 'https://www.google.com/'
    e.referrer_host = 'www.google.com'
  }
  e.channel = i % 4 === 0 ? 'direct' : 'email'
  e.user_agent = UAS[i % UAS.length]!
  e.ip = `203.0.113.0`
  e.country = COUNTRIES[i % COUNTRIES.length]!
  e.browser = browser
  e.browser_version = browserVersion
  e.os = os
  e.os_version = osVersion
  e.device_type = i % 2 === 0 ? 'desktop' : 'mobile'
  e.utm_source = 'newsletter'
  e.utm_medium = 'email'
  e.utm_campaign = i % 5 === 0 ? 'black-friday-2026' : null
  if (track) e.props = { sku: `SKU-${i % 1000}`, price: (i % 300) + 0.99, currency: 'EUR', qty: 1 }
  return e
}
