// Every protocol endpoint the collector serves, built from its config.
import type { BuildContext } from '../../../core/component.ts'
import type { HttpCollectorConfig } from '../config.ts'
import type { CollectorRoute } from '../route.ts'
import { collectRoute } from './collect.ts'
import { divolteRoute } from './divolte/route.ts'
import { pixelRoute } from './pixel.ts'
import { segmentRoute } from './segment/segment-route.ts'
import { tagRoute } from './tag.ts'

/** The routes of one collector. */
export function collectorRoutes(cfg: HttpCollectorConfig, _ctx: BuildContext): CollectorRoute[] {
  return [collectRoute(cfg), segmentRoute(cfg), divolteRoute(cfg), pixelRoute(cfg), tagRoute(cfg)]
}
