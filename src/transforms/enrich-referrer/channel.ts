// Acquisition channel of a visit, from the referrer, the UTM tags and ad click ids. Rules follow the
// common practice of GA4's default channel grouping, reduced to the channels clickflow reports.

/** The channels, in the order the rules test them. */
export type Channel = 'internal' | 'paid' | 'email' | 'social' | 'search' | 'referral' | 'direct'

/** Hosts (or host suffixes) of search engines. */
const SEARCH = [
  'google.',
  'bing.com',
  'duckduckgo.com',
  'search.yahoo.',
  'yahoo.co',
  'baidu.com',
  'yandex.',
  'ecosia.org',
  'ask.com',
  'naver.com',
  'seznam.cz',
  'qwant.com',
  'startpage.com',
  'search.brave.com',
  'sogou.com',
  'so.com',
  'kagi.com',
]
/** Hosts of social networks (t.co is Twitter's link shortener, lnkd.in LinkedIn's). */
const SOCIAL = [
  'facebook.com',
  'fb.com',
  'instagram.com',
  't.co',
  'twitter.com',
  'x.com',
  'linkedin.com',
  'lnkd.in',
  'reddit.com',
  'pinterest.',
  'youtube.com',
  'tiktok.com',
  'vk.com',
  'threads.net',
  'bsky.app',
  'mastodon.social',
  'quora.com',
  'tumblr.com',
  'weibo.com',
  'news.ycombinator.com',
  't.me',
  'whatsapp.com',
  'discord.com',
]
/** Web mail hosts: a click from a mail read in the browser. */
const MAIL = [
  'mail.google.com',
  'outlook.live.com',
  'outlook.office.com',
  'mail.yahoo.com',
  'webmail.',
  'mail.',
]
const PAID_MEDIUM =
  /^(cpc|ppc|paid|paidsearch|paid_search|paid-social|paid_social|paidsocial|display|cpm|cpv|banner|retargeting|affiliate)$/
const SOCIAL_MEDIUM = /^(social|social-network|social_network|social-media|sm)$/
const EMAIL_MEDIUM = /^(e-?mail|newsletter)$/

function matches(host: string, list: readonly string[]): boolean {
  const h = host.startsWith('www.') ? host.slice(4) : host
  return list.some((entry) =>
    entry.endsWith('.')
      ? h.startsWith(entry) || h.includes(`.${entry}`)
      : h === entry || h.endsWith(`.${entry}`) || (entry.startsWith('mail.') && h.startsWith(entry)),
  )
}

/** What the classification looks at. */
export interface ChannelInput {
  readonly referrerHost: string | null
  readonly pageHost: string | null
  readonly utmSource: string | null
  readonly utmMedium: string | null
  readonly clickIdType: string | null
}

/** Classifies one page view's acquisition channel. */
export function classifyChannel(i: ChannelInput): Channel {
  const medium = i.utmMedium?.toLowerCase() ?? ''
  const source = i.utmSource?.toLowerCase() ?? ''
  const ref = i.referrerHost?.toLowerCase() ?? null
  if (ref && i.pageHost && ref === i.pageHost.toLowerCase() && !medium && !source && !i.clickIdType)
    return 'internal'
  if (i.clickIdType || PAID_MEDIUM.test(medium)) return 'paid'
  if (EMAIL_MEDIUM.test(medium) || /(^|[^a-z])e-?mail|newsletter/.test(source) || (ref && matches(ref, MAIL)))
    return 'email'
  if (SOCIAL_MEDIUM.test(medium) || (ref && matches(ref, SOCIAL))) return 'social'
  if (medium === 'organic' || (ref && matches(ref, SEARCH))) return 'search'
  if (ref || medium || source) return 'referral'
  return 'direct'
}
