// The page fields of a URL (host, path, query, site, UTM parameters, ad click id), remembered per URL.
// WHATWG URL parsing was the largest cost of an access-log page view after the line id, and a log
// requests the same pages over and over.
import { emptyEvent } from '../core/event.ts'
import { Lru } from '../core/lru.ts'
import { applyPageUrl } from '../core/page-url.ts'

/** What {@link applyPageUrl} sets on an event for one URL. */
export interface PageFields {
  readonly page_url: string
  readonly page_host: string | null
  readonly page_path: string | null
  readonly page_query: string | null
  readonly site: string | null
  readonly utm_source: string | null
  readonly utm_medium: string | null
  readonly utm_campaign: string | null
  readonly utm_term: string | null
  readonly utm_content: string | null
  readonly click_id_type: string | null
  readonly click_id: string | null
}

/**
 * A function from a key (a request target) to the page fields of its absolute URL `toUrl(key)` (null
 * when that is not a URL), with `fixedSite` as the site when given; the answers for up to `max` keys
 * are kept. Keyed by what the caller has at hand, so a hit builds no URL string.
 */
export function pageFieldsCache(
  fixedSite: string | undefined,
  toUrl: (key: string) => string,
  max = 20_000,
): (key: string) => PageFields | null {
  const cache = new Lru<string, PageFields | null>(max)
  return (key) => {
    const hit = cache.get(key)
    if (hit !== undefined) return hit
    const url = toUrl(key)
    // The same function the collector uses, on a scratch event, so both agree field for field.
    const e = emptyEvent({
      event_id: '',
      event_type: 'pageview',
      event_time: 0,
      received_at: 0,
      source_id: '',
    })
    const fields: PageFields | null = applyPageUrl(e, url, fixedSite)
      ? {
          page_url: url,
          page_host: e.page_host,
          page_path: e.page_path,
          page_query: e.page_query,
          site: e.site,
          utm_source: e.utm_source,
          utm_medium: e.utm_medium,
          utm_campaign: e.utm_campaign,
          utm_term: e.utm_term,
          utm_content: e.utm_content,
          click_id_type: e.click_id_type,
          click_id: e.click_id,
        }
      : null
    cache.set(key, fields)
    return fields
  }
}
