// One getter per event field, written out: a property read at a fixed name stays monomorphic (fast)
// where `event[name]` with a name that changes per column is a megamorphic lookup, and reading 41
// fields of every event is most of the work of encoding a batch. The mapped type keeps it complete.
import type { ClickEvent } from '../../core/event.ts'

/** Reads one field of an event. */
export type FieldGetter = (e: ClickEvent) => unknown

/** The getter of every field of {@link ClickEvent}. */
export const FIELD_GETTERS: { readonly [K in keyof ClickEvent]-?: (e: ClickEvent) => ClickEvent[K] } = {
  event_id: (e) => e.event_id,
  event_type: (e) => e.event_type,
  event_name: (e) => e.event_name,
  event_time: (e) => e.event_time,
  received_at: (e) => e.received_at,
  sent_at: (e) => e.sent_at,
  source_id: (e) => e.source_id,
  site: (e) => e.site,
  visitor_id: (e) => e.visitor_id,
  session_id: (e) => e.session_id,
  user_id: (e) => e.user_id,
  page_view_id: (e) => e.page_view_id,
  page_url: (e) => e.page_url,
  page_host: (e) => e.page_host,
  page_path: (e) => e.page_path,
  page_query: (e) => e.page_query,
  page_title: (e) => e.page_title,
  referrer: (e) => e.referrer,
  referrer_host: (e) => e.referrer_host,
  channel: (e) => e.channel,
  user_agent: (e) => e.user_agent,
  ip: (e) => e.ip,
  country: (e) => e.country,
  region: (e) => e.region,
  city: (e) => e.city,
  browser: (e) => e.browser,
  browser_version: (e) => e.browser_version,
  os: (e) => e.os,
  os_version: (e) => e.os_version,
  device_type: (e) => e.device_type,
  is_bot: (e) => e.is_bot,
  is_duplicate: (e) => e.is_duplicate,
  is_corrupt: (e) => e.is_corrupt,
  utm_source: (e) => e.utm_source,
  utm_medium: (e) => e.utm_medium,
  utm_campaign: (e) => e.utm_campaign,
  utm_term: (e) => e.utm_term,
  utm_content: (e) => e.utm_content,
  click_id_type: (e) => e.click_id_type,
  click_id: (e) => e.click_id,
  props: (e) => e.props,
}
