// Filling an event's page fields from a page URL; shared by the collector's protocol routes and the
// log file parsers.
import type { ClickEvent } from './event.ts'

/** Parses an absolute URL, or null when it is not one. */
export function tryUrl(value: string): URL | null {
  try {
    return new URL(value)
  } catch {
    return null
  }
}

/** Query parameters that carry an ad click id, in the order they are looked for. */
export const CLICK_ID_PARAMS = [
  'gclid',
  'gbraid',
  'wbraid',
  'dclid',
  'fbclid',
  'msclkid',
  'ttclid',
  'twclid',
  'li_fat_id',
  'yclid',
  'epik',
  'rdt_cid',
  'sccid',
] as const

/**
 * Sets page_url, page_host, page_path, page_query, site (the host unless `fixedSite` is given), the
 * UTM fields and the ad click id from the URL. Returns false when `url` is not an absolute URL
 * (nothing is set then).
 */
export function applyPageUrl(e: ClickEvent, url: string, fixedSite: string | undefined): boolean {
  const parsed = tryUrl(url)
  if (!parsed) return false
  e.page_url = url
  e.page_host = parsed.host
  e.page_path = parsed.pathname
  e.page_query = parsed.search.length > 1 ? parsed.search.slice(1) : null
  e.site = fixedSite ?? parsed.host
  const q = parsed.searchParams
  e.utm_source = q.get('utm_source')
  e.utm_medium = q.get('utm_medium')
  e.utm_campaign = q.get('utm_campaign')
  e.utm_term = q.get('utm_term')
  e.utm_content = q.get('utm_content')
  for (const p of CLICK_ID_PARAMS) {
    const v = q.get(p)
    if (v) {
      e.click_id_type = p
      e.click_id = v
      break
    }
  }
  return true
}
