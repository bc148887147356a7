// The `POST /collect` route: clickflow's own batch endpoint, used by the browser tag and servers.

import { RequestError } from '../../../core/errors.ts'
import { type BodyBudget, mediaType, parseJson, readBody } from '../../../http/read-body.ts'
import { sendJsonText } from '../../../http/respond.ts'
import type { HttpCollectorConfig } from '../config.ts'
import type { CollectorRoute } from '../route.ts'
import { parseCollectBody } from './collect-request.ts'

/** Content types /collect takes; text/plain because sendBeacon avoids a CORS preflight with it. */
const JSON_TYPES = new Set(['application/json', 'text/plain', ''])

/** The /collect route for a collector config. */
export function collectRoute(cfg: HttpCollectorConfig, budget?: BodyBudget): CollectorRoute {
  return {
    name: 'collect',
    paths: [cfg.collect_path],
    methods: ['POST'],
    async accept(req, info) {
      const type = mediaType(req)
      if (!JSON_TYPES.has(type)) {
        req.resume()
        throw new RequestError(
          415,
          'unsupported_media_type',
          `send JSON (application/json or text/plain), not ${type}`,
        )
      }
      const body = parseJson(await readBody(req, cfg.max_body_bytes, budget))
      const { events, rejected } = parseCollectBody(body, {
        receivedAt: info.receivedAt,
        sourceId: info.sourceId,
        userAgent: info.userAgent,
        ip: info.ip,
        site: cfg.site,
        maxEventBytes: cfg.max_event_bytes,
        maxEvents: cfg.max_events_per_request,
      })
      // The answer is built now, so that nothing of the events stays reachable while the log syncs.
      const answer =
        rejected.length === 0
          ? `{"accepted":${events.length},"rejected":[]}`
          : JSON.stringify({
              accepted: events.length,
              rejected: rejected.map(({ index, code, message }) => ({ index, code, message })),
            })
      return { events, rejected, reply: (res, cors) => sendJsonText(res, 200, answer, cors) }
    },
  }
}
