// Settings of the http_collector source.
import { isIP } from 'node:net'
import { z } from 'zod'

const addressOrCidr = z.string().refine((s) => {
  const [addr, bits, ...rest] = s.split('/')
  if (rest.length > 0 || !isIP(addr ?? '')) return false
  if (bits === undefined) return true
  const n = Number(bits)
  return Number.isInteger(n) && n >= 0 && n <= (isIP(addr!) === 6 ? 128 : 32)
}, 'must be an IP address or a CIDR range like 10.0.0.0/8')

/** Schema of an `http_collector` source. */
export const httpCollectorConfig = z.strictObject({
  host: z.string().min(1).default('0.0.0.0').describe('Address to bind; the collector faces the public.'),
  port: z.number().int().min(0).max(65535).default(8290).describe('Port to bind (0 picks a free one).'),
  collect_path: z.string().startsWith('/').default('/collect').describe('Path of the batch endpoint.'),
  tag_paths: z
    .array(z.string().startsWith('/'))
    .default(['/tag.js', '/js/script.js'])
    .describe(
      'Paths the browser tag is served at; ad blockers list well-known ones, so add a neutral path of your own. `[]` serves no tag.',
    ),
  divolte_path: z
    .string()
    .startsWith('/')
    .default('/csc-event')
    .describe(
      "Path of Divolte's browser protocol (`GET`, as divolte.js sends it: its folder + `csc-event`).",
    ),
  pixel_path: z
    .string()
    .startsWith('/')
    .default('/p.gif')
    .describe('Path of the image pixel for e-mails and pages without JavaScript (`GET`).'),
  max_body_bytes: z
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024)
    .describe('Largest request body of /collect, after gzip inflation.'),
  max_event_bytes: z
    .number()
    .int()
    .min(256)
    .default(32 * 1024)
    .describe('Largest single event, as JSON.'),
  max_events_per_request: z.number().int().min(1).default(1000).describe('Most events in one request.'),
  max_pending_events: z
    .number()
    .int()
    .min(1)
    .default(50_000)
    .describe('Events waiting for the log before new requests get 503 with Retry-After (bounds memory).'),
  site: z.string().min(1).optional().describe('Fixed site name for every event; default: the page URL host.'),
  cors_origins: z
    .array(z.string().min(1))
    .default(['*'])
    .describe(
      'Origins (e.g. `https://shop.example`) allowed to send from browsers, with credentials; `*` allows any.',
    ),
  trust_proxy: z
    .array(addressOrCidr)
    .default([])
    .describe(
      'Proxies (IPs or CIDRs) whose X-Forwarded-For is believed; the client is the rightmost hop not in this list.',
    ),
  derive_visitor_id: z
    .boolean()
    .default(true)
    .describe(
      'Give events without a visitor id a cookieless one: a keyed hash of IP + user agent + site, salt rotated daily.',
    ),
  rate_limit: z
    .strictObject({
      requests_per_second: z.number().positive().describe('Sustained requests per second per client IP.'),
      burst: z.number().int().min(1).default(50).describe('Requests a client may send at once.'),
    })
    .optional()
    .describe('Per-IP rate limit answering 429; off when absent.'),
  segment_path_prefix: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'must be a path like /v1, without a trailing slash')
    .default('/v1')
    .describe('Where the Segment HTTP Tracking API is served: `<prefix>/batch`, `<prefix>/track`, ...'),
  segment_write_keys: z
    .record(z.string().min(1), z.string().min(1))
    .default({})
    .describe(
      'Segment write keys accepted, each mapped to the site its events get; empty: any key (or none) is accepted and recorded in `props._segment.write_key`.',
    ),
})

/** Parsed `http_collector` settings. */
export type HttpCollectorConfig = z.infer<typeof httpCollectorConfig>
