// The enrich_user_agent transform.
import type { TransformSpec } from '../../core/component.ts'
import { type EnrichUserAgentConfig, enrichUserAgentConfig } from './config.ts'
import { createEnrichUserAgent } from './transform.ts'

/** Spec of the `enrich_user_agent` transform. */
export const enrichUserAgentTransform: TransformSpec<EnrichUserAgentConfig> = {
  kind: 'transform',
  type: 'enrich_user_agent',
  description: 'Browser, version, OS and device type from the user agent; flags bots.',
  config: enrichUserAgentConfig,
  build: async (config) => createEnrichUserAgent(config),
}
