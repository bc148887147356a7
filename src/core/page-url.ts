// Filling an event's page fields from a page URL; shared by the collector's protocol routes and the
// log file parsers.
import type { ClickEvent } from './event.ts'
import { Lru } from './lru.ts'

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

/** What a page URL gives an event, whatever the event. */
interface ParsedPage {
  readonly host: string
  readonly path: string
  readonly query: string | null
  readonly utm_source: string | null
  readonly utm_medium: string | null
  readonly utm_campaign: string | null
  readonly utm_term: string | null
  readonly utm_content: string | null
  readonly click_id_type: string | null
  readonly click_id: string | null
}

function parsePage(url: string): ParsedPage | null {
  const parsed = tryUrl(url)
  if (!parsed) return null
  const search = parsed.search
  let utm_source: string | null = null
  let utm_medium: string | null = null
  let utm_campaign: string | null = null
  let utm_term: string | null = null
  let utm_content: string | null = null
  let click_id_type: string | null = null
  let click_id: string | null = null
  // No query, no parameters: URLSearchParams and its 18 lookups only when there is one.
  if (search.length > 1) {
    const q = parsed.searchParams
    utm_source = q.get('utm_source')
    utm_medium = q.get('utm_medium')
    utm_campaign = q.get('utm_campaign')
    utm_term = q.get('utm_term')
    utm_content = q.get('utm_content')
    for (const p of CLICK_ID_PARAMS) {
      const v = q.get(p)
      if (v) {
        click_id_type = p
        click_id = v
        break
      }
    }
  }
  return {
    host: parsed.host,
    path: parsed.pathname,
    query: search.length > 1 ? search.slice(1) : null,
    utm_source,
    utm_medium,
    utm_campaign,
    utm_term,
    utm_content,
    click_id_type,
    click_id,
  }
}

// Sites send the same few hundred page URLs over and over, and WHATWG URL parsing was the largest
// part of turning a /collect event into a log record: parsed URLs are remembered (up to 10,000,
// each under 1 KB) and a repeat costs a map lookup.
const PARSED_MAX = 10_000
const PARSED_URL_MAX_LENGTH = 1024
const parsedPages = new Lru<string, ParsedPage | null>(PARSED_MAX)

/**
 * Sets page_url, page_host, page_path, page_query, site (the host unless `fixedSite` is given), the
 * UTM fields and the ad click id from the URL. Returns false when `url` is not an absolute URL
 * (nothing is set then).
 */
export function applyPageUrl(e: ClickEvent, url: string, fixedSite: string | undefined): boolean {
  let p = parsedPages.get(url)
  if (p === undefined) {
    p = parsePage(url)
    if (url.length <= PARSED_URL_MAX_LENGTH) parsedPages.set(url, p)
  }
  if (p === null) return false
  e.page_url = url
  e.page_host = p.host
  e.page_path = p.path
  e.page_query = p.query
  e.site = fixedSite ?? p.host
  e.utm_source = p.utm_source
  e.utm_medium = p.utm_medium
  e.utm_campaign = p.utm_campaign
  e.utm_term = p.utm_term
  e.utm_content = p.utm_content
  if (p.click_id_type !== null) {
    e.click_id_type = p.click_id_type
    e.click_id = p.click_id
  }
  return true
}
