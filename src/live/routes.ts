// The admin endpoints of the live sink: the live stream, one snapshot as JSON, and the alerts.

import type { AlertsResponse, LiveSnapshot } from '../analytics/contract.ts'
import type { AdminRoute } from '../api/admin-routes.ts'
import { sendJson } from '../http/respond.ts'
import { type SseHub, sseMessage } from './sse.ts'

/** What the routes read. */
export interface LiveRouteDeps {
  readonly hub: SseHub
  snapshot(): LiveSnapshot
  alerts(): AlertsResponse
}

/** GET /api/live (SSE), GET /api/live/snapshot, GET /api/alerts. */
export function liveRoutes(d: LiveRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/live',
      handler: async (req, res) => {
        d.hub.subscribe(req, res, sseMessage('live', JSON.stringify(d.snapshot())))
      },
    },
    {
      method: 'GET',
      path: '/api/live/snapshot',
      handler: async (_req, res) => sendJson(res, 200, d.snapshot(), { 'cache-control': 'no-store' }),
    },
    {
      method: 'GET',
      path: '/api/alerts',
      handler: async (_req, res) => sendJson(res, 200, d.alerts(), { 'cache-control': 'no-store' }),
    },
  ]
}
