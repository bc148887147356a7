// The anonymize_ip transform.
import type { TransformSpec } from '../../core/component.ts'
import { type AnonymizeIpConfig, anonymizeIpConfig } from './config.ts'
import { createAnonymizeIp } from './transform.ts'

/** Spec of the `anonymize_ip` transform. */
export const anonymizeIpTransform: TransformSpec<AnonymizeIpConfig> = {
  kind: 'transform',
  type: 'anonymize_ip',
  description: 'Truncates (or drops) the client IP before storage; runs after the transforms that need it.',
  config: anonymizeIpConfig,
  build: async (config) => createAnonymizeIp(config),
}
