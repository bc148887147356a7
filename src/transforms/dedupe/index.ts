// The dedupe transform.
import type { TransformSpec } from '../../core/component.ts'
import { type DedupeConfig, dedupeConfig } from './config.ts'
import { createDedupe } from './transform.ts'

/** Spec of the `dedupe` transform. */
export const dedupeTransform: TransformSpec<DedupeConfig> = {
  kind: 'transform',
  type: 'dedupe',
  description: 'Flags events whose event id was seen recently (bounded memory) as duplicates.',
  config: dedupeConfig,
  build: async (config) => createDedupe(config),
}
