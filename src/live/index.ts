// The live sink: live metrics over Server-Sent Events (GET /api/live) and alert rules over them.

import { durationMs } from '../alerts/duration.ts'
import type { SinkSpec } from '../core/component.ts'
import { type LiveSinkConfig, liveSinkConfig } from './config.ts'
import { LiveState } from './live-state.ts'
import { LiveSink } from './sink.ts'

/** Spec of the `live` sink. */
export const liveSink: SinkSpec<LiveSinkConfig> = {
  kind: 'sink',
  type: 'live',
  description:
    'Live metrics updated every second (GET /api/live, Server-Sent Events) and alert rules with webhooks (GET /api/alerts).',
  config: liveSinkConfig,
  build: async (config, ctx) => {
    // Visitor maps remember as long as the longest visitor-based alert window.
    const visitorRetentionS = Math.max(
      0,
      ...config.alerts.rules
        .filter((r) => r.metric === 'visitors_now' || r.metric === 'conversion_rate')
        .map((r) => durationMs(r.window) / 1000),
    )
    const state = new LiveState({
      conversionEvent: config.conversion_event,
      includeBots: config.include_bots,
      visitorRetentionS,
    })
    const db = await ctx.openDuckdb()
    const conn = await db.connect()
    const sink = new LiveSink(config, ctx, state, db, conn)
    try {
      await sink.start()
    } catch (err) {
      await sink.close()
      throw err
    }
    return sink
  },
}
