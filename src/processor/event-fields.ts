// The event fields the stream processor reads. Its sink declares them (Sink.fields), so a pipeline
// that feeds only the processor and the live view decodes these and leaves the rest of each record
// (user agent, address, URL, title, click ids, ...) undecoded. The engine's functions take a
// ProcessorEvent, so reading a field not listed here does not compile.
import type { EventField, EventView } from '../core/event.ts'

/** Every field the engine, its sessions and rollups, and the processor sink read. */
export const PROCESSOR_FIELDS = [
  'event_id',
  'event_type',
  'event_name',
  'event_time',
  'received_at',
  'site',
  'visitor_id',
  'session_id',
  'user_id',
  'page_url',
  'page_path',
  'referrer',
  'referrer_host',
  'channel',
  'country',
  'region',
  'city',
  'browser',
  'os',
  'device_type',
  'is_bot',
  'is_duplicate',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'engaged_ms',
] as const satisfies readonly EventField[]

/** An event as the processor sees it. */
export type ProcessorEvent = EventView<(typeof PROCESSOR_FIELDS)[number]>
