// The `GET /p.gif?...` route (path configurable: pixel_path): an image tag for e-mails and pages
// without JavaScript. It always answers the GIF, since an image cannot show an error: a request
// that cannot become an event is dead-lettered with its reason instead.
import type { HttpCollectorConfig } from '../config.ts'
import type { CollectorRoute } from '../route.ts'
import { parseCollectBody } from './collect-request.ts'
import { NO_CACHE_HEADERS, sendGif } from './gif-reply.ts'
import { pixelEvent } from './pixel-request.ts'

/**
 * No ETag and `no-store`: the same pixel URL is loaded again on every e-mail open and every no-JS
 * page view, and each load is an event (unlike a Divolte request, which carries a unique event id).
 */
const HEADERS = { ...NO_CACHE_HEADERS, 'cache-control': 'private, no-cache, no-store, proxy-revalidate' }

/** The pixel route for a collector config. */
export function pixelRoute(cfg: HttpCollectorConfig): CollectorRoute {
  return {
    name: 'pixel',
    paths: [cfg.pixel_path],
    methods: ['GET'],
    async accept(req, info) {
      req.resume()
      const referer = req.headers.referer ?? null
      const { events, rejected } = parseCollectBody(
        { events: [pixelEvent(info.url.searchParams, referer)] },
        {
          receivedAt: info.receivedAt,
          sourceId: info.sourceId,
          userAgent: info.userAgent,
          ip: info.ip,
          site: cfg.site,
          maxEventBytes: cfg.max_event_bytes,
          maxEvents: 1,
        },
      )
      return { events, rejected, reply: (res, cors) => sendGif(res, { ...HEADERS, ...cors }) }
    },
  }
}
