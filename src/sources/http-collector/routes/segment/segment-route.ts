// The Segment HTTP Tracking API routes (`POST /v1/batch`, `/v1/track`, `/v1/page`, ...), so Segment
// SDKs (and RudderStack's, Jitsu's) can send to clickflow by pointing their host here.

import type { BodyBudget } from '../../../../http/read-body.ts'
import { sendJson } from '../../../../http/respond.ts'
import type { HttpCollectorConfig } from '../../config.ts'
import type { CollectorRoute } from '../../route.ts'
import { readSegmentJson } from './segment-body.ts'
import { bodyWriteKey, MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, parseSegmentBody } from './segment-request.ts'
import { basicAuthUser, WriteKeys } from './write-key.ts'

/** The calls, each served at `<segment_path_prefix>/<call>`. */
export const SEGMENT_CALLS = ['batch', 'identify', 'track', 'page', 'screen', 'group', 'alias'] as const

/** The Segment route for a collector config. */
export function segmentRoute(cfg: HttpCollectorConfig, budget?: BodyBudget): CollectorRoute {
  const prefix = cfg.segment_path_prefix
  const calls = new Map<string, string>(SEGMENT_CALLS.map((c) => [`${prefix}/${c}`, c]))
  const keys = new WriteKeys(cfg.segment_write_keys)
  return {
    name: 'segment',
    paths: [...calls.keys()],
    methods: ['POST'],
    async accept(req, info) {
      const call = calls.get(info.url.pathname)!
      const headerKey = basicAuthUser(req.headers.authorization)
      keys.precheck(headerKey)
      const body = await readSegmentJson(req, call === 'batch' ? MAX_BATCH_BYTES : MAX_MESSAGE_BYTES, budget)
      // The Basic auth user wins; analytics-node sends the key both ways.
      const grant = keys.grant(headerKey ?? bodyWriteKey(body))
      const { events, rejected } = parseSegmentBody(body, call, {
        receivedAt: info.receivedAt,
        sourceId: info.sourceId,
        userAgent: info.userAgent,
        ip: info.ip,
        site: grant.site ?? cfg.site,
        recordedWriteKey: grant.recorded,
      })
      return {
        events,
        rejected,
        // Segment's answer; refused messages are listed too (SDKs ignore the body), and kept as dead letters.
        reply: (res, cors) =>
          sendJson(
            res,
            200,
            rejected.length === 0
              ? { success: true }
              : {
                  success: true,
                  rejected: rejected.map(({ index, code, message }) => ({ index, code, message })),
                },
            cors,
          ),
      }
    },
  }
}
