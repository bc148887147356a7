// Settings of the http_collector source.
import { z } from 'zod'

/** Schema of an `http_collector` source. */
export const httpCollectorConfig = z.strictObject({
  host: z.string().min(1).default('0.0.0.0').describe('Address to bind; the collector faces the public.'),
  port: z.number().int().min(0).max(65535).default(8290).describe('Port to bind (0 picks a free one).'),
  collect_path: z.string().startsWith('/').default('/collect').describe('Path of the batch endpoint.'),
  max_body_bytes: z
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024)
    .describe('Largest request body, after gzip inflation.'),
  max_event_bytes: z
    .number()
    .int()
    .min(256)
    .default(32 * 1024)
    .describe('Largest single event, as JSON.'),
  max_events_per_request: z.number().int().min(1).default(1000).describe('Most events in one request.'),
  max_in_flight_bytes: z
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024)
    .describe('Bytes of requests waiting for the log before new ones get 503 with Retry-After.'),
  site: z.string().min(1).optional().describe('Fixed site name for every event; default: the page URL host.'),
  cors_origins: z
    .array(z.string().min(1))
    .default(['*'])
    .describe('Origins allowed to send from browsers; `*` allows any.'),
  trust_proxy: z
    .boolean()
    .default(false)
    .describe('Take the client address from X-Forwarded-For (only behind a proxy you run).'),
})

/** Parsed `http_collector` settings. */
export type HttpCollectorConfig = z.infer<typeof httpCollectorConfig>
