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

/** A host list entry with its dotted form computed once (building it per event was garbage). */
interface Entry {
  readonly entry: string
  readonly dotted: string
  readonly prefix: boolean
  readonly mail: boolean
}

function entries(list: readonly string[]): readonly Entry[] {
  return list.map((entry) => ({
    entry,
    dotted: `.${entry}`,
    prefix: entry.endsWith('.'),
    mail: entry.startsWith('mail.'),
  }))
}

const SEARCH_HOSTS = entries(SEARCH)
const SOCIAL_HOSTS = entries(SOCIAL)
const MAIL_HOSTS = entries(MAIL)

function matches(host: string, list: readonly Entry[]): boolean {
  const h = host.startsWith('www.') ? host.slice(4) : host
  for (const { entry, dotted, prefix, mail } of list) {
    if (
      prefix
        ? h.startsWith(entry) || h.includes(dotted)
        : h === entry || h.endsWith(dotted) || (mail && h.startsWith(entry))
    )
      return true
  }
  return false
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
  if (
    EMAIL_MEDIUM.test(medium) ||
    /(^|[^a-z])e-?mail|newsletter/.test(source) ||
    (ref && matches(ref, MAIL_HOSTS))
  )
    return 'email'
  if (SOCIAL_MEDIUM.test(medium) || (ref && matches(ref, SOCIAL_HOSTS))) return 'social'
  if (medium === 'organic' || (ref && matches(ref, SEARCH_HOSTS))) return 'search'
  if (ref || medium || source) return 'referral'
  return 'direct'
}
