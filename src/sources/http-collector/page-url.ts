// Filling an event's page fields from a page URL; shared by every protocol route.
import type { ClickEvent } from '../../core/event.ts'

/** Parses an absolute URL, or null when it is not one. */
export function tryUrl(value: string): URL | null {
  try {
    return new URL(value)
  } catch {
    return null
  }
}

/**
 * Sets page_url, page_path, site (the host unless `fixedSite` is given) and the UTM fields from the
 * URL's query. Returns false when `url` is not an absolute URL (nothing is set then).
 */
export function applyPageUrl(e: ClickEvent, url: string, fixedSite: string | undefined): boolean {
  const parsed = tryUrl(url)
  if (!parsed) return false
  e.page_url = url
  e.page_path = parsed.pathname
  e.site = fixedSite ?? parsed.host
  const q = parsed.searchParams
  e.utm_source = q.get('utm_source')
  e.utm_medium = q.get('utm_medium')
  e.utm_campaign = q.get('utm_campaign')
  e.utm_term = q.get('utm_term')
  e.utm_content = q.get('utm_content')
  return true
}
