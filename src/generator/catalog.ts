// What generated traffic is made of: where visitors come from (countries with address ranges the
// shipped geo database resolves), what they browse with (real user-agent strings), how they arrive
// (search, social, campaigns with UTM tags and click ids) and what a shop site has to look at.
// Shares are rough figures of public web-analytics reports, good enough to make dashboards look real.

/** A country, its share of visitors, and /16 IPv4 prefixes that resolve to it in the IPtoASN database. */
export interface CountrySpec {
  readonly code: string
  readonly weight: number
  readonly prefixes: readonly string[]
  /** Hours ahead of UTC, roughly, for the daily rhythm of its visitors. */
  readonly utcOffset: number
}

// Each prefix was checked whole (every /24 inside) against the shipped iptoasn-country database;
// src/generator/catalog.test.ts keeps it so when the database package is updated.
export const COUNTRIES: readonly CountrySpec[] = [
  { code: 'US', weight: 28, prefixes: ['3.0', '3.1', '3.3', '1.186'], utcOffset: -6 },
  { code: 'DE', weight: 10, prefixes: ['2.160', '2.161', '2.162', '2.163'], utcOffset: 1 },
  { code: 'GB', weight: 8, prefixes: ['2.96', '2.97', '2.98', '2.99'], utcOffset: 0 },
  { code: 'IN', weight: 7, prefixes: ['1.6', '14.97', '14.139', '14.140'], utcOffset: 5 },
  { code: 'FR', weight: 6, prefixes: ['2.3', '2.4', '2.5', '2.6'], utcOffset: 1 },
  { code: 'CA', weight: 4, prefixes: ['15.195', '23.16', '23.17', '24.36'], utcOffset: -5 },
  { code: 'BR', weight: 4, prefixes: ['177.9', '177.16', '177.17', '177.18'], utcOffset: -3 },
  { code: 'JP', weight: 4, prefixes: ['1.5', '1.33', '1.72', '1.77'], utcOffset: 9 },
  { code: 'NL', weight: 3, prefixes: ['23.72', '24.132', '31.20', '31.21'], utcOffset: 1 },
  { code: 'ES', weight: 3, prefixes: ['2.136', '2.137', '2.138', '2.139'], utcOffset: 1 },
  { code: 'IT', weight: 3, prefixes: ['2.32', '2.33', '2.34', '2.35'], utcOffset: 1 },
  { code: 'AU', weight: 3, prefixes: ['1.40', '1.41', '1.42', '1.120'], utcOffset: 10 },
  { code: 'PL', weight: 2, prefixes: ['5.173', '5.184', '31.60', '31.61'], utcOffset: 1 },
  { code: 'SE', weight: 2, prefixes: ['2.64', '2.65', '2.66', '2.67'], utcOffset: 1 },
  { code: 'MX', weight: 2, prefixes: ['131.178', '132.247', '148.201', '148.202'], utcOffset: -6 },
  { code: 'KR', weight: 2, prefixes: ['1.96', '1.97', '1.98', '1.99'], utcOffset: 9 },
  { code: 'ID', weight: 2, prefixes: ['36.64', '36.65', '36.66', '36.67'], utcOffset: 7 },
  { code: 'TR', weight: 2, prefixes: ['5.24', '5.26', '5.46', '5.47'], utcOffset: 3 },
  { code: 'CH', weight: 1, prefixes: ['31.164', '31.165', '46.126', '46.127'], utcOffset: 1 },
  { code: 'ZA', weight: 1, prefixes: ['41.0', '41.1', '41.3', '41.4'], utcOffset: 2 },
]

/** A browser as a device type and a real user-agent string, with its share within the device type. */
export interface AgentSpec {
  readonly device: 'desktop' | 'mobile' | 'tablet'
  readonly weight: number
  readonly ua: string
}

export const AGENTS: readonly AgentSpec[] = [
  {
    device: 'desktop',
    weight: 40,
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  },
  {
    device: 'desktop',
    weight: 14,
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  },
  {
    device: 'desktop',
    weight: 12,
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  },
  {
    device: 'desktop',
    weight: 11,
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  },
  {
    device: 'desktop',
    weight: 9,
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  },
  {
    device: 'desktop',
    weight: 3,
    ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  },
  {
    device: 'desktop',
    weight: 3,
    ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  },
  {
    device: 'mobile',
    weight: 30,
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  },
  {
    device: 'mobile',
    weight: 6,
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  },
  {
    device: 'mobile',
    weight: 26,
    ua: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
  },
  {
    device: 'mobile',
    weight: 14,
    ua: 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
  },
  {
    device: 'mobile',
    weight: 4,
    ua: 'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0',
  },
  {
    device: 'tablet',
    weight: 60,
    ua: 'Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
  },
  {
    device: 'tablet',
    weight: 40,
    ua: 'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  },
]

/** Shares of device types among human visitors. */
export const DEVICE_WEIGHTS = { desktop: 52, mobile: 41, tablet: 7 } as const

/** Crawlers and link previews, with the addresses they crawl from (a US prefix each). */
export const BOTS: readonly { readonly ua: string; readonly weight: number }[] = [
  { ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', weight: 30 },
  {
    ua: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
    weight: 15,
  },
  { ua: 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', weight: 15 },
  { ua: 'Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)', weight: 10 },
  { ua: 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', weight: 8 },
  { ua: 'DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)', weight: 5 },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)',
    weight: 7,
  },
  { ua: 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', weight: 10 },
]

/** How a session arrives: its referrer and the tags on its landing URL. */
export interface ArrivalSpec {
  readonly channel: 'direct' | 'search' | 'social' | 'referral' | 'email' | 'paid'
  readonly weight: number
  readonly referrer: string | null
  /** Query string added to the landing page URL (UTM tags; `{click}` becomes a click id). */
  readonly query: string | null
}

export const ARRIVALS: readonly ArrivalSpec[] = [
  { channel: 'direct', weight: 30, referrer: null, query: null },
  { channel: 'search', weight: 24, referrer: 'https://www.google.com/', query: null },
  { channel: 'search', weight: 4, referrer: 'https://www.bing.com/', query: null },
  { channel: 'search', weight: 3, referrer: 'https://duckduckgo.com/', query: null },
  { channel: 'search', weight: 1, referrer: 'https://search.brave.com/', query: null },
  { channel: 'social', weight: 4, referrer: 'https://www.facebook.com/', query: null },
  { channel: 'social', weight: 3, referrer: 'https://t.co/', query: null },
  { channel: 'social', weight: 2, referrer: 'https://www.linkedin.com/', query: null },
  { channel: 'social', weight: 2, referrer: 'https://www.reddit.com/', query: null },
  { channel: 'social', weight: 1, referrer: 'https://www.instagram.com/', query: null },
  { channel: 'referral', weight: 3, referrer: 'https://news.ycombinator.com/', query: null },
  { channel: 'referral', weight: 2, referrer: 'https://www.producthunt.com/', query: null },
  { channel: 'referral', weight: 2, referrer: 'https://blog.example.org/best-tools-2026', query: null },
  {
    channel: 'email',
    weight: 4,
    referrer: null,
    query: 'utm_source=newsletter&utm_medium=email&utm_campaign=weekly_digest',
  },
  {
    channel: 'paid',
    weight: 6,
    referrer: 'https://www.google.com/',
    query: 'utm_source=google&utm_medium=cpc&utm_campaign=winter_sale&utm_term=running+shoes&gclid={click}',
  },
  {
    channel: 'paid',
    weight: 3,
    referrer: 'https://m.facebook.com/',
    query:
      'utm_source=facebook&utm_medium=paid_social&utm_campaign=retargeting&utm_content=carousel&fbclid={click}',
  },
  {
    channel: 'paid',
    weight: 1,
    referrer: 'https://www.bing.com/',
    query: 'utm_source=bing&utm_medium=cpc&utm_campaign=brand&msclkid={click}',
  },
]

/** Products of the generated shop: slug, title and price. */
export const PRODUCTS: readonly { readonly slug: string; readonly title: string; readonly price: number }[] =
  (() => {
    const kinds = [
      ['trail-runner', 'Trail Runner', 129],
      ['city-sneaker', 'City Sneaker', 89],
      ['rain-jacket', 'Rain Jacket', 159],
      ['merino-tee', 'Merino Tee', 59],
      ['daypack', 'Daypack 22L', 99],
      ['thermal-bottle', 'Thermal Bottle', 29],
      ['hiking-sock', 'Hiking Socks', 19],
      ['fleece-hoodie', 'Fleece Hoodie', 79],
      ['trail-short', 'Trail Shorts', 49],
      ['cap', 'Running Cap', 25],
    ] as const
    const colours = ['black', 'blue', 'green', 'red', 'grey', 'sand']
    return kinds.flatMap(([slug, title, price]) =>
      colours.map((c) => ({ slug: `${slug}-${c}`, title: `${title} (${c})`, price })),
    )
  })()

/** Blog posts of the generated site. */
export const POSTS: readonly string[] = [
  'how-to-choose-trail-shoes',
  'layering-for-winter-runs',
  'packing-list-weekend-hike',
  'caring-for-merino',
  'best-trails-in-the-alps',
  'marathon-training-plan',
  'waterproof-vs-water-resistant',
  'our-sustainability-report',
  'ultralight-backpacking',
  'running-in-the-rain',
  'choosing-a-daypack',
  'sock-guide',
]

export const CATEGORIES: readonly string[] = ['shoes', 'jackets', 'shirts', 'bags', 'accessories']

/** Search terms typed into the site's search box. */
export const SEARCHES: readonly string[] = [
  'shoes',
  'jacket',
  'waterproof',
  'merino',
  'backpack',
  'socks',
  'gift card',
  'sale',
  'trail',
  'bottle',
]
