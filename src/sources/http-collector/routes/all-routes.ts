// Every protocol endpoint the collector serves, built from its config.
import type { BuildContext } from '../../../core/component.ts'
import { BodyBudget } from '../../../http/read-body.ts'
import type { HttpCollectorConfig } from '../config.ts'
import type { CollectorRoute } from '../route.ts'
import { collectRoute } from './collect.ts'
import { divolteRoute } from './divolte/route.ts'
import { pixelRoute } from './pixel.ts'
import { segmentRoute } from './segment/segment-route.ts'
import { tagRoute } from './tag.ts'

/**
 * Bytes of request bodies one collector reads at once (at least one body of the largest allowed
 * size): 64 concurrent bodies of the default 1 MiB limit, far more of the tag's or a batch SDK's.
 */
export const READING_BUDGET_BYTES = 64 * 1024 * 1024

/** The routes of one collector; the body routes share one reading budget. */
export function collectorRoutes(cfg: HttpCollectorConfig, _ctx: BuildContext): CollectorRoute[] {
  const budget = new BodyBudget(Math.max(READING_BUDGET_BYTES, cfg.max_body_bytes))
  return [
    collectRoute(cfg, budget),
    segmentRoute(cfg, budget),
    divolteRoute(cfg),
    pixelRoute(cfg),
    tagRoute(cfg),
  ]
}
