// The http_collector source: clickflow's front door (POST /collect).
import type { SourceSpec } from '../../core/component.ts'
import { type HttpCollectorConfig, httpCollectorConfig } from './config.ts'
import { collectorRoutes } from './routes/all-routes.ts'
import { HttpCollector } from './source.ts'

/** Spec of the `http_collector` source. */
export const httpCollectorSource: SourceSpec<HttpCollectorConfig> = {
  kind: 'source',
  type: 'http_collector',
  description:
    'HTTP endpoint for browsers and servers (POST /collect); acknowledges once events are in the durable log.',
  config: httpCollectorConfig,
  build: async (config, ctx) => new HttpCollector(config, ctx, collectorRoutes(config, ctx)),
}
