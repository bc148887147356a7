// Fills referrer_host and channel (direct, search, social, email, paid, referral, internal) from the
// referrer, UTM tags and ad click ids the collector parsed from the page URL.
import type { Transform } from '../../core/component.ts'
import type { ClickEvent } from '../../core/event.ts'
import { Lru } from '../../core/lru.ts'
import { pass } from '../../core/step-result.ts'
import { classifyChannel } from './channel.ts'
import type { EnrichReferrerConfig } from './config.ts'

function parseHost(url: string): string | null {
  try {
    const u = new URL(url)
    return u.host || null
  } catch {
    return null
  }
}

/**
 * Hosts of recent referrers: a few referrers (search engines, the site's own pages, social) make
 * most of the traffic, and parsing a URL was this transform's whole cost (~1 us and 450 bytes of
 * garbage per event). '' stands for "not a URL".
 */
const hosts = new Lru<string, string>(10_000)

function hostOf(url: string): string | null {
  let host = hosts.get(url)
  if (host === undefined) {
    host = parseHost(url) ?? ''
    hosts.set(url, host)
  }
  return host === '' ? null : host
}

/** Builds the transform. */
export function createEnrichReferrer(cfg: EnrichReferrerConfig): Transform {
  const internal = new Set(cfg.internal_hosts.map((h) => h.toLowerCase()))
  return {
    apply(e: ClickEvent) {
      const ref = e.referrer ? hostOf(e.referrer) : null
      e.referrer_host = ref
      const sameSite = ref !== null && internal.has(ref.toLowerCase())
      e.channel = classifyChannel({
        referrerHost: ref,
        // A configured sibling host is treated as the page's own host.
        pageHost: sameSite ? ref : e.page_host,
        utmSource: e.utm_source,
        utmMedium: e.utm_medium,
        clickIdType: e.click_id_type,
      })
      return pass()
    },
  }
}
