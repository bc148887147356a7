// The Divolte browser protocol route, `GET <divolte_path>?...` (default /csc-event), so pages that
// run divolte.js can send to clickflow unchanged. It answers the GIF once the event is durable, and
// 304 without recording anything to a browser re-sending a request it already sent.
import type { HttpCollectorConfig } from '../../config.ts'
import type { CollectorRoute } from '../../route.ts'
import { matchesSentinel, NO_CACHE_HEADERS, SENTINEL_ETAG, sendGif, sendNotModified } from '../gif-reply.ts'
import { parseCscEvent } from './csc-event.ts'

/** The Divolte csc-event route for a collector config. */
export function divolteRoute(cfg: HttpCollectorConfig): CollectorRoute {
  const headers = { ...NO_CACHE_HEADERS, etag: SENTINEL_ETAG }
  return {
    name: 'divolte',
    paths: [cfg.divolte_path],
    methods: ['GET'],
    async accept(req, info) {
      // A GET body has no meaning here; leave nothing unread on the connection.
      req.resume()
      if (matchesSentinel(req.headers['if-none-match'])) {
        return {
          events: [],
          rejected: [],
          reply: (res, cors) => sendNotModified(res, { ...headers, ...cors }),
        }
      }
      const outcome = parseCscEvent(info.url.searchParams, info.url.search.slice(1), {
        receivedAt: info.receivedAt,
        sourceId: info.sourceId,
        userAgent: info.userAgent,
        ip: info.ip,
        site: cfg.site,
      })
      return {
        events: outcome.kind === 'event' ? [outcome.event] : [],
        // An unusable request still gets the image: the tag waits for it before sending the next event.
        rejected: outcome.kind === 'rejected' ? [outcome.rejection] : [],
        reply: (res, cors) => sendGif(res, { ...headers, ...cors }),
      }
    },
  }
}
