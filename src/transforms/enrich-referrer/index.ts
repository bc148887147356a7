// The enrich_referrer transform.
import type { TransformSpec } from '../../core/component.ts'
import { type EnrichReferrerConfig, enrichReferrerConfig } from './config.ts'
import { createEnrichReferrer } from './transform.ts'

/** Spec of the `enrich_referrer` transform. */
export const enrichReferrerTransform: TransformSpec<EnrichReferrerConfig> = {
  kind: 'transform',
  type: 'enrich_referrer',
  description:
    'Referrer host and acquisition channel (direct, search, social, email, paid, referral, internal).',
  config: enrichReferrerConfig,
  build: async (config) => createEnrichReferrer(config),
}
